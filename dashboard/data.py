"""Cached reads for the pages. Keys include the computation's version, so a new compute is
seen at once and an unchanged one is served from memory."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from flask_caching import Cache
from sqlalchemy import func, select, union_all

from cxdash.dashboard.context import current
from cxdash.db import queries, review_queries
from cxdash.db.models import (
    Annotation,
    DriverResult,
    IndicatorValue,
    Initiative,
    MaturityRating,
    MeasureResult,
    ReviewAction,
    ReviewCommentary,
    SegmentResult,
    TrendResult,
)

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000})


# Every table pages show, with its write stamp: computed tables carry compute's run time (any
# of them may be the only one with rows: a database of case records has no measures); review
# records carry their own, and the count also changes when one is deleted.
STAMPED = (MeasureResult.computed_at, IndicatorValue.computed_at, TrendResult.computed_at, SegmentResult.computed_at,
           DriverResult.computed_at, Annotation.created_at, ReviewCommentary.updated_at, ReviewAction.updated_at,
           Initiative.updated_at, MaturityRating.updated_at)


def data_version() -> str:
    """Changes whenever compute runs, the review writes commentary, actions or events, the
    initiative register is synced or a maturity rating is recorded."""
    statement = union_all(*[select(func.max(stamp).label("stamp"), func.count().label("rows"))
                            for stamp in STAMPED])
    with current().engine.connect() as conn:
        stamps = conn.execute(statement).all()
    return "|".join(f"{stamp}:{rows}" for stamp, rows in stamps)


@cache.memoize()
def _scope_results(version: str, provider: str, service: str, channel: str) -> pd.DataFrame:
    return queries.measure_results(current().engine, provider=provider, service=service, channel=channel)


def scope_results(provider: str, service: str, channel: str) -> pd.DataFrame:
    return _scope_results(data_version(), provider, service, channel).copy()


@cache.memoize()
def _options(version: str) -> pd.DataFrame:
    return queries.filter_options(current().engine)


def options() -> pd.DataFrame:
    return _options(data_version())


@cache.memoize()
def _as_of(version: str) -> dt.date | None:
    return queries.survey_data_as_of(current().engine)


def survey_as_of() -> dt.date | None:
    return _as_of(data_version())


@cache.memoize()
def _journey_options(version: str) -> pd.DataFrame:
    return queries.journey_options(current().engine)


def journey_options() -> pd.DataFrame:
    """Quarters, providers and services with survey scores or indicators (all channels)."""
    return _journey_options(data_version())


@cache.memoize()
def _review_commentary(version: str, fiscal_year: int, fiscal_quarter: int) -> dict[str, dict]:
    return review_queries.commentary(current().engine, fiscal_year, fiscal_quarter)


def review_commentary(quarter) -> dict[str, dict]:
    """measure id -> the quarter's review commentary, shown beside the measure."""
    return _review_commentary(data_version(), quarter.year, quarter.quarter)
