"""Cached reads for the pages. Keys include the data version (data_version()), so a new compute
or a new review note is seen at once and unchanged data are served from memory."""
from __future__ import annotations

import datetime as dt

import flask
import pandas as pd
from flask_caching import Cache

from cxdash.dashboard.context import current
from cxdash.dashboard.sign_in import acting_principal
from cxdash.db import benchmark_queries, published_queries, queries, review_queries
from cxdash.permissions import EVERYTHING, NOTHING, Scope

cache = Cache(config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000})


def _read_version() -> str:
    with current().engine.connect() as conn:
        return queries.data_version(conn)


def data_version() -> str:
    """The stamp every cached read is keyed by: the data_version row, which compute bumps in its
    final transaction and the review's commentary, actions, events and held reviews, the
    initiative register and maturity ratings bump in theirs (database triggers). One cheap read,
    and within a request only the first call reads it (memoised on flask.g for that request)."""
    if not flask.has_request_context():
        return _read_version()
    request = flask.request._get_current_object()
    memo = flask.g.get("cxdash_data_version")
    if memo is None or memo[0] is not request:  # g outlives a request when an app context wraps several
        memo = flask.g.cxdash_data_version = (request, _read_version())
    return memo[1]


def scope() -> Scope:
    """The providers and services the person of this request may see. Every request the server
    answers has passed the sign-in guard, which sets who it is; with sign-in off everyone is the
    local administrator; anything else (no one known) sees nothing."""
    if not flask.has_app_context():
        return EVERYTHING  # no dashboard at all: a function called on its own
    who = acting_principal()
    return who.scope if who is not None else NOTHING


def scope_key() -> str:
    """What cached page results are keyed by beside the data version: people with the same scope
    share them, people with different scopes never do."""
    return scope().key


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
def _benchmark_counts(version: str) -> pd.DataFrame:
    return benchmark_queries.cross_agency_counts(current().engine)


def benchmark_counts() -> pd.DataFrame:
    """The cross-agency sums per quarter, channel and question (a few hundred rows)."""
    return _benchmark_counts(data_version())


@cache.memoize()
def _published_values(version: str) -> pd.DataFrame:
    return published_queries.published_values(current().engine)


def published_values() -> pd.DataFrame:
    return _published_values(data_version())


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
