"""Reads of the Equity page: which scopes and which comparisons (dimension x question) have
computed segment gaps. DISTINCT queries on segment_result, so only the choices leave the database."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select

from cxdash.channels import ALL
from cxdash.db.models import SegmentResult
from cxdash.db.queries import _frame, _ints


def equity_options(conn: Connection | Engine) -> pd.DataFrame:
    """(fiscal_year, fiscal_quarter, provider, service, channel='all') with any segment comparison:
    the quarters, providers and services the page's filters offer."""
    t = SegmentResult
    statement = select(t.fiscal_year, t.fiscal_quarter, t.provider, t.service).distinct()
    return _ints(_frame(conn, statement), ["fiscal_year", "fiscal_quarter"]).assign(channel=ALL)


def comparison_kinds(conn: Connection | Engine) -> pd.DataFrame:
    """Every (dimension, question) compared anywhere: the dimension and question dropdowns list
    them all, because the page's callback can only change the service list."""
    t = SegmentResult
    return _frame(conn, select(t.dimension, t.question).distinct())
