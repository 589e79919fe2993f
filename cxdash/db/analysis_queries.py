"""Reads and writes of the analyses under the CX office's pages: key drivers, segment gaps and
trends. Compute reads the response-level inputs here; pages read the computed results."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, case, delete, func, insert, select

from cxdash.db.cell_aggregates import moment_columns
from cxdash.db.models import (
    DriverResult,
    SegmentResult,
    SurveyAnswer,
    SurveyCell,
    SurveyCellMoment,
    SurveyPattern,
    SurveyQuestion,
    SurveyResponse,
    SurveySegment,
    TrendResult,
)
from cxdash.db.queries import _frame, _ints, one_scale
from cxdash.metrics.a11_scores import BINARY, LIKERT
from cxdash.metrics.drivers import PATTERN_SEPARATOR, agree_name, cross_name, other_name, sum_name

# --- compute inputs -----------------------------------------------------------------------

def driver_moments(conn: Connection | Engine) -> pd.DataFrame:
    """The key-driver input: sufficient statistics per quarterly cell and answer pattern.

    Sums of the per-cell moments (``cell_aggregates``: refresh those first) over the counting
    cells of each provider, service and fiscal quarter, one column per statistic (zeros where a
    statistic was never stored). Outcomes (trust, satisfaction) have one column per scale, e.g.
    ``trust@5pt`` and ``trust@binary``. Returns the moments frame of ``cxdash.metrics.drivers``
    with ``provider``, ``service``, ``fiscal_year``, ``fiscal_quarter`` and ``pattern``.
    """
    m, c, p = SurveyCellMoment, SurveyCell, SurveyPattern
    keys = ["provider", "service", "fiscal_year", "fiscal_quarter"]
    dims = [c.provider, c.service, c.fiscal_year, c.fiscal_quarter, p.pattern, m.statistic]
    statement = (select(*dims, func.sum(m.value).label("value")).join(c, c.id == m.cell_id)
                 .join(p, p.id == m.pattern_id).group_by(*dims))
    long = _frame(conn, statement)
    if long.empty:
        return pd.DataFrame(columns=[*keys, "pattern", "n"])
    long["value"] = pd.to_numeric(long["value"]).astype("int64")
    wide = long.pivot_table(index=[*keys, "pattern"], columns="statistic", values="value",
                            aggfunc="sum", fill_value=0, sort=True)
    asked = {name for pattern in wide.index.get_level_values("pattern") for name in pattern.split(PATTERN_SEPARATOR)}
    outcomes, likert, checklist, pairs = moment_columns(
        (name.partition("@")[0], name.partition("@")[2]) if "@" in name else (name, "") for name in asked)
    names = outcomes + likert + checklist
    statistics = ["n"] + [f(name) for name in names for f in (sum_name, agree_name, other_name)]
    statistics += [cross_name(a, b) for a, b in pairs]
    wide = wide.reindex(columns=statistics, fill_value=0).astype("int64")
    wide.columns.name = None
    return wide.reset_index()


def segment_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Agree (4-5, or yes) and answer counts per quarter, service, segment value, question and scale
    (thumbs and Likert answers of one question are counted apart)."""
    r, a, s, c, q = SurveyResponse, SurveyAnswer, SurveySegment, SurveyCell, SurveyQuestion
    columns = ["fiscal_year", "fiscal_quarter", "provider", "service", "dimension", "segment", "question", "scale",
               "agree", "n"]
    if _frame(conn, select(s.response_id).limit(1)).empty:  # no segments: a planner may still scan every answer
        return pd.DataFrame(columns=columns)
    agree = func.sum(case(((q.scale == LIKERT) & (a.value >= 4), 1), ((q.scale == BINARY) & (a.value == 1), 1),
                          else_=0))
    dims = [c.fiscal_year, c.fiscal_quarter, c.provider, c.service, s.segment.label("dimension"),
            s.value.label("segment"), q.question, q.scale]
    statement = (select(*dims, agree.label("agree"), func.count().label("n"))
                 .select_from(s).join(r, r.id == s.response_id)
                 .join(a, (a.cell_id == r.cell_id) & (a.response_id == r.id))
                 .join(c, c.id == r.cell_id).join(q, q.id == a.question_id).group_by(*dims))
    return _ints(_frame(conn, statement), ["agree", "n"])


# --- computed results ---------------------------------------------------------------------

def replace_analyses(conn: Connection, drivers: list[dict], segments: list[dict], trends: list[dict]) -> None:
    """Swap in new analyses inside the caller's transaction (compute's), so readers never see half.
    Every row carries its ``scale`` (part of each table's key; None for an indicator's segments)."""
    for table, rows in ((DriverResult, drivers), (SegmentResult, segments), (TrendResult, trends)):
        conn.execute(delete(table))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start:start + 5000])


def stored_drivers(conn: Connection) -> list[dict]:
    """The stored key-driver rows as compute made them (to keep those whose window is unchanged)."""
    return [dict(r._mapping) for r in conn.execute(select(*_columns(DriverResult, skip=("id",))))]


def _columns(table, skip=("id", "computed_at")):
    return [c for c in table.__table__.c if c.name not in skip]


def driver_results(conn: Connection | Engine, provider: str, service: str, fiscal_year: int,
                   fiscal_quarter: int, *, both_scales: bool = False) -> pd.DataFrame:
    """A scope's key-driver models for the rolling year to a quarter. An outcome fitted on both
    scales (thumbs and Likert trust) keeps one unless ``both_scales``: the scale whose largest
    model used more responses (a tie keeps Likert), ``other_scale_n`` the other's
    (``queries.one_scale``)."""
    t = DriverResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service,
                                           t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    frame = _frame(conn, statement.order_by(t.outcome, t.scale, t.id))
    return frame if both_scales else one_scale(frame, ["outcome"], how="max")


def segment_results(conn: Connection | Engine, provider: str, service: str, fiscal_year: int,
                    fiscal_quarter: int, *, both_scales: bool = False) -> pd.DataFrame:
    """A scope's segment comparisons in a quarter. A question compared on both scales keeps one
    per dimension unless ``both_scales``: the scale with more responses over the dimension's
    segments (a tie keeps Likert), ``other_scale_n`` the other's (``queries.one_scale``)."""
    t = SegmentResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service,
                                           t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    frame = _frame(conn, statement.order_by(t.dimension, t.question, t.scale, t.id))
    return frame if both_scales else one_scale(frame, ["dimension", "question"])


def trend_results(conn: Connection | Engine, provider: str, service: str, channel: str = "all",
                  questions: list[str] | None = None, *, both_scales: bool = False) -> pd.DataFrame:
    """Every quarter of a scope's scores with their changes and trend test, oldest first. A
    question scored on both scales in the scope keeps one series unless ``both_scales``: the
    scale with more responses over its quarters (a tie keeps Likert), ``other_scale_n`` the
    other's (``queries.one_scale``)."""
    t = TrendResult
    statement = select(*_columns(t)).where(t.provider == provider, t.service == service, t.channel == channel)
    if questions is not None:
        statement = statement.where(t.question.in_(questions))
    frame = _frame(conn, statement.order_by(t.question, t.scale, t.fiscal_year, t.fiscal_quarter))
    if both_scales:
        return frame
    chosen = one_scale(frame, ["question"])
    return chosen.sort_values(["question", "fiscal_year", "fiscal_quarter"], kind="stable").reset_index(drop=True)
