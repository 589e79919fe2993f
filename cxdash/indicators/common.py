"""Turning a frame of per-cell results into indicator_value rows."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from cxdash.cells import CELL_COLUMNS, clean

KEYS = [*CELL_COLUMNS, "fiscal_year", "fiscal_quarter"]


def records(frame: pd.DataFrame, indicator: str, value: str, n: str, unit: str, now: dt.datetime) -> list[dict]:
    """One indicator_value row per row of ``frame`` (which has KEYS, ``value`` and ``n``)."""
    return [{"indicator": indicator, **{k: clean(r[k]) for k in KEYS}, "value": clean(r[value]),
             "n": int(r[n]), "unit": unit, "computed_at": now}
            for r in frame.to_dict("records")]
