"""Glue between the scorecard view functions and the app's cached data."""
from __future__ import annotations

from dash import dcc, html

from cxdash.dashboard import data
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page, scorecard
from cxdash.metrics.fiscal import FiscalQuarter


def resolved_filters(query: dict) -> tuple[scorecard.Filters, scorecard.Choices]:
    return scorecard.resolved_query(query, data.options())


def content_for(filters: scorecard.Filters) -> list:
    ctx = current()
    if not filters.quarter:
        return [html.P("No computed results yet: load data and run 'cxdash compute'.", className="usa-alert__text")]
    results = data.scope_results(filters.provider, filters.service, filters.channel)
    sections = scorecard.build_cards(ctx.catalogue, results, filters, data.survey_as_of())
    notes = data.review_commentary(FiscalQuarter.parse(filters.quarter))
    for card in scorecard.all_cards(sections):
        card["commentary"] = notes.get(card["measure_id"])
    return scorecard.render_content(sections, filters)


def layout(query: dict) -> html.Div:
    filters, available = resolved_filters(query)
    ctx = current()
    return html.Div([
        html.H1("CX scorecard", className="cx-page-title"),
        html.P(f"{ctx.catalogue.agency}: measures derived from mission goals, against their targets. "
               "Change the filters to see a provider, a service or a channel; the address bar keeps the view, "
               "so a link reproduces it.", className="usa-intro"),
        data_page.panel_freshness("survey"),
        scorecard.filter_bar(available, filters),
        html.Div(content_for(filters), id="scorecard-content", **{"aria-live": "polite"}),
        dcc.Store(id="scorecard-query"),
        dcc.Store(id="scorecard-query-synced"),
    ], className="cx-scorecard")
