"""Placeholder glue for '/service' (being built)."""
from __future__ import annotations

from dash import dcc, html

from dashboard.views import journey_page, scorecard

PREFIX = "service"
FILTERS = ("quarter", "provider", "service")


def update(quarter=None, provider=None, service=None):
    filters, available = journey_page.resolved_filters({"quarter": quarter, "provider": provider, "service": service})
    return filters.provider, scorecard.service_options(available), filters.service, [], filters.query_string()


def layout(query: dict) -> html.Div:
    filters, available = journey_page.resolved_filters(query)
    return html.Div([
        html.H1("Service drivers"),
        scorecard.filter_bar(available, filters, prefix=PREFIX, label="Service drivers filters", channel=False),
        html.Div(id="service-content"),
        dcc.Store(id="service-query"),
        dcc.Store(id="service-query-synced"),
    ])
