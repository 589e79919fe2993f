"""Every callback of the app, registered in one place; each calls plain view functions."""
from __future__ import annotations

import importlib

from dash import Dash, Input, Output

from dashboard import data
from dashboard.views import scorecard, scorecard_page

# Analysis pages that share one callback shape. Each view module (dashboard/views/<name>.py) has
# PREFIX (component id prefix), FILTERS (the filter keys, each a dropdown '<PREFIX>-<key>') and
# update(**filters) -> (provider value, service options, service value, content, query string).
FILTER_PAGES = ("journey_page", "service_page", "operations_page", "voice_page", "equity_page")


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

    for name in FILTER_PAGES:
        register_filter_page(app, name)


@data.cache.memoize()
def _cached_update(version: str, page: str, filters: tuple) -> tuple:
    return importlib.import_module(f"dashboard.views.{page}").update(**dict(filters))


def page_update(page: str, **filters) -> tuple:
    """What a filter change on an analysis page returns, cached per compute version and filter
    values: going back to a view already seen costs one cache read, not a re-render."""
    return _cached_update(data.data_version(), page, tuple(sorted(filters.items())))


def register_filter_page(app: Dash, page: str) -> None:
    """One callback for a page's filters: every filter in, the dependent service list, the
    content and the query string out; a clientside callback keeps the address bar in step."""
    view = importlib.import_module(f"dashboard.views.{page}")
    prefix = view.PREFIX

    @app.callback(
        Output(f"{prefix}-provider", "value"),
        Output(f"{prefix}-service", "options"),
        Output(f"{prefix}-service", "value"),
        Output(f"{prefix}-content", "children"),
        Output(f"{prefix}-query", "data"),
        *[Input(f"{prefix}-{key}", "value") for key in view.FILTERS],
        prevent_initial_call=True,
    )
    def _update(*values):
        return page_update(page, **dict(zip(view.FILTERS, values)))

    app.clientside_callback(_SYNC_URL, Output(f"{prefix}-query-synced", "data"), Input(f"{prefix}-query", "data"),
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
