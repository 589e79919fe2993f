"""Reads of the operations page: the pre-computed indicator_value rows of case and contact-centre
indicators, for the filter choices and for one provider/service scope (every quarter, channel and stage)."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, Engine, select

from cxdash.db.models import IndicatorValue
from cxdash.db.queries import _frame, _ints


def indicator_options(conn: Connection | Engine, indicators: Iterable[str]) -> pd.DataFrame:
    """(fiscal_year, fiscal_quarter, provider, service, channel) with any of ``indicators`` (all stages)."""
    t = IndicatorValue
    statement = select(t.fiscal_year, t.fiscal_quarter, t.provider, t.service, t.channel).where(
        t.stage == "all", t.indicator.in_(list(indicators))).distinct()
    return _ints(_frame(conn, statement), ["fiscal_year", "fiscal_quarter"])


def scope_cells(conn: Connection | Engine, provider: str, service: str, indicators: Iterable[str]) -> pd.DataFrame:
    """Every quarter, channel and stage of ``indicators`` for one provider and service (roll-ups included).

    A scope holds at most indicators x quarters x channels x stages rows, so one read serves the
    headline, the breakdowns and the trend of any quarter and channel the page is asked for."""
    t = IndicatorValue
    statement = select(t.indicator, t.fiscal_year, t.fiscal_quarter, t.channel, t.stage, t.value, t.n, t.unit).where(
        t.provider == provider, t.service == service, t.indicator.in_(list(indicators)))
    frame = _ints(_frame(conn, statement), ["fiscal_year", "fiscal_quarter", "n"])
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    return frame
