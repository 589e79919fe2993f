"""What a chart download says about itself: the slide size, the words drawn around the chart
(title, takeaway and a footer naming source, data as-of date and filters), so a PNG pasted into
a briefing deck still says what it shows and where it came from; and the chart's table as CSV.

The image itself is drawn in the person's browser (assets/zz-cxdash/chart-slide.js) from the page's
own figure; the server sends only these words and never renders a figure.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from cxdash.exports.csv_safety import safe_rows

SLIDE = (1920, 1080)  # 16:9 at full-HD: a whole slide without scaling
FORMATS = ("png", "svg")


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


def table_csv(rows: Sequence[Sequence]) -> str:
    """The chart's table (header row first, cells as shown) as CSV; missing values empty; text a
    spreadsheet would take for a formula is escaped (cxdash/exports/csv_safety.py)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(safe_rows([["" if cell is None else cell for cell in row] for row in rows]))
    return buffer.getvalue()
