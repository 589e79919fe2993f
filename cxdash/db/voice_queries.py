"""Reads of the Customer voice page: which scopes have feedback, and theme counts split by
journey stage and sentiment label. GROUP BY queries, so only counts leave the database."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from cxdash.channels import ALL
from cxdash.db.feedback_queries import _scoped
from cxdash.db.models import (
    FeedbackItem,
    FeedbackItemTheme,
    FeedbackTheme,
    IndicatorValue,
)
from cxdash.db.queries import _frame, _ints

VOLUME = "feedback_volume"


def voice_options(conn: Connection | Engine) -> pd.DataFrame:
    """(fiscal_year, fiscal_quarter, provider, service, channel='all') with computed feedback."""
    t = IndicatorValue
    statement = select(t.fiscal_year, t.fiscal_quarter, t.provider, t.service).where(
        t.indicator == VOLUME, t.channel == ALL, t.stage == ALL).distinct()
    return _ints(_frame(conn, statement), ["fiscal_year", "fiscal_quarter"]).assign(channel=ALL)


def feedback_stages(conn: Connection | Engine, provider: str = ALL, service: str = ALL) -> list[str]:
    """Every journey stage any stored feedback item of the scope ('all': every one) is on."""
    statement = _scoped(select(FeedbackItem.stage), None, None, provider, service, ALL, ALL).distinct()
    return sorted(_frame(conn, statement)["stage"])


def theme_stage_sentiment(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str = ALL,
                          service: str = ALL) -> pd.DataFrame:
    """Items per journey stage, theme and sentiment label in one quarter and scope: stage,
    theme_id, label, sentiment_label, items."""
    t, link, theme = FeedbackItem, FeedbackItemTheme, FeedbackTheme
    dims = [t.stage, theme.id.label("theme_id"), theme.label, t.sentiment_label]
    statement = (select(*dims, func.count().label("items"))
                 .select_from(t).join(link, link.feedback_item_id == t.id).join(theme, theme.id == link.theme_id)
                 .group_by(t.stage, theme.id, theme.label, t.sentiment_label))
    statement = _scoped(statement, fiscal_year, fiscal_quarter, provider, service, ALL, ALL)
    return _ints(_frame(conn, statement), ["theme_id", "items"])
