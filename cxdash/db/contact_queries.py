"""Contact-center sums per cell and fiscal quarter: the database adds up the stored totals,
so only one row per cell and quarter comes back to Python however many intervals there are."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, case, func, select

from cxdash.db.models import ContactInterval
from cxdash.db.queries import _frame, _ints

CONTACT_CELL = ["provider", "service", "channel", "stage", "fiscal_year", "fiscal_quarter"]
COUNT_SUMS = ["offered", "answered", "abandoned", "answered_with_time", "resolved_first_contact", "resolution_known"]


def contact_sums(conn: Connection | Engine) -> pd.DataFrame:
    """Per cell and fiscal quarter: offered, answered and abandoned; answer seconds and the
    answered contacts they cover (rows with a known answer time only); contacts resolved at
    first contact and those whose resolution is known (rows that report resolution only)."""
    t = ContactInterval
    dims = [getattr(t, c) for c in CONTACT_CELL]
    statement = select(
        *dims,
        func.sum(t.offered).label("offered"),
        func.sum(t.answered).label("answered"),
        func.sum(t.abandoned).label("abandoned"),
        func.sum(t.answer_seconds).label("answer_seconds"),
        func.sum(case((t.answer_seconds.is_not(None), t.answered), else_=0)).label("answered_with_time"),
        func.sum(t.resolved_first_contact).label("resolved_first_contact"),
        func.sum(t.resolution_known).label("resolution_known"),
    ).group_by(*dims).order_by(*dims)
    frame = _ints(_frame(conn, statement), COUNT_SUMS)
    frame["answer_seconds"] = pd.to_numeric(frame["answer_seconds"]).astype(float).fillna(0.0)
    return frame
