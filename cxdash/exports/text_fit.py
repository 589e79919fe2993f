"""Measuring text in the deck's font, so table columns are sized from their content and nothing
wraps mid-number or mid-word ("485,1 / 57", "Custome / r value").

The font is the one this machine would draw with: fontconfig's match for the template's theme
font (LibreOffice substitutes the same way when it renders the PDF). Without fontconfig or the
font file, widths are a cautious 0.62 em per character, wider than any common sans serif.
"""
from __future__ import annotations

import functools
import math
import shutil
import subprocess
from collections.abc import Sequence

from pptx.util import Inches, Pt

FALLBACK_EM = 0.62
SAFETY = 1.06  # renderers differ in kerning and hinting; a word must fit with room to spare
CELL_PADDING = Inches(0.12) + Inches(0.04)  # the cell's left and right margins, and a little air


@functools.lru_cache(maxsize=16)
def font_file(family: str, bold: bool = False) -> str | None:
    """The file fontconfig draws ``family`` with on this machine (its substitute when absent)."""
    program = shutil.which("fc-match")
    if not program or not family:
        return None
    try:
        found = subprocess.run([program, "-f", "%{file}", f"{family}:{'bold' if bold else 'regular'}"],
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found.lower().endswith((".ttf", ".otf", ".ttc")) else None


@functools.lru_cache(maxsize=16)
def _font(family: str, bold: bool):
    path = font_file(family, bold)
    if path is None:
        return None
    try:
        from PIL import ImageFont

        return ImageFont.truetype(path, size=1000)
    except (ImportError, OSError):
        return None


@functools.lru_cache(maxsize=65536)
def text_width(text: str, family: str, size_pt: float, bold: bool = False) -> int:
    """The width of one line of ``text`` in EMU, with the safety margin."""
    font = _font(family, bold)
    if font is None:
        points = len(text) * FALLBACK_EM * size_pt
    else:
        points = font.getlength(text) * size_pt / 1000
    return math.ceil(Pt(points) * SAFETY)


def longest_word(text: str, family: str, size_pt: float, bold: bool = False) -> int:
    """The widest run of text with no space in it: a column narrower than this breaks a word."""
    return max((text_width(word, family, size_pt, bold) for word in text.split()), default=0)


def longest_line(text: str, family: str, size_pt: float, bold: bool = False) -> int:
    return max((text_width(line, family, size_pt, bold) for line in (text or "").split("\n")), default=0)


def wrapped_lines(text: str, width: int, family: str, size_pt: float, bold: bool = False) -> int:
    """How many lines ``text`` takes in ``width`` EMU (of text area), wrapping at spaces."""
    space = text_width(" ", family, size_pt, bold)
    total = 0
    for paragraph in (text or "").split("\n"):
        lines, used = 1, 0
        for word in paragraph.split():
            w = text_width(word, family, size_pt, bold)
            if used and used + space + w > width:
                lines, used = lines + 1, w
            else:
                used += (space if used else 0) + w
            lines += max(0, math.ceil(w / max(width, 1)) - 1)  # a word wider than the line (never in our tables)
        total += lines
    return total


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], total: int, family: str,
                  size_pt: float, bold_columns: frozenset[int] = frozenset()) -> list[int] | None:
    """Widths summing to ``total`` in which no word of any cell (header and ``bold_columns`` bold)
    is broken, and the table is about as short as it can be made; None when even the words do not
    fit side by side at this size (the caller tries a smaller one).

    From each column's widest word, room goes to the column that saves the most lines of table
    height per inch given (a row is as tall as its tallest cell), until no widening of one column
    saves a line; what is left goes by each column's unmet need (its one-line width minus its width)."""
    table = [list(header), *[list(r) for r in rows]]
    columns = list(zip(*table))

    def bold(i: int, j: int) -> bool:
        return i == 0 or j in bold_columns

    least = [max(longest_word(c, family, size_pt, bold(i, j)) for i, c in enumerate(col)) + CELL_PADDING
             for j, col in enumerate(columns)]
    want = [max(max(longest_line(c, family, size_pt, bold(i, j)) for i, c in enumerate(col)) + CELL_PADDING, low)
            for j, (col, low) in enumerate(zip(columns, least))]
    if sum(least) > total:
        return None
    if sum(want) <= total:  # everything on one line: share the rest out by need
        return _shared(want, total)

    @functools.cache  # widths tried are the same few steps again and again
    def lines(i: int, j: int, width: int) -> int:
        return wrapped_lines(table[i][j], width - CELL_PADDING, family, size_pt, bold(i, j))

    widths = list(least)
    grid = [[lines(i, j, widths[j]) for j in range(len(widths))] for i in range(len(table))]
    step = max(total // 400, 1)
    while True:
        spare, height = total - sum(widths), sum(max(row) for row in grid)
        best = None  # (lines saved per step, column, steps, its cells' lines)
        for j in range(len(widths)):
            for k in range(1, min(spare, want[j] - widths[j]) // step + 2):
                width = min(widths[j] + k * step, want[j])
                if width - widths[j] > spare:
                    break
                column = [lines(i, j, width) for i in range(len(table))]
                saved = height - sum(max(max(row[:j] + row[j + 1:], default=0), c) for row, c in zip(grid, column))
                if saved > 0:
                    if best is None or saved / k > best[0]:
                        best = (saved / k, j, width, column)
                    break
        if best is None:  # no one column saves a line (rows set by several at once): room by unmet need
            need = [w - x for w, x in zip(want, widths)]
            widths = [x + (total - sum(widths)) * n // sum(need) for x, n in zip(widths, need)]
            return _shared(widths, total)
        _, j, width, column = best
        widths[j] = width
        for row, c in zip(grid, column):
            row[j] = c


def _shared(widths: list[int], total: int) -> list[int]:
    """The widths grown in proportion to reach ``total`` exactly."""
    spare = total - sum(widths)
    grown = [w + spare * w // sum(widths) for w in widths]
    grown[-1] += total - sum(grown)  # rounding
    return grown
