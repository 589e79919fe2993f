"""Published aggregate figures as stored: one row per source, quarter, cell and indicator.

They are few (a handful per quarter) and are never combined, so the rows themselves come back.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select

from cxdash.db.models import PublishedValue
from cxdash.db.queries import _frame

PUBLISHED_COLUMNS = ["source", "load_run_id", "provider", "service", "channel", "stage", "fiscal_year",
                     "fiscal_quarter", "indicator", "value", "unit", "wording"]


def published_values(conn: Connection | Engine) -> pd.DataFrame:
    """Every stored published value, oldest load first (so a later load's value comes last)."""
    t = PublishedValue
    statement = select(*[getattr(t, c) for c in PUBLISHED_COLUMNS]).order_by(
        t.load_run_id, t.source, t.fiscal_year, t.fiscal_quarter, t.indicator, t.provider, t.service, t.channel,
        t.stage)
    frame = _frame(conn, statement)
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    return frame
