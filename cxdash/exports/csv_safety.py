"""CSV cells a spreadsheet will not run: the one guard every CSV cxdash writes goes through.

A text cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (``=HYPERLINK(...)``, ``-2+3``, ``@SUM(...)``), so a provider,
service, file name or reason that came in with the data could run in the analyst's spreadsheet.
Following OWASP's CSV injection guidance, such a cell is prefixed with a single quote, which the
spreadsheet shows as text. Numbers stay numbers: only text is escaped, and text that is just a
number as shown (``-2``, ``-1.5%``, ``+3``) is left alone, since a spreadsheet reads it as that
number and it can hold no formula.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A number as a table shows it: sign, digits (with thousands commas), decimals, exponent, percent.
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: text that a spreadsheet would take for a formula
    gets a leading single quote; anything else (numbers, None, plain text) is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Every cell of ``rows`` through safe_cell (header row included)."""
    return [[safe_cell(cell) for cell in row] for row in rows]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (in object or string columns) went through safe_cell;
    numeric columns are untouched, so they are written as numbers. Column names are checked too."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(c) for c in out.columns]
    return out
