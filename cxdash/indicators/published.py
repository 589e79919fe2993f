"""Published aggregate figures (kind: published) as indicators, exactly as stored.

The indicator ids and units are the mapping's: "points" (a mean on the 1-5 scale), "percent"
(a proportion 0-1) or "people" (a count). n is 0: a published figure carries no response count.
Nothing is rolled up: means and rates of different cells cannot be combined without their
counts, so only the stored cells are emitted (a figure for an agency as a whole is stored with
service 'all' by its mapping). The same indicator of the same quarter and cell is stored once
(its natural key), as last delivered whatever the source.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from cxdash.db import published_queries
from cxdash.indicators.common import KEYS, records


def rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """One indicator row per stored published value."""
    with engine.connect() as conn:
        stored = published_queries.published_values(conn)
    if stored.empty:
        return []
    latest = stored.drop_duplicates([*KEYS, "indicator"], keep="last").assign(n=0)
    return [row for (indicator, unit), part in latest.groupby(["indicator", "unit"], sort=True)
            for row in records(part, indicator, "value", "n", unit, now)]
