"""Feedback indicators (volume, negative share, mean sentiment) and themes.

Every compute re-themes all stored feedback: themes describe the whole corpus, so a new load
can change them all, and they are replaced in one transaction. The pages read themes and
verbatims through top_themes() and verbatims() here.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine

from cxdash.cells import rolled, rollup_levels
from cxdash.channels import ALL
from cxdash.db import feedback_queries
from cxdash.indicators.common import KEYS, records
from cxdash.metrics import sentiment
from cxdash.metrics.themes import find_themes
from cxdash.theme_labels import load_theme_labels


def recompute_themes(engine: Engine, now: dt.datetime) -> int:
    """Theme all stored feedback and replace the theme tables; returns the number of themes."""
    with engine.connect() as conn:
        texts = feedback_queries.feedback_texts(conn)
    found = find_themes(texts, labels=load_theme_labels().pairs())
    with engine.begin() as conn:
        feedback_queries.replace_themes(conn, found.themes, found.assignments, now)
    return len(found.themes)


def rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """Re-theme, then feedback indicators per fiscal quarter and every roll-up level."""
    recompute_themes(engine, now)
    with engine.connect() as conn:
        counts = feedback_queries.sentiment_counts(conn)
    out: list[dict] = []
    if counts.empty:
        return out
    for kept in rollup_levels():
        summary = sentiment.summarise(rolled(counts, kept), KEYS)
        out += records(summary.assign(value=summary["n"]), "feedback_volume", "value", "n", "items", now)
        out += records(summary, "negative_feedback_share", "negative_share", "n", "percent", now)
        out += records(summary, "mean_sentiment", "mean_sentiment", "n", "score", now)
    return out


def top_themes(conn: Connection | Engine, fiscal_year: int | None, fiscal_quarter: int | None, provider: str = ALL,
               service: str = ALL, stage: str = ALL, limit: int | None = 5) -> pd.DataFrame:
    """The largest themes in a scope: theme_id, label, items, negative, negative_share."""
    return feedback_queries.top_themes(conn, fiscal_year, fiscal_quarter, provider, service, stage, limit=limit)


def top_themes_by_stage(conn: Connection | Engine, fiscal_year: int | None, fiscal_quarter: int | None,
                        provider: str = ALL, service: str = ALL, per_stage: int = 3) -> pd.DataFrame:
    """The largest ``per_stage`` themes of each journey stage, with their negative share."""
    counts = feedback_queries.theme_stage_counts(conn, fiscal_year, fiscal_quarter, provider, service)
    if counts.empty:
        return counts.assign(negative_share=pd.Series(dtype=float))
    ranked = counts.sort_values(["stage", "items", "theme_id"], ascending=[True, False, True], kind="stable")
    top = ranked.groupby("stage", sort=True).head(per_stage).reset_index(drop=True)
    return top.assign(negative_share=top["negative"] / top["items"])


def verbatims(conn: Connection | Engine, theme_id: int, stage: str = ALL, limit: int = 5, **scope) -> list[str]:
    """Representative redacted comments of a theme: the distinct texts that belong to it most strongly."""
    return feedback_queries.verbatims(conn, theme_id, stage, limit, **scope)["text"].tolist()
