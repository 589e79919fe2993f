"""A chart's data as a spreadsheet wants it: one number per cell, the unit in the header.

The table under a chart is written for reading ("+0.7 pts (significant, p = 0.03)"); an analyst
pasting the CSV into a spreadsheet needs the change, the p-value and the verdict in their own
columns, as numbers: ``Trust (%)``, ``Change from last quarter (points)``, ``p-value``. A
proportion is written as a percentage (x 100) where its header says %, and a suppressed row keeps
only the columns that say what it is, so nothing hidden on the page reaches the file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

PERCENT = 100.0  # a stored proportion shown in a "(%)" or "(points)" column
# An indicator's unit (presentation.formatting.INDICATOR_UNITS) -> its header word and scale.
UNITS = {"percent": ("%", PERCENT), "days": ("days", None), "hours": ("hours", None), "seconds": ("seconds", None),
         "score": ("score", None),
         "cases": ("cases", None), "contacts": ("calls", None), "items": ("items", None),
         "points": ("points", None), "people": ("people", None)}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # with its unit: "Trust (%)", "Responses (n)", "p-value"
    scale: float | None = None  # numbers are multiplied by it (PERCENT for proportions); None: as stored
    kept_when_suppressed: bool = False  # the row's label and counts; figures are blanked


def unit_column(key: str, label: str, unit: str) -> Column:
    """An indicator's column: "Backlog at quarter end (cases)", "Calls abandoned (%)" (x 100)."""
    word, scale = UNITS[unit]
    return Column(key, f"{label} ({word})", scale)


def cell(value, scale: float | None = None):
    """A number (numpy and pandas scalars made plain, float noise cut at 10 significant digits),
    True/False as true/false, text as it is, None for missing."""
    if _missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = value * scale if scale is not None else value
        return float(f"{number:.10g}") if isinstance(number, float) else number
    return value


def rows(records: Iterable[Mapping], columns: Sequence[Column], suppressed: str | None = "suppressed") -> list[list]:
    """Header row, then one row per record: every column's cell; a record whose ``suppressed``
    key is true keeps only the columns marked kept_when_suppressed."""
    out = [[c.header for c in columns]]
    for record in records:
        hidden = bool(suppressed and _true(record.get(suppressed)))
        out.append([cell(record.get(c.key), c.scale) if not hidden or c.kept_when_suppressed else None
                    for c in columns])
    return out


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def _true(value) -> bool:
    return not _missing(value) and bool(value)


def segment_columns(segment: str, value: str) -> list[Column]:
    """A comparison of segments with the best served (segment_result: channels, user groups...):
    ``segment`` names the first column (e.g. "Channel"), ``value`` the share's (e.g. "Trust (% agree)");
    the frame's label column is ``label``."""
    return [Column("label", segment, kept_when_suppressed=True), Column("pct", value, PERCENT),
            Column("ci_low", "95% interval, low (%)", PERCENT), Column("ci_high", "95% interval, high (%)", PERCENT),
            Column("n", "Responses (n)", kept_when_suppressed=True), Column("is_best", "Best served"),
            Column("gap", "Gap to the best served (points)", PERCENT), Column("p_value", "p-value"),
            Column("p_adjusted", "p-value, Holm-adjusted"), Column("significant", "Significant gap"),
            Column("suppressed", "Suppressed", kept_when_suppressed=True)]
