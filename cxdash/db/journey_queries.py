"""Reads of the journey page: each stage's scores with their intervals, a stage's indicators by
channel, and every stage that has any computed value. Plain selects of computed tables."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, select, union

from cxdash.channels import ALL
from cxdash.db.models import IndicatorValue, ScoreCell
from cxdash.db.queries import _frame, _ints, one_scale


def stage_scores(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str,
                 service: str) -> pd.DataFrame:
    """Every question at every stage (all channels) of one quarter and scope, with the 95%
    interval of its % agree: stage, question, n, pct_agree, ci_low, ci_high, mean, suppressed,
    scale, other_scale_n.

    A question asked on two scales in the scope (thumbs and Likert trust) shows one at every
    stage: the one with more responses in the scope's quarter (its all-stages cell; a tie keeps
    Likert); ``other_scale_n`` counts the responses of the other (``queries.one_scale``)."""
    t = ScoreCell
    statement = select(t.stage, t.question, t.n, t.pct_agree, t.ci_low, t.ci_high, t.mean, t.suppressed,
                       t.scale).where(
        t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter, t.provider == provider,
        t.service == service, t.channel == ALL).order_by(t.stage, t.question, t.scale)
    frame = _ints(_frame(conn, statement), ["n"])
    frame = one_scale(frame, ["question"], weight=frame["n"].where(frame["stage"].eq(ALL)))
    return frame.assign(suppressed=frame["suppressed"].astype(bool))


def stage_channel_indicators(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str,
                             service: str, stage: str) -> pd.DataFrame:
    """One stage's indicators split by channel (no roll-up row): indicator, channel, value, n, unit."""
    t = IndicatorValue
    statement = select(t.indicator, t.channel, t.value, t.n, t.unit).where(
        t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter, t.provider == provider,
        t.service == service, t.stage == stage, t.channel != ALL)
    return _ints(_frame(conn, statement), ["n"])


def journey_stages(conn: Connection | Engine, provider: str | None = None, service: str | None = None) -> list[str]:
    """Every journey stage with a score or an indicator (all channels), sorted; 'all' excluded.
    With a provider and service: only that scope's stages."""
    s, i = ScoreCell, IndicatorValue
    parts = []
    for t in (s, i):
        statement = select(t.stage).where(t.channel == ALL, t.stage != ALL)
        if provider is not None:
            statement = statement.where(t.provider == provider)
        if service is not None:
            statement = statement.where(t.service == service)
        parts.append(statement.distinct())
    return sorted(_frame(conn, union(*parts))["stage"])
