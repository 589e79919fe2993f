"""Contact-center indicators: calls offered, abandonment rate, average speed of answer and
first-contact resolution, per fiscal quarter and every roll-up level."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from cxdash.cells import rolled, rollup_levels
from cxdash.db import contact_queries
from cxdash.indicators.common import KEYS, records
from cxdash.metrics.contact_centre import contact_indicators

# (indicator, value column, n column, unit); a row is emitted only where n > 0.
INDICATORS = [
    ("calls_offered", "calls_offered", "offered", "contacts"),
    ("abandonment_rate", "abandonment_rate", "offered", "percent"),
    ("average_speed_of_answer", "asa_seconds", "answered_with_time", "seconds"),
    ("first_contact_resolution", "fcr_rate", "resolution_known", "percent"),
]


def rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """Indicator rows from contact intervals; groups with a zero denominator are skipped."""
    with engine.connect() as conn:
        sums = contact_queries.contact_sums(conn)
    if sums.empty:
        return []
    out: list[dict] = []
    for kept in rollup_levels():
        frame = contact_indicators(rolled(sums, kept), KEYS)
        for indicator, value, n, unit in INDICATORS:
            out.extend(records(frame[frame[n] > 0], indicator, value, n, unit, now))
    return out
