"""Reads of the Service drivers page that the shared analysis reads do not cover: which scopes have
survey trends (the page's filter choices) and which quarters of a scope have key drivers."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select

from cxdash.db.models import DriverResult, TrendResult
from cxdash.db.queries import _frame


def service_options(conn: Connection | Engine) -> pd.DataFrame:
    """(fiscal_year, fiscal_quarter, provider, service, channel='all') with a survey trend: the
    page explains survey scores, so scopes with only case or contact data are not offered."""
    t = TrendResult
    statement = select(t.fiscal_year, t.fiscal_quarter, t.provider, t.service).where(t.channel == "all").distinct()
    return _frame(conn, statement).assign(channel="all")


def driver_quarters(conn: Connection | Engine, provider: str, service: str) -> list[tuple[int, int]]:
    """(fiscal_year, fiscal_quarter) of every rolling year with key drivers for a scope, oldest first."""
    t = DriverResult
    statement = (select(t.fiscal_year, t.fiscal_quarter).where(t.provider == provider, t.service == service)
                 .distinct().order_by(t.fiscal_year, t.fiscal_quarter))
    return [(int(y), int(q)) for y, q in _frame(conn, statement).itertuples(index=False)]
