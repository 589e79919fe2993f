"""Every callback of the app, registered in one place; each calls plain view functions."""
from __future__ import annotations

from dash import Dash, Input, Output

from dashboard.views import journey_page, scorecard, scorecard_page


def scorecard_update(quarter, provider, service, channel):
    """Filters -> (provider value, service options, service value, content, query string).

    Plain function of the filter values, so tests call it without a browser."""
    provider = provider or scorecard.ALL
    requested = scorecard.Filters(quarter, provider, service or scorecard.ALL, channel or scorecard.ALL)
    filters, available = scorecard_page.resolved_filters(
        {"quarter": requested.quarter, "provider": requested.provider,
         "service": requested.service, "channel": requested.channel})
    return (filters.provider, scorecard.service_options(available), filters.service,
            scorecard_page.content_for(filters), filters.query_string())


def journey_update(quarter, provider, service):
    """Journey filters -> (provider value, service options, service value, content, query string)."""
    filters, available = journey_page.resolved_filters(
        {"quarter": quarter, "provider": provider or scorecard.ALL, "service": service or scorecard.ALL})
    return (filters.provider, scorecard.service_options(available), filters.service,
            journey_page.content_for(filters), filters.query_string())


_SYNC_URL = """function(query) {
    if (query === undefined || query === null) { return window.dash_clientside.no_update; }
    var url = window.location.pathname + query + window.location.hash;
    window.history.replaceState(window.history.state, '', url);
    return window.dash_clientside.no_update;
}"""


def register(app: Dash) -> None:
    @app.callback(
        Output("filter-provider", "value"),
        Output("filter-service", "options"),
        Output("filter-service", "value"),
        Output("scorecard-content", "children"),
        Output("scorecard-query", "data"),
        Input("filter-quarter", "value"),
        Input("filter-provider", "value"),
        Input("filter-service", "value"),
        Input("filter-channel", "value"),
        prevent_initial_call=True,
    )
    def _scorecard(quarter, provider, service, channel):
        return scorecard_update(quarter, provider, service, channel)

    # Keep the address bar in step without a page reload (history.replaceState), so a copied
    # link reproduces the view and the page router does not re-render under the user's focus.
    app.clientside_callback(_SYNC_URL, Output("scorecard-query-synced", "data"), Input("scorecard-query", "data"),
                            prevent_initial_call=True)

    @app.callback(
        Output("journey-provider", "value"),
        Output("journey-service", "options"),
        Output("journey-service", "value"),
        Output("journey-content", "children"),
        Output("journey-query", "data"),
        Input("journey-quarter", "value"),
        Input("journey-provider", "value"),
        Input("journey-service", "value"),
        prevent_initial_call=True,
    )
    def _journey(quarter, provider, service):
        return journey_update(quarter, provider, service)

    app.clientside_callback(_SYNC_URL, Output("journey-query-synced", "data"), Input("journey-query", "data"),
                            prevent_initial_call=True)


def nav_items(pathname: str | None) -> list[tuple[str, str, bool]]:
    from dashboard.app import NAV
    path = (pathname or "/").rstrip("/") or "/"
    return [(label, href, href == path) for label, href in NAV]


def register_shell(app: Dash) -> None:
    from dashboard.components import site_header

    @app.callback(Output("shell-header", "children"), Input("shell-location", "pathname"))
    def _header(pathname):
        return site_header(nav_items(pathname))
