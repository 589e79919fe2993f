"""Every callback of the app, registered in one place; each calls plain view functions."""
from __future__ import annotations

import importlib
import urllib.parse

import plotly.graph_objects as go
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, no_update

from cxdash.db import queries
from cxdash.exports.chart_image import ChartContext, render, slide_figure, table_csv
from cxdash.health import PANELS
from dashboard import data
from dashboard.context import current
from dashboard.formatting import format_date
from dashboard.views import scorecard, scorecard_page
from metrics.fiscal import FiscalQuarter

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


# Which panel's sources a page's charts come from (for the as-of date printed on an export).
PAGE_PANELS = {"/": "survey", "/service": "survey", "/equity": "survey", "/operations": "operations",
               "/voice": "voice"}
FILTER_WORDS = {"quarter": "quarter", "provider": "provider", "service": "service", "channel": "channel",
                "stage": "stage", "outcome": "outcome", "dimension": "compared by", "question": "question",
                "theme": "theme"}

_REQUEST = """function(clicks) {
    var trigger = window.dash_clientside.callback_context.triggered_id;
    if (!trigger || !clicks.some(function(c) { return c; })) { return window.dash_clientside.no_update; }
    return {format: trigger.format, path: window.location.pathname, search: window.location.search, at: Date.now()};
}"""


def filters_text(search: str) -> str:
    """The page's filters in words, from its address: what the image says it shows."""
    query = {k: v[0] for k, v in urllib.parse.parse_qs((search or "").lstrip("?")).items()}
    if not query:
        return "none (the page's defaults: latest quarter, all providers and services)"
    words = []
    for key, value in query.items():
        if key == "quarter":
            try:
                value = FiscalQuarter.parse(value).display
            except ValueError:
                pass
        words.append(f"{FILTER_WORDS.get(key, key)} {value}")
    return ", ".join(words)


def chart_file(request: dict, spec: dict) -> dict:
    """A chart's download (PNG, SVG or CSV) as dcc.Download data; a plain function for tests."""
    name = "-".join(spec["title"].lower().split())[:80] or "chart"
    if request["format"] == "csv":
        return dcc.send_string(table_csv(spec["rows"]), f"{name}.csv")
    ctx = current()
    panel = PAGE_PANELS.get(request.get("path") or "/")
    kinds = PANELS[panel] if panel else [k for kinds in PANELS.values() for k in kinds]
    with ctx.engine.connect() as conn:
        as_of = queries.data_as_of(conn, kinds)
    context = ChartContext(title=spec["title"], takeaway=spec["takeaway"], source=f"cxdash, {ctx.catalogue.agency}",
                           as_of=format_date(as_of) if as_of else None,
                           filters=filters_text(request.get("search")))
    image, = render([slide_figure(go.Figure(spec["figure"]), context)], request["format"])
    return dcc.send_bytes(image, f"{name}.{request['format']}")


def register_exports(app: Dash) -> None:
    app.clientside_callback(
        _REQUEST, Output({"type": "chart-request", "chart": MATCH}, "data"),
        Input({"type": "chart-download", "chart": MATCH, "format": ALL}, "n_clicks"), prevent_initial_call=True)

    @app.callback(Output({"type": "chart-file", "chart": MATCH}, "data"),
                  Input({"type": "chart-request", "chart": MATCH}, "data"),
                  State({"type": "chart-spec", "chart": MATCH}, "data"), prevent_initial_call=True)
    def _download(request, spec):
        if not request or not spec:
            return no_update
        return chart_file(request, spec)
