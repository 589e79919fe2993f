"""Every callback of the app, registered in one place; each calls plain view functions."""
from __future__ import annotations

import importlib
import json
import urllib.parse

import flask
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, no_update
from plotly.io.json import to_json_plotly

from cxdash.dashboard import data
from cxdash.dashboard.components import service_options
from cxdash.dashboard.context import current
from cxdash.dashboard.limits import limited
from cxdash.dashboard.navigation import NAV
from cxdash.dashboard.views import scorecard_page
from cxdash.db import queries
from cxdash.exports import file_names
from cxdash.exports.chart_image import FORMATS as IMAGE_FORMATS
from cxdash.exports.chart_image import SLIDE, ChartContext, table_csv
from cxdash.health import PANELS
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard
from cxdash.presentation.formatting import format_date

# Analysis pages that share one callback shape. Each view module (dashboard/views/<name>.py) has
# PREFIX (component id prefix), FILTERS (the filter keys, each a dropdown '<PREFIX>-<key>') and
# update(**filters) -> (provider value, service options, service value, content, query string),
# followed by one value per (key, property) of its EXTRA_OUTPUTS when it declares them (e.g. the
# stage list, which is the chosen service's own).
FILTER_PAGES = ("journey_page", "service_page", "operations_page", "voice_page", "equity_page")


def scorecard_update(quarter, provider, service, channel):
    """Filters -> (provider value, service options, service value, content, query string, the
    survey freshness line for the quarter shown).

    Plain function of the filter values, so tests call it without a browser; cached per data
    version and filter values like the analysis pages (page_update)."""
    return _cached_scorecard(data.data_version(), data.scope_key(), quarter, provider, service, channel)


def wire(value) -> list:
    """A callback's outputs as Dash sends them (JSON types: components as their JSON, figures as
    dicts): what the cache keeps, because unpickling Plotly figures validates every property
    again (hundreds of milliseconds for a scorecard) where plain data take a few."""
    return json.loads(to_json_plotly(value))


@data.cache.memoize()
def _cached_scorecard(version: str, scope_key: str, quarter, provider, service, channel) -> list:
    provider = provider or scorecard.ALL
    requested = scorecard.Filters(quarter, provider, service or scorecard.ALL, channel or scorecard.ALL)
    filters, available = scorecard_page.resolved_filters(
        {"quarter": requested.quarter, "provider": requested.provider,
         "service": requested.service, "channel": requested.channel})
    return wire((filters.provider, service_options(available), filters.service,
                 scorecard_page.content_for(filters), filters.query_string(),
                 scorecard_page.survey_freshness(filters)))


# A filter change adds a history entry (pushState), so Back and Forward step through the views;
# dcc.Location hears the popstate and the page router lays the page out from that address.
_SYNC_URL = """function(query) {
    if (query === undefined || query === null) { return window.dash_clientside.no_update; }
    if (query === window.location.search || (query === '' && window.location.search === '?')) {
        return window.dash_clientside.no_update;
    }
    var url = window.location.pathname + query + window.location.hash;
    window.history.pushState(window.history.state, '', url);
    return window.dash_clientside.no_update;
}"""


def register(app: Dash) -> None:
    @app.callback(
        Output("filter-provider", "value"),
        Output("filter-service", "options"),
        Output("filter-service", "value"),
        Output("scorecard-content", "children"),
        Output("scorecard-query", "data"),
        Output("scorecard-freshness", "children"),
        Input("filter-quarter", "value"),
        Input("filter-provider", "value"),
        Input("filter-service", "value"),
        Input("filter-channel", "value"),
        prevent_initial_call=True,
    )
    def _scorecard(quarter, provider, service, channel):
        return scorecard_update(quarter, provider, service, channel)

    # Keep the address bar in step without a page reload (history.pushState), so a copied link
    # reproduces the view, Back returns to the one before, and the page router does not re-render
    # under the user's focus.
    app.clientside_callback(_SYNC_URL, Output("scorecard-query-synced", "data"), Input("scorecard-query", "data"),
                            prevent_initial_call=True)

    for name in FILTER_PAGES:
        register_filter_page(app, name)
    register_page_exports(app)
    register_review(app)
    register_portfolio(app)
    register_maturity(app)
    register_audit(app)


def register_page_exports(app: Dash) -> None:
    """The scorecard's and the Service drivers page's "Export this page to PowerPoint"."""
    from cxdash.dashboard.views import page_decks

    for page, (prefix, filters) in page_decks.PAGES.items():
        @app.callback(Output(f"{prefix}-pptx-file", "data"), Output(f"{prefix}-pptx-message", "children"),
                      Input(f"{prefix}-pptx", "n_clicks"), *[State(f, "value") for f in filters],
                      prevent_initial_call=True)
        def _export(clicks, *values, page=page):
            if not clicks:
                return no_update, no_update
            return page_decks.deck_download(page, *values)


def register_audit(app: Dash) -> None:
    """The audit trail page (administrators; each callback checks the role again on the server)."""
    from cxdash.dashboard.views import audit_page

    inputs = [Input(f"audit-{key}", "value") for key in ("user", "action", "since", "until")]

    @app.callback(Output("audit-content", "children"), *inputs, prevent_initial_call=True)
    def _audit(username, action, since, until):
        return audit_page.update(username, action, since, until)

    @app.callback(Output("audit-download", "data"), Input("audit-csv", "n_clicks"),
                  *[State(f"audit-{key}", "value") for key in ("user", "action", "since", "until")],
                  prevent_initial_call=True)
    def _audit_csv(clicks, username, action, since, until):
        if not clicks:
            return no_update
        return audit_page.csv_download(username, action, since, until)


@data.cache.memoize()
def _cached_update(version: str, scope_key: str, page: str, filters: tuple) -> list:
    # scope_key: the person's grants; the page resolves its filters within them (data.scope())
    return wire(importlib.import_module(f"cxdash.dashboard.views.{page}").update(**dict(filters)))


def page_update(page: str, **filters) -> list:
    """What a filter change on an analysis page returns, cached per data version and filter
    values: going back to a view already seen costs one cache read, not a re-render."""
    return _cached_update(data.data_version(), data.scope_key(), page, tuple(sorted(filters.items())))


def register_filter_page(app: Dash, page: str) -> None:
    """One callback for a page's filters: every filter in, the dependent service list, the
    content and the query string out; a clientside callback keeps the address bar in step."""
    view = importlib.import_module(f"cxdash.dashboard.views.{page}")
    prefix = view.PREFIX

    @app.callback(
        Output(f"{prefix}-provider", "value"),
        Output(f"{prefix}-service", "options"),
        Output(f"{prefix}-service", "value"),
        Output(f"{prefix}-content", "children"),
        Output(f"{prefix}-query", "data"),
        *[Output(f"{prefix}-{key}", prop) for key, prop in getattr(view, "EXTRA_OUTPUTS", ())],
        *[Input(f"{prefix}-{key}", "value") for key in view.FILTERS],
        prevent_initial_call=True,
    )
    def _update(*values):
        return page_update(page, **dict(zip(view.FILTERS, values)))

    # Also on arrival: a page that resolved a default (the single-service pages' service furthest
    # off track) writes it into the address, so a copied link or Back reopens the same service.
    app.clientside_callback(_SYNC_URL, Output(f"{prefix}-query-synced", "data"), Input(f"{prefix}-query", "data"))


def nav_items(pathname: str | None) -> list[tuple[str, str, bool]]:
    path = (pathname or "/").rstrip("/") or "/"
    return [(label, href, href == path) for label, href in NAV]


def register_shell(app: Dash) -> None:
    from cxdash.dashboard.components import site_header

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
    return {format: trigger.format, chart: trigger.chart, path: window.location.pathname,
            search: window.location.search, at: Date.now()};
}"""

# The image itself is made in the browser by Plotly's own export, from the chart as drawn on the
# page, laid out for a slide by assets/zz-cxdash/chart-slide.js (title and takeaway above, footer
# below, margins widened until no text is cut or overlaps another): the server never renders a
# figure a browser sends. The words (title, takeaway, footer with source, data as-of and filters)
# and the file name come from the server (chart_file).
_SAVE_IMAGE = """function(image) {
    var noUpdate = window.dash_clientside.no_update;
    if (!image || !window.Plotly || !window.cxSlide) { return noUpdate; }
    var holder = document.getElementById(image.chart);
    var gd = holder && (holder.classList.contains('js-plotly-plot') ? holder : holder.querySelector('.js-plotly-plot'));
    if (!gd || !gd.data) { return noUpdate; }
    window.cxSlide.save(gd, image);
    return image.at;
}"""

MAX_CSV_CELLS = 200_000  # a chart's table is a few hundred cells; more was not sent by our page


def filters_text(search: str) -> str:
    """The page's filters in words, from its address: what the image says it shows."""
    query = _query(search)
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


def _query(search: str | None) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs((search or "").lstrip("?")).items()}


def file_stem(subject: str, search: str | None, services=()) -> str:
    """A download's name from the page's address: service, what the chart shows, quarter, e.g.
    vba-contact-center-trust-fy2023-q1 (cxdash/exports/file_names.py)."""
    query = _query(search)
    return file_names.stem(file_names.scope(query.get("provider"), query.get("service"), services), subject,
                           file_names.period(query.get("quarter"), query.get("year")))


def chart_file(request: dict, spec: dict) -> dict | None:
    """A chart's download as a plain function for tests: the table as CSV (dcc.Download data,
    formula-escaped), or for PNG and SVG what the browser's image needs besides the chart it
    draws (title, takeaway, the footer with source, data as-of and filters, the file name and
    the slide size). Never an image: no figure from the request is read, let alone rendered.
    None for anything else (an unknown format, an oversized table)."""
    fmt = request.get("format")
    title, takeaway = str(spec.get("title") or "")[:300], str(spec.get("takeaway") or "")[:2000]
    # the catalogue names a service's id; a CSV is also made outside a running app (tests)
    services = current().catalogue.services if flask.has_app_context() else ()
    name = file_stem(str(spec.get("subject") or title)[:300], request.get("search"), services)
    if fmt == "csv":
        rows = spec.get("rows") or []
        if not isinstance(rows, list) or sum(len(r) if isinstance(r, list) else 1 for r in rows) > MAX_CSV_CELLS:
            return None
        return dcc.send_string(table_csv(rows), f"{name}.csv")
    if fmt not in IMAGE_FORMATS:
        return None
    ctx = current()
    panel = PAGE_PANELS.get(request.get("path") or "/")
    kinds = PANELS[panel] if panel else [k for kinds in PANELS.values() for k in kinds]
    with ctx.engine.connect() as conn:
        as_of = queries.data_as_of(conn, kinds)
    context = ChartContext(title=title, takeaway=takeaway, source=f"cxdash, {ctx.catalogue.agency}",
                           as_of=format_date(as_of) if as_of else None, filters=filters_text(request.get("search")))
    return {"chart": str(request.get("chart") or "")[:200], "format": fmt, "filename": name, "title": title,
            "takeaway": takeaway, "footer": context.footer(), "width": SLIDE[0], "height": SLIDE[1],
            "at": request.get("at")}


def download(request: dict | None, spec: dict | None) -> tuple:
    """A download button -> (CSV file, the image's words for the browser, message): past the
    person's export limit, only the message (dashboard/limits.py)."""
    if not request or not spec:
        return no_update, no_update, no_update
    refused = limited("exports", "chart download")
    if refused is not None:
        return no_update, no_update, refused
    made = chart_file(request, spec)
    if made is None:
        return no_update, no_update, "This download could not be made."
    return (made, no_update, "") if request.get("format") == "csv" else (no_update, made, "")


def register_exports(app: Dash) -> None:
    app.clientside_callback(
        _REQUEST, Output({"type": "chart-request", "chart": MATCH}, "data"),
        Input({"type": "chart-download", "chart": MATCH, "format": ALL}, "n_clicks"), prevent_initial_call=True)

    @app.callback(Output({"type": "chart-file", "chart": MATCH}, "data"),
                  Output({"type": "chart-image", "chart": MATCH}, "data"),
                  Output({"type": "chart-message", "chart": MATCH}, "children"),
                  Input({"type": "chart-request", "chart": MATCH}, "data"),
                  State({"type": "chart-spec", "chart": MATCH}, "data"), prevent_initial_call=True)
    def _download(request, spec):
        return download(request, spec)

    app.clientside_callback(_SAVE_IMAGE, Output({"type": "chart-image-saved", "chart": MATCH}, "data"),
                            Input({"type": "chart-image", "chart": MATCH}, "data"), prevent_initial_call=True)


# Dash 4's dcc.RadioItems draws native radio inputs inside role="listbox"/"option" labels (axe:
# nested-interactive, aria-input-field-name). In a fieldset with a legend the native radios are the
# right semantics (arrow keys move between them), so drop those roles from lists marked cx-radios.
_NATIVE_RADIOS = """function(value) {
    var fix = function() {
        document.querySelectorAll('.dash-options-list.cx-radios').forEach(function(list) {
            if (list.hasAttribute('role')) { list.removeAttribute('role'); }
            list.querySelectorAll('[role="option"], [aria-selected]').forEach(function(option) {
                option.removeAttribute('role'); option.removeAttribute('aria-selected');
            });
            list.querySelectorAll('input[readonly]').forEach(function(input) { input.removeAttribute('readonly'); });
        });
    };
    fix();
    if (!window.cxNativeRadios) {
        window.cxNativeRadios = true;
        new MutationObserver(fix).observe(document.body, {subtree: true, childList: true, attributes: true,
                                                          attributeFilter: ['role', 'aria-selected', 'readonly']});
    }
    return window.dash_clientside.no_update;
}"""

# After a write re-renders the review, move focus to its message (the button pressed is gone).
_FOCUS_NOTICE = """function(children) {
    setTimeout(function() {
        var notice = document.querySelector('#review-content .cx-review-notice[tabindex]');
        if (notice) { notice.focus(); }
    }, 0);
    return window.dash_clientside.no_update;
}"""


def register_review(app: Dash) -> None:
    """The Quarterly review page: each callback routes to a plain function of review_page."""
    from dash import ctx
    from dash.exceptions import PreventUpdate

    from cxdash.dashboard.views import review_page

    filters = [State(f"review-{key}", "value") for key in review_page.FILTERS]

    def query(values) -> dict:
        return dict(zip(review_page.FILTERS, values))

    def clicked() -> dict | str:
        """The button pressed; nothing when a re-render only added buttons (n_clicks None)."""
        if not ctx.triggered_id or not any(t["value"] for t in ctx.triggered):
            raise PreventUpdate
        return ctx.triggered_id

    @app.callback(
        Output("review-provider", "value"), Output("review-service", "options"), Output("review-service", "value"),
        Output("review-title", "children"), Output("review-summary", "children"),
        Output("review-content", "children"), Output("review-query", "data"),
        *[Input(f"review-{key}", "value") for key in review_page.FILTERS], Input("review-version", "data"),
        prevent_initial_call=True)
    def _review(quarter, provider, service, version):
        notice = (version or {}).get("notice") if ctx.triggered_id == "review-version" else None
        return review_page.update(quarter, provider, service, notice)

    app.clientside_callback(_SYNC_URL, Output("review-query-synced", "data"), Input("review-query", "data"),
                            prevent_initial_call=True)
    app.clientside_callback(_NATIVE_RADIOS, Output("review-radios-fixed", "data"), Input("review-format", "value"))
    app.clientside_callback(_FOCUS_NOTICE, Output("review-focus", "data"), Input("review-content", "children"),
                            prevent_initial_call=True)

    @app.callback(Output("review-history", "children"),
                  *[Input(f"review-{key}", "value") for key in review_page.FILTERS],
                  Input("review-build-state", "data"), prevent_initial_call=True)
    def _history(quarter, provider, service, _state):
        return review_page.history(quarter, provider, service)

    @app.callback(
        Output("review-build-job", "data"), Output("review-build-poll", "disabled"),
        Output("review-build-progress", "children"), Output("review-build-status", "children"),
        Output("review-build-state", "data"),
        Input("review-build", "n_clicks"), Input("review-build-poll", "n_intervals"),
        State("review-format", "value"), *filters, State("review-build-job", "data"),
        State("review-build-state", "data"), prevent_initial_call=True)
    def _build(_clicks, _ticks, fmt, quarter, provider, service, job, state):
        return review_page.build_or_poll(ctx.triggered_id, fmt, query((quarter, provider, service)), job, state)

    @app.callback(Output("review-download", "data"),
                  Input({"type": "review-pack-download", "pack": ALL, "where": ALL}, "n_clicks"),
                  prevent_initial_call=True)
    def _pack_file(_clicks):
        return review_page.pack_download(clicked()["pack"])

    @app.callback(
        Output({"type": "review-commentary-feedback", "measure": ALL}, "children"),
        Output("review-version", "data", allow_duplicate=True),
        Input({"type": "review-commentary-save", "measure": ALL}, "n_clicks"),
        State({"type": "review-what-happened", "measure": ALL}, "value"),
        State({"type": "review-why", "measure": ALL}, "value"),
        State({"type": "review-what-next", "measure": ALL}, "value"),
        *filters, State("review-version", "data"), prevent_initial_call=True)
    def _commentary(_clicks, happened, why, what_next, quarter, provider, service, version):
        measure_id = clicked()["measure"]
        ids = [o["id"]["measure"] for o in ctx.outputs_list[0]]
        i = ids.index(measure_id)
        # The author is who is signed in, as the server knows it (review_page.save_commentary), never
        # a value the browser sends.
        values = {"what_happened": happened[i], "why": why[i], "what_next": what_next[i]}
        return review_page.commentary_submitted(ids, measure_id, values, query((quarter, provider, service)),
                                                version)

    @app.callback(
        Output("review-action-feedback", "children"), Output("review-version", "data", allow_duplicate=True),
        Input("review-action-add", "n_clicks"),
        State("review-action-kind", "value"), State("review-action-measure", "value"),
        State("review-action-description", "value"), State("review-action-owner", "value"),
        State("review-action-due", "value"), *filters, State("review-version", "data"), prevent_initial_call=True)
    def _add_action(_clicks, kind, measure, description, owner, due, quarter, provider, service, version):
        clicked()
        values = {"kind": kind, "measure": measure, "description": description, "owner": owner, "due": due}
        return review_page.written(review_page.add_action(query((quarter, provider, service)), values), version)

    @app.callback(Output("review-version", "data", allow_duplicate=True),
                  Input({"type": "review-action-toggle", "action": ALL, "to": ALL}, "n_clicks"),
                  State("review-version", "data"), prevent_initial_call=True)
    def _toggle_action(_clicks, version):
        button = clicked()
        return review_page.bumped(version, review_page.set_action_status(button["action"], button["to"]))

    @app.callback(
        Output("review-annotation-feedback", "children"), Output("review-version", "data", allow_duplicate=True),
        Input("review-annotation-add", "n_clicks"),
        State("review-annotation-date", "value"), State("review-annotation-label", "value"),
        State("review-annotation-description", "value"), *filters, State("review-version", "data"),
        prevent_initial_call=True)
    def _add_annotation(_clicks, day, label, description, quarter, provider, service, version):
        clicked()
        values = {"date": day, "label": label, "description": description}
        return review_page.written(review_page.add_annotation(query((quarter, provider, service)), values), version)

    @app.callback(Output("review-version", "data", allow_duplicate=True),
                  Input({"type": "review-annotation-delete", "annotation": ALL}, "n_clicks"),
                  State("review-version", "data"), prevent_initial_call=True)
    def _delete_annotation(_clicks, version):
        return review_page.bumped(version, review_page.delete_annotation(clicked()["annotation"]))

    @app.callback(
        Output("review-freeze-feedback", "children"), Output("review-version", "data", allow_duplicate=True),
        Input("review-freeze", "n_clicks"), State("review-held-on", "value"), *filters,
        State("review-version", "data"), prevent_initial_call=True)
    def _freeze(_clicks, held_on, quarter, provider, service, version):
        clicked()
        return review_page.written(review_page.freeze(query((quarter, provider, service)), held_on), version)

    @app.callback(
        Output("review-reopen-feedback", "children"), Output("review-version", "data", allow_duplicate=True),
        Input("review-reopen", "n_clicks"), State("review-reopen-reason", "value"), *filters,
        State("review-version", "data"), prevent_initial_call=True)
    def _reopen(_clicks, reason, quarter, provider, service, version):
        clicked()
        return review_page.written(review_page.reopen(query((quarter, provider, service)), reason), version)


def register_portfolio(app: Dash) -> None:
    """The Portfolio page's callbacks (what-if weights, links); they route to dashboard.views.portfolio_page."""
    from cxdash.dashboard.views import portfolio_page
    from cxdash.metrics.wsjf import COMPONENTS

    weights = [f"portfolio-weight-{c}" for c in COMPONENTS]

    @app.callback(Output("portfolio-ranked", "children"), Output("portfolio-chart-container", "children"),
                  Output("portfolio-whatif-sentence", "children"),
                  *[Input(w, "value") for w in weights], State("portfolio-base", "data"),
                  State("portfolio-defaults", "data"), prevent_initial_call=True)
    def _what_if(*values):
        *weight_values, base, defaults = values
        return portfolio_page.what_if(weight_values, base, defaults)

    @app.callback(*[Output(w, "value") for w in weights], Input("portfolio-reset", "n_clicks"),
                  State("portfolio-defaults", "data"), prevent_initial_call=True)
    def _reset(_clicks, defaults):
        return portfolio_page.reset(defaults)


def register_maturity(app: Dash) -> None:
    """The Maturity page's callbacks (ratings form); they route to dashboard.views.maturity_page."""
    from dash.exceptions import PreventUpdate

    from cxdash.dashboard.views import maturity_page

    @app.callback(
        Output("maturity-content", "children"), Output("maturity-form-title", "children"),
        Output("maturity-query", "data"),
        Input("maturity-year", "value"), Input("maturity-version", "data"), prevent_initial_call=True)
    def _maturity(year, version):
        return maturity_page.update(year, version)

    app.clientside_callback(_SYNC_URL, Output("maturity-query-synced", "data"), Input("maturity-query", "data"),
                            prevent_initial_call=True)
    app.clientside_callback(_NATIVE_RADIOS, Output("maturity-radios-fixed", "data"), Input("maturity-status", "value"))

    @app.callback(
        Output("maturity-feedback", "children"), Output("maturity-version", "data"),
        Input("maturity-save", "n_clicks"),
        State("maturity-year", "value"), State("maturity-dimension", "value"), State("maturity-level", "value"),
        State("maturity-status", "value"), State("maturity-evidence", "value"),
        State("maturity-version", "data"), prevent_initial_call=True)
    def _save_rating(clicks, year, dimension, level, status, evidence, version):
        if not clicks:
            raise PreventUpdate
        # who rated is who is signed in (maturity_page.record), never a value the browser sends
        values = {"dimension": dimension, "level": level, "status": status, "evidence": evidence}
        return maturity_page.submitted(year, values, version)
