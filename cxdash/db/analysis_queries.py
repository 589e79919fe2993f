"""Reads and writes of the analyses under the CX office's pages: key drivers, segment gaps and
trends. Compute reads the response-level inputs here; pages read the computed results."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, case, delete, func, insert, select

from cxdash.db.models import DriverResult, SegmentResult, SurveyAnswer, SurveyResponse, SurveySegment, TrendResult
from cxdash.db.queries import _frame, _ints
from cxdash.metrics.a11_scores import BINARY, LIKERT

# --- compute inputs -----------------------------------------------------------------------

def response_answers(conn: Connection | Engine) -> pd.DataFrame:
    """Every closed answer with its response's quarter and scope (long): the key-driver input.

    Response-level data is the only place where answers of one person can be set side by side."""
    r, a = SurveyResponse, SurveyAnswer
    statement = (select(a.response_id, r.fiscal_year, r.fiscal_quarter, r.provider, r.service, a.question,
                        a.scale, a.value)
                 .join(r, r.id == a.response_id))
    return _ints(_frame(conn, statement), ["value"])


def segment_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Agree (4-5, or yes) and answer counts per quarter, service, segment value and question."""
    r, a, s = SurveyResponse, SurveyAnswer, SurveySegment
    agree = func.sum(case(((a.scale == LIKERT) & (a.value >= 4), 1), ((a.scale == BINARY) & (a.value == 1), 1),
                          else_=0))
    dims = [r.fiscal_year, r.fiscal_quarter, r.provider, r.service, s.segment.label("dimension"),
            s.value.label("segment"), a.question]
    statement = (select(*dims, agree.label("agree"), func.count().label("n"))
                 .join(a, a.response_id == r.id).join(s, s.response_id == r.id).group_by(*dims))
    return _ints(_frame(conn, statement), ["agree", "n"])


# --- computed results ---------------------------------------------------------------------

def replace_analyses(conn: Connection, drivers: list[dict], segments: list[dict], trends: list[dict]) -> None:
    """Swap in new analyses inside the caller's transaction (compute's), so readers never see half."""
    for table, rows in ((DriverResult, drivers), (SegmentResult, segments), (TrendResult, trends)):
        conn.execute(delete(table))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start:start + 5000])


def _columns(table, skip=("id", "computed_at")):
    return [c for c in table.__table__.c if c.name not in skip]


def driver_results(conn: Connection | Engine, provider: str, service: str, fiscal_year: int,
                   fiscal_quarter: int) -> pd.DataFrame:
    t = DriverResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service,
                                           t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    return _frame(conn, statement.order_by(t.outcome, t.id))


def segment_results(conn: Connection | Engine, provider: str, service: str, fiscal_year: int,
                    fiscal_quarter: int) -> pd.DataFrame:
    t = SegmentResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service,
                                           t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    return _frame(conn, statement.order_by(t.dimension, t.question, t.id))


def trend_results(conn: Connection | Engine, provider: str, service: str, channel: str = "all",
                  questions: list[str] | None = None) -> pd.DataFrame:
    """Every quarter of a scope's scores with their changes and trend test, oldest first."""
    t = TrendResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service, t.channel == channel)
    if questions is not None:
        statement = statement.where(t.question.in_(questions))
    return _frame(conn, statement.order_by(t.question, t.fiscal_year, t.fiscal_quarter))
