"""The heat map's figure: a Plotly grid whose colour shows standing. The page wraps it with the same
grid as a real table (dashboard/components/heat_map.py); the review deck draws it as a picture,
so it lives here, free of Dash.

Nothing rests on colour or hover: every cell prints its value and its status in words (with an
icon that repeats it), in the figure as in the page's table. The palette runs orange (weaker)
through near-white to purple (stronger), a diverging pair that stays apart for red-green colour
blindness; every colour keeps dark text above 4.5:1. Cells without a comparison are grey.

Every cell's text fits inside its cell: rows are as tall as the cell with the most lines, and
figure_min_width gives the width below which a column would be narrower than its widest line
(the page never draws the figure narrower: it scrolls instead, and on a phone it shows a list).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import plotly.graph_objects as go

from cxdash.presentation.charts import FONT, INK, style

# Position 0 = weakest, 1 = strongest (ColorBrewer PuOr, the dark ends left out so ink stays legible).
PALETTE = [[0.0, "#e08214"], [0.25, "#fdb863"], [0.5, "#f7f7f7"], [0.75, "#d8daeb"], [1.0, "#998ec3"]]
NEUTRAL = "#dfe1e2"
VALUE_SIZE = 14       # px: a cell's value (bold) and status lines
ROW_LABEL_SIZE = 15   # px: the row names
LINE_HEIGHT = 18      # px per line of cell text
CELL_PADDING = 10     # px of room around a cell's text, each side
MIN_CELL_WIDTH = 84
MIN_ROW_HEIGHT = 48
COLOUR_BAR = 110      # px: the colour bar with its two words
GAP = 3


@dataclass(frozen=True)
class Cell:
    """One cell: its value as text; its statuses as (icon, words) pairs, the icon repeating the
    words (hidden from screen readers, which read the words); its colour position (0 weakest ..
    1 strongest; None for no comparison, shown grey)."""
    value: str
    marks: tuple[tuple[str, str], ...] = ()
    score: float | None = None

    def lines(self) -> list[str]:
        return [self.value, *[f"{icon} {words}".strip() for icon, words in self.marks]]

    def drawn_lines(self) -> list[tuple[str, bool]]:
        """The lines the figure prints, (text, bold): a long value ('Suppressed (n < 30)') wraps
        before its bracket."""
        value = [(part, True) for part in self.value.replace(" (", "\n(").split("\n")]
        return value + [(line, False) for line in self.lines()[1:]]


def text_width(text: str, size: float = VALUE_SIZE, bold: bool = False) -> float:
    """A generous estimate of a line's width in px: wide enough for Source Sans (about 0.5 em a
    character) and for the Arial or Helvetica an exported image may fall back to; symbols 1 em."""
    per = 0.6 if bold else 0.56
    return sum(size * (1.0 if ord(ch) > 0x2000 else per) for ch in text)


def cell_width(cells: list[list[Cell]]) -> int:
    """The narrowest column every cell's text fits in."""
    widest = max((text_width(t, bold=b) for row in cells for c in row for t, b in c.drawn_lines()), default=0)
    return max(MIN_CELL_WIDTH, math.ceil(widest + 2 * CELL_PADDING + GAP))


def row_height(cells: list[list[Cell]]) -> int:
    """The lowest row every cell's lines fit in."""
    lines = max((len(c.drawn_lines()) for row in cells for c in row), default=1)
    return max(MIN_ROW_HEIGHT, LINE_HEIGHT * lines + 2 * CELL_PADDING + GAP)


def figure_min_width(rows: list[str], columns: list[str], cells: list[list[Cell]], widest_cell: int | None = None) -> int:
    """The width (px) at which every column is still as wide as its widest line of text (with
    ``widest_cell``: at which each column is that wide, or as wide as its text needs if more)."""
    labels = max((text_width(r, ROW_LABEL_SIZE) for r in rows), default=0)
    cell = max(cell_width(cells), widest_cell or 0)
    return math.ceil(20 + labels + 12 + cell * len(columns) + COLOUR_BAR)


def colour(score: float | None) -> str:
    """The cell's colour as #rrggbb: the palette at ``score`` (0 weakest .. 1 strongest), grey for None."""
    if score is None:
        return NEUTRAL
    score = min(max(float(score), 0.0), 1.0)
    for (a, ca), (b, cb) in zip(PALETTE, PALETTE[1:]):
        if score <= b:
            t = 0.0 if b == a else (score - a) / (b - a)
            rgb = [round(int(ca[i:i + 2], 16) + t * (int(cb[i:i + 2], 16) - int(ca[i:i + 2], 16))) for i in (1, 3, 5)]
            return "#" + "".join(f"{v:02x}" for v in rgb)
    return PALETTE[-1][1]


def heat_map_figure(rows: list[str], columns: list[str], cells: list[list[Cell]], low: str = "Weaker",
                    high: str = "Stronger") -> go.Figure:
    """Rows top to bottom in the given order; ``columns`` may hold <br> to wrap long names. Rows
    are as tall as the cell with the most lines; draw it at least figure_min_width wide."""
    x = list(range(len(columns)))
    y = list(range(len(rows)))
    scores = [[c.score for c in row] for row in cells]
    grey = [[1 if c.score is None else None for c in row] for row in cells]
    hover = [["<br>".join(c.lines()) for c in row] for row in cells]  # repeats the printed text
    fig = go.Figure([
        go.Heatmap(z=grey, x=x, y=y, colorscale=[[0, NEUTRAL], [1, NEUTRAL]], showscale=False, xgap=GAP, ygap=GAP,
                   hoverinfo="skip"),
        go.Heatmap(z=scores, x=x, y=y, zmin=0, zmax=1, colorscale=PALETTE, xgap=GAP, ygap=GAP,
                   customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                   colorbar={"tickvals": [0, 1], "ticktext": [low, high], "thickness": 14, "outlinecolor": INK,
                             "outlinewidth": 1, "ticks": ""}),
    ])
    for i, row in enumerate(cells):
        for j, cell in enumerate(row):
            lines = cell.drawn_lines()
            text = "<br>".join(["<b>" + "<br>".join(t for t, bold in lines if bold) + "</b>",
                                *[t for t, bold in lines if not bold]])
            fig.add_annotation(x=j, y=i, text=text, showarrow=False,
                               font={"family": FONT, "size": VALUE_SIZE, "color": INK})
    # The top margin holds the column names below the graph's toolbar.
    header_lines = max((c.count("<br>") + 1 for c in columns), default=1)
    top = 40 + 20 * header_lines
    style(fig, height=top + 10 + row_height(cells) * len(rows), legend=False,
          margin={"l": 10, "r": 10, "t": top, "b": 10})
    fig.update_xaxes(tickvals=x, ticktext=columns, side="top", showgrid=False, zeroline=False, showline=False,
                     ticks="", fixedrange=True, range=[-0.5, len(columns) - 0.5])
    fig.update_yaxes(tickvals=y, ticktext=rows, autorange="reversed", showgrid=False, zeroline=False,
                     showline=False, ticks="", fixedrange=True, tickfont={"size": ROW_LABEL_SIZE})
    return fig
