"""Placeholder glue for '/equity' (being built)."""
from __future__ import annotations

from dash import dcc, html

from dashboard.views import journey_page, scorecard

PREFIX = "equity"
FILTERS = ("quarter", "provider", "service")


def update(quarter=None, provider=None, service=None):
    filters, available = journey_page.resolved_filters({"quarter": quarter, "provider": provider, "service": service})
    return filters.provider, scorecard.service_options(available), filters.service, [], filters.query_string()


def layout(query: dict) -> html.Div:
    filters, available = journey_page.resolved_filters(query)
    return html.Div([
        html.H1("Equity"),
        scorecard.filter_bar(available, filters, prefix=PREFIX, label="Equity filters", channel=False),
        html.Div(id="equity-content"),
        dcc.Store(id="equity-query"),
        dcc.Store(id="equity-query-synced"),
    ])
