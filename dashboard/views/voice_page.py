"""Glue between the Customer voice view functions, the database and the page: filters from the
URL, cached reads of the computed feedback tables, and the page's content. One catalogue service
at a time (dashboard/views/service_scope.py)."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from cxdash.channels import ALL
from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, dropdown, filter_bar, service_options, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page, service_scope, voice
from cxdash.db import feedback_queries, queries, voice_queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import journey, scorecard

PREFIX = "voice"
FILTERS = ("quarter", "provider", "service", "stage", "theme")
EXTRA_OUTPUTS = (("stage", "options"), ("stage", "value"))  # the stage list is the chosen service's own
INDICATORS = ["feedback_volume", "negative_feedback_share", "mean_sentiment"]
VERBATIMS = 5


def _version() -> str:
    return data.data_version()


@data.cache.memoize()
def _options(version: str) -> pd.DataFrame:
    return voice_queries.voice_options(current().engine)


@data.cache.memoize()
def _stages(version: str, provider: str, service: str) -> list[str]:
    return voice_queries.feedback_stages(current().engine, provider, service)


@data.cache.memoize()
def _themes(version: str) -> pd.DataFrame:
    return feedback_queries.themes(current().engine)


@data.cache.memoize()
def _counts(version: str, fiscal_year: int, fiscal_quarter: int, provider: str, service: str) -> pd.DataFrame:
    return voice_queries.theme_stage_sentiment(current().engine, fiscal_year, fiscal_quarter, provider, service)


@data.cache.memoize()
def _trend(version: str, provider: str, service: str) -> pd.DataFrame:
    return queries.scope_indicators(current().engine, provider, service, indicators=INDICATORS)


@data.cache.memoize()
def _verbatims(version: str, theme_id: int, stage: str, fiscal_year: int, fiscal_quarter: int, provider: str,
               service: str) -> pd.DataFrame:
    return feedback_queries.verbatims(current().engine, theme_id, stage, VERBATIMS, fiscal_year=fiscal_year,
                                      fiscal_quarter=fiscal_quarter, provider=provider, service=service)


def theme_terms(version: str) -> dict[str, str]:
    """Each stored theme's key words by its name: the detail behind a theme's name."""
    themes = _themes(version)
    return dict(zip(themes["label"], themes["terms"].fillna(""))) if len(themes) else {}


def resolved_filters(query: dict, version: str | None = None):
    """(filters, choices, stage, theme) from the URL or the dropdowns: one catalogue service, by
    default the one furthest off track (service_scope.resolved); unknown values fall back to
    their defaults (old links, a stage or theme that no longer exists)."""
    version = version or _version()
    filters, available = service_scope.resolved(query, _options(version), version)
    stage = query.get("stage") if query.get("stage") in _stages(version, filters.provider, filters.service) else ALL
    theme = query.get("theme") if query.get("theme") in set(_themes(version)["label"]) else ALL
    return filters, available, stage, theme


def content_for(filters: scorecard.Filters, stage: str = ALL, theme: str = ALL, version: str | None = None) -> list:
    if not filters.quarter:
        return [html.P("No feedback yet: load a feedback source and run 'cxdash compute'.")]
    version = version or _version()
    quarter = FiscalQuarter.parse(filters.quarter)
    min_n = current().catalogue.settings.min_n
    counts = _counts(version, quarter.year, quarter.quarter, filters.provider, filters.service).copy()
    table = voice.theme_table(counts, stage, min_n)
    scope = " · ".join([quarter.display, filters.provider, filters.service, voice.stage_label(stage)])
    parts = [
        html.P(f"Showing {scope}", className="cx-scope", id="voice-scope"),
        data_page.panel_freshness("voice", data_page.health()),
    ]
    if table.empty:
        parts.append(takeaway(f"No feedback in this scope for {quarter.display}.", id="voice-empty"))
    else:
        parts.append(chart_with_table(
            voice.themes_figure(table, min_n),
            data_table(voice.theme_rows(table, min_n, theme_terms(version)), voice.THEME_COLUMNS,
                       f"Feedback items by theme and sentiment, {scope}", "voice-themes"),
            voice.themes_takeaway(table, quarter.display), chart_id="voice-themes-chart",
            title="What customers wrote about, by sentiment"))
        matrix, stages = voice.stage_matrix(counts, scorecard.service_stages(current().catalogue, filters))
        parts.append(chart_with_table(
            voice.stage_figure(matrix, stages),
            data_table(matrix, voice.stage_columns(stages),
                       f"Feedback items by theme and journey stage, {quarter.display} (all stages)", "voice-stages"),
            voice.stage_takeaway(matrix, stages, quarter.display), chart_id="voice-stages-chart",
            title="Themes by journey stage (all stages)"))
    rows = voice.trend_rows(_trend(version, filters.provider, filters.service), stage, quarter, min_n)
    if rows:
        parts.append(chart_with_table(
            voice.trend_figure(rows),
            data_table(voice.trend_table_rows(rows, min_n), voice.TREND_COLUMNS,
                       f"Negative feedback by quarter, {voice.stage_label(stage).lower()}", "voice-trend"),
            voice.trend_takeaway(rows, min_n, current().catalogue.settings.alpha), chart_id="voice-trend-chart",
            title="Share of negative feedback over quarters"))
    if not table.empty:
        picked = voice.pick_theme(table, theme)
        comments = (_verbatims(version, picked["theme_id"], stage, quarter.year, quarter.quarter, filters.provider,
                               filters.service) if picked else pd.DataFrame())
        parts.append(html.Section(voice.verbatims_block(comments, picked, theme, stage, quarter.display),
                                  className="cx-verbatims-section", **{"aria-labelledby": "voice-verbatims-title"}))
    return parts


def update(quarter=None, provider=None, service=None, stage=None, theme=None):
    """Filters -> (provider value, service options, service value, content, query string, stage
    options, stage value)."""
    version = _version()
    filters, available, stage, theme = resolved_filters(
        {"quarter": quarter, "provider": provider or ALL, "service": service or ALL, "stage": stage, "theme": theme},
        version)
    return (filters.provider, service_options(available), filters.service,
            content_for(filters, stage, theme, version),
            voice.query_string(filters.quarter, filters.provider, filters.service, stage, theme),
            stage_options(filters, version), stage)


def stage_options(filters: scorecard.Filters, version: str) -> list[dict]:
    """The stage dropdown: all stages, then the stages the chosen service's feedback is on."""
    found = _stages(version, filters.provider, filters.service)
    stages = [ALL] + [s for s in journey.stage_order(found, scorecard.service_stages(current().catalogue, filters))
                      if s != ALL]
    return [{"label": voice.stage_label(s), "value": s} for s in stages]


def _filter_bar(available: scorecard.Choices, filters: scorecard.Filters, stage: str, theme: str,
                version: str) -> html.Div:
    bar = filter_bar(available, filters, prefix=PREFIX, label="Customer voice filters", channel=False)
    bar.children.append(dropdown(f"{PREFIX}-stage", "Journey stage", stage_options(filters, version), stage))
    bar.children.append(dropdown(
        f"{PREFIX}-theme", "Theme of comments", voice.theme_options(_themes(version)), theme))
    return bar


def layout(query: dict) -> html.Div:
    version = _version()
    filters, available, stage, theme = resolved_filters(query, version)
    return html.Div([
        html.H1("Customer voice"),
        html.P("What customers of one service tell us unprompted, in complaints, comments and the free text of "
               "surveys: the themes they write about, how they feel, and at which stage of the journey.",
               className="usa-intro"),
        html.P(service_scope.ONE_SERVICE_NOTE, className="cx-footnote", id="voice-one-service"),
        _filter_bar(available, filters, stage, theme, version),
        html.Div(content_for(filters, stage, theme, version), id="voice-content", **{"aria-live": "polite"}),
        dcc.Store(id="voice-query", data=voice.query_string(filters.quarter, filters.provider, filters.service,
                                                            stage, theme)),
        dcc.Store(id="voice-query-synced"),
    ], className="cx-voice")
