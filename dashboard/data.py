"""Cached reads for the pages. Keys include the computation's version, so a new compute is
seen at once and an unchanged one is served from memory."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from flask_caching import Cache
from sqlalchemy import func, select, union_all

from cxdash.db import queries
from cxdash.db.models import DriverResult, IndicatorValue, MeasureResult, SegmentResult, TrendResult
from dashboard.context import current

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000})


COMPUTED = (MeasureResult, IndicatorValue, TrendResult, SegmentResult, DriverResult)


def data_version() -> str:
    """Changes whenever compute runs: every computed table is stamped with the run's time, and
    any of them may be the only one with rows (a database of case records has no measures)."""
    statement = union_all(*[select(func.max(t.computed_at).label("stamp"), func.count().label("rows"))
                            for t in COMPUTED])
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
