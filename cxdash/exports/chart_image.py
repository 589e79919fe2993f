"""Charts as slide-ready files: the figure with its title, takeaway and a footer (source, data
as-of date, filters) drawn into the image, so a PNG pasted into a briefing deck still says what
it shows and where it came from; and the chart's table as CSV.

Images come from kaleido 1.x driving Debian's Chromium; renders run one at a time behind a lock.
Each call starts a browser (about 2 s): a sync server kept warm across calls hung once the thread
that started it had gone (a test server's), so batching belongs to the caller (render takes a list).
"""
from __future__ import annotations

import copy
import csv
import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import plotly.io as pio

from cxdash.exports.csv_safety import safe_rows

SLIDE = (1920, 1080)  # 16:9 at full-HD: a whole slide without scaling
FORMATS = ("png", "svg")
_lock = threading.Lock()


@dataclass(frozen=True)
class ChartContext:
    """What the image says about itself besides the chart."""
    title: str
    takeaway: str
    source: str
    as_of: str | None = None  # e.g. "31 Dec 2022"
    filters: str | None = None  # e.g. "FY2023 Q1 · Veterans Health Administration · all channels"

    def footer(self) -> str:
        parts = [f"Source: {self.source}"]
        if self.as_of:
            parts.append(f"Data as of {self.as_of}")
        if self.filters:
            parts.append(f"Filters: {self.filters}")
        return " · ".join(parts)


def slide_figure(figure: go.Figure, context: ChartContext, size: tuple[int, int] = SLIDE) -> go.Figure:
    """A copy of ``figure`` laid out for a slide: title and takeaway above, footer below; the
    traces (the numbers) are untouched. For images the server renders itself (kaleido); a page's
    chart downloads are laid out in the browser by assets/zz-cxdash/chart-slide.js, which also
    measures the text and moves it apart."""
    width, height = size
    out = go.Figure(copy.deepcopy(figure))
    wrapped = "<br>".join(textwrap.wrap(context.takeaway, 150)) if context.takeaway else ""
    top = 150 + 26 * wrapped.count("<br>")
    out.update_layout(
        width=width, height=height,
        title={"text": f"<b>{context.title}</b>" + (f"<br><span style='font-size:22px'>{wrapped}</span>" if wrapped else ""),
               "x": 0.02, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 34}},
        margin={"l": 90, "r": 60, "t": top, "b": 120},
        font={"size": 20},
    )
    out.add_annotation(text=context.footer(), xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                       yshift=-70, showarrow=False, align="left", font={"size": 16, "color": "#454545"})
    return out


def inline_only(figure: go.Figure) -> None:
    """Refuse a figure that would make the server's Chromium fetch anything: an image (layout
    image or image trace) whose source is not an inline data: URI. Figures rendered here are
    built by cxdash itself (review packs); pages' chart downloads are drawn in the browser."""
    sources = [image.source for image in figure.layout.images or ()]
    sources += [trace.source for trace in figure.data if trace.type == "image"]
    for source in sources:
        if source is not None and not (isinstance(source, str) and source.startswith("data:")):
            raise ValueError("a chart image may only carry inline (data:) images, not "
                             f"{str(source)[:60]!r}")


def render(figures: Sequence[go.Figure], fmt: str) -> list[bytes]:
    """PNG or SVG bytes of each figure, in one warm Chromium (batch what you can); only figures
    with nothing to fetch (inline_only)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
    for figure in figures:
        inline_only(figure)
    with _lock:
        return [pio.to_image(f, format=fmt, width=f.layout.width, height=f.layout.height) for f in figures]


def table_csv(rows: Sequence[Sequence]) -> str:
    """The chart's table (header row first, cells as shown) as CSV; missing values empty; text a
    spreadsheet would take for a formula is escaped (cxdash/exports/csv_safety.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(safe_rows([["" if cell is None else cell for cell in row] for row in rows]))
    return buffer.getvalue()
