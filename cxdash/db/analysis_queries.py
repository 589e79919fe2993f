"""Reads and writes of the analyses under the CX office's pages: key drivers, segment gaps and
trends. Compute reads the response-level inputs here; pages read the computed results."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import BigInteger, Connection, Engine, case, delete, func, insert, literal, select

from cxdash.db.models import DriverResult, SegmentResult, SurveyAnswer, SurveyResponse, SurveySegment, TrendResult
from cxdash.db.queries import _frame, _ints, one_scale
from cxdash.metrics.a11_scores import BINARY, DRIVERS, LIKERT
from cxdash.metrics.drivers import (
    CHECKLIST_PREFIXES,
    OUTCOMES,
    agree_name,
    cross_name,
    moment_pairs,
    other_name,
    pattern_of,
    sum_name,
)

# --- compute inputs -----------------------------------------------------------------------

def _outcome_column(question: str, scale: str) -> str:
    """An outcome's column in the moments: thumbs (binary) and Likert (5pt) answers of one
    question are different variables and never share a column."""
    return f"{question}@{scale}"


def driver_moments(conn: Connection | Engine) -> pd.DataFrame:
    """The key-driver input: sufficient statistics per quarterly cell, computed by the database.

    One query: the inner part pivots each response's answers into one row (conditional
    aggregation: MAX(CASE WHEN question = q THEN value END) per question; an answer not given or
    an option not offered stays NULL, never 0), tags it with its answer pattern (a bit per
    column answered) and the outer part groups by provider, service, fiscal quarter and pattern,
    returning n, the sums, the 4-5 and non-0/1 counts and the sums of cross-products. Outcomes
    (trust, satisfaction) get one column per scale, e.g. ``trust@5pt`` and ``trust@binary``.
    Cross-products are taken within the 1-5 model (outcomes and agree drivers) and within the
    checklist model (outcomes and positive_/negative_ options). Returns the moments frame of
    ``cxdash.metrics.drivers`` with ``provider``, ``service``, ``fiscal_year``, ``fiscal_quarter``.
    """
    a, r = SurveyAnswer.__table__, SurveyResponse.__table__
    asked = _frame(conn, select(a.c.question, a.c.scale).distinct())
    outcomes = [(q, s) for q, s in sorted(asked.itertuples(index=False, name=None)) if q in OUTCOMES]
    questions = set(asked["question"])
    likert = [d for d in DRIVERS if d in questions]
    checklist = sorted(q for q in questions if q.startswith(CHECKLIST_PREFIXES))
    names = [_outcome_column(q, s) for q, s in outcomes] + likert + checklist
    keys = ["provider", "service", "fiscal_year", "fiscal_quarter"]
    if not names:
        return pd.DataFrame(columns=[*keys, "pattern", "n"])
    if len(names) > 62:
        raise ValueError(f"too many driver and outcome questions for one pattern key ({len(names)} > 62)")
    label = {name: f"c{i}" for i, name in enumerate(names)}
    pivot = [func.max(case(((a.c.question == q) & (a.c.scale == s), a.c.value))).label(label[_outcome_column(q, s)])
             for q, s in outcomes]
    pivot += [func.max(case((a.c.question == q, a.c.value))).label(label[q]) for q in likert + checklist]
    per_response = select(a.c.response_id, *pivot).group_by(a.c.response_id).subquery("per_response")
    column = {name: per_response.c[label[name]] for name in names}
    bits = sum((case((column[name].is_not(None), literal(1 << i, BigInteger)), else_=literal(0, BigInteger))
                for i, name in enumerate(names)), literal(0, BigInteger))
    tagged = select(per_response, bits.label("pattern_bits")).subquery("tagged")
    value = {name: tagged.c[label[name]] for name in names}
    outcome_names = names[:len(outcomes)]
    pairs = moment_pairs([outcome_names + likert, outcome_names + checklist])
    aggregates = [func.count().label("n")]
    for name in names:
        x = value[name]
        aggregates += [func.sum(x).label(f"s_{label[name]}"),
                       func.sum(case((x >= 4, 1), else_=0)).label(f"g_{label[name]}"),
                       func.sum(case((x.is_not(None) & x.not_in([0, 1]), 1), else_=0)).label(f"o_{label[name]}")]
    aggregates += [func.sum(value[p] * value[q]).label(f"x_{label[p]}_{label[q]}") for p, q in pairs]
    dims = [r.c.provider, r.c.service, r.c.fiscal_year, r.c.fiscal_quarter, tagged.c.pattern_bits]
    statement = select(*dims, *aggregates).join_from(tagged, r, r.c.id == tagged.c.response_id).group_by(*dims)
    raw = _frame(conn, statement)
    out = raw[keys].copy()
    patterns = {bits: pattern_of(name for i, name in enumerate(names) if int(bits) >> i & 1)
                for bits in raw["pattern_bits"].unique()}
    out["pattern"] = raw["pattern_bits"].map(patterns)
    numbers = {"n": raw["n"]}
    for name in names:
        numbers[sum_name(name)] = raw[f"s_{label[name]}"]
        numbers[agree_name(name)] = raw[f"g_{label[name]}"]
        numbers[other_name(name)] = raw[f"o_{label[name]}"]
    for p, q in pairs:
        numbers[cross_name(p, q)] = raw[f"x_{label[p]}_{label[q]}"]
    counts = pd.DataFrame(numbers).apply(pd.to_numeric).fillna(0).astype("int64")
    return pd.concat([out, counts], axis=1)


def segment_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Agree (4-5, or yes) and answer counts per quarter, service, segment value, question and scale
    (thumbs and Likert answers of one question are counted apart)."""
    r, a, s = SurveyResponse, SurveyAnswer, SurveySegment
    agree = func.sum(case(((a.scale == LIKERT) & (a.value >= 4), 1), ((a.scale == BINARY) & (a.value == 1), 1),
                          else_=0))
    dims = [r.fiscal_year, r.fiscal_quarter, r.provider, r.service, s.segment.label("dimension"),
            s.value.label("segment"), a.question, a.scale]
    statement = (select(*dims, agree.label("agree"), func.count().label("n"))
                 .join(a, a.response_id == r.id).join(s, s.response_id == r.id).group_by(*dims))
    return _ints(_frame(conn, statement), ["agree", "n"])


# --- computed results ---------------------------------------------------------------------

def replace_analyses(conn: Connection, drivers: list[dict], segments: list[dict], trends: list[dict]) -> None:
    """Swap in new analyses inside the caller's transaction (compute's), so readers never see half.
    Every row carries its ``scale`` (part of each table's key; None for an indicator's segments)."""
    for table, rows in ((DriverResult, drivers), (SegmentResult, segments), (TrendResult, trends)):
        conn.execute(delete(table))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start:start + 5000])


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
