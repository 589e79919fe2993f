"""App factory: one Dash app over one database and one catalogue.

Web workers only read; they never load data or start a scheduler.
"""
from __future__ import annotations

import functools
import logging
import secrets
import time
from pathlib import Path

import dash
import flask
from dash import Dash, dcc, html
from sqlalchemy import Engine

from cxdash import paths
from cxdash.catalogue import Catalogue
from cxdash.dashboard import callbacks, data, limits
from cxdash.dashboard.components import gov_banner, identifier, site_header, skip_link
from cxdash.dashboard.context import DashboardContext, install
from cxdash.dashboard.navigation import FOOTER_LINKS, NAV
from cxdash.dashboard.sign_in import OFF_NOTICE, SIGN_OUT, SignIn, csrf_token, current_user, sign_in_is_off
from cxdash.dashboard.sign_in import install as install_sign_in
from cxdash.sources import Sources, load_sources

PAGES = Path(__file__).resolve().parent / "pages"
requests_log = logging.getLogger("cxdash.dashboard.requests")

# Headers on every response. The CSP allows scripts only from this server plus Dash's own inline
# scripts by hash (the renderer's start line and the clientside callbacks: Dash.csp_hashes; the
# _dash-config block is JSON, not script). Styles allow 'unsafe-inline': React, Plotly and Dash's
# components set style attributes, which CSP can only allow that way. Images and fonts may be
# data: URIs (USWDS's icons, Plotly's toolbar) or blob: (Plotly's image download).
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def create_app(engine: Engine, catalogue: Catalogue, sources: Sources | None = None,
               catalogue_path: Path | None = None, cache_config: dict | None = None, *,
               sign_in: SignIn | None = None, secret_key: str | None = None) -> Dash:
    """cache_config: Flask-Caching settings (default: a cache of this process's own).
    sign_in: who may use it (default: sign-in on, with local accounts; SIGN_IN_OFF is
    `cxdash serve --no-sign-in`). secret_key: signs the session cookie (default: a random key of
    this process, as for tests; dashboard/wsgi.py requires CXDASH_SECRET_KEY of a served app)."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(paths.assets_dir()),
        # USWDS's script is loaded by assets/zz-cxdash/uswds-loader.js once Dash has drawn the
        # header, so the mobile menu's focus trap finds its markup.
        assets_ignore=r"uswds\.min\.js$",
        title="cxdash · CX performance",
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    install(app.server, DashboardContext(engine=engine, catalogue=catalogue,
                                         sources=sources or load_sources(paths.sources_path()),
                                         catalogue_path=catalogue_path or paths.catalogue_path()))
    data.cache.init_app(app.server, config=cache_config)
    app.server.secret_key = secret_key or secrets.token_hex(32)
    app.layout = shell
    callbacks.register(app)
    callbacks.register_shell(app)
    callbacks.register_exports(app)
    from cxdash.dashboard.views import audit_page
    audit_page.install(app.server)
    secure(app)
    limits.install(app.server)  # before the sign-in guard
    install_sign_in(app.server, engine, sign_in if sign_in is not None else SignIn())  # after secure: its timer runs first
    limits.limit_sign_in(app.server)
    return app


def secure(app: Dash) -> None:
    """Security headers on every response, and one log line per request (method, path, status,
    milliseconds, who: the signed-in username or "-") at INFO on the cxdash.dashboard.requests
    logger; the values also ride on the record (extra) for a structured log handler."""
    server = app.server

    @functools.cache
    def policy() -> str:
        """Hashed once, at the first response: every callback is registered by then."""
        return CSP.format(hashes=" ".join(dict.fromkeys(app.csp_hashes())))

    @server.before_request
    def _started() -> None:
        flask.g.cxdash_started = time.perf_counter()

    @server.after_request
    def _headers_and_log(response: flask.Response) -> flask.Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", policy())
        started = flask.g.get("cxdash_started")
        took = f"{(time.perf_counter() - started) * 1000:.1f}" if started is not None else "?"
        user = current_user()
        who = user.username if user else "-"
        requests_log.info("%s %s %s %s ms user=%s", flask.request.method, flask.request.path,
                          response.status_code, took, who,
                          extra={"method": flask.request.method, "path": flask.request.path,
                                 "status": response.status_code, "ms": took, "user": who})
        return response


def shell() -> html.Div:
    """Banner, skip link, header and footer around the current page (a function, so the
    navigation marks the page being shown on each full load)."""
    return html.Div([
        dcc.Location(id="shell-location"),
        skip_link("main-content"),
        gov_banner(),
        *who_is_signed_in(),
        html.Div(id="shell-header", children=site_header([(label, href, False) for label, href in NAV])),
        html.Main(dash.page_container, id="main-content", className="grid-container-widescreen cx-main", tabIndex="-1"),
        identifier(links=FOOTER_LINKS),
    ])


def who_is_signed_in() -> list:
    """With sign-in off, a warning on every page; with it on, who is signed in and a sign-out
    button (a form posting the session's token: no script)."""
    if not flask.has_request_context():
        return []
    if sign_in_is_off():
        return [html.Section(
            html.Div(html.Div(html.P(OFF_NOTICE, className="usa-alert__text"), className="usa-alert__body"),
                     className="usa-alert usa-alert--warning usa-alert--slim margin-0"),
            id="sign-in-off", **{"aria-label": "Sign-in is off"})]
    user = current_user()
    if user is None:
        return []
    return [html.Div(html.Div([
        html.Span(["Signed in as ", html.Strong(user.shown_as, id="signed-in-as")], className="margin-right-2"),
        html.Form([
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
            html.Button("Sign out", type="submit", id="sign-out", className="usa-button usa-button--unstyled"),
        ], method="post", action=SIGN_OUT, className="display-inline"),
    ], className="grid-container display-flex flex-justify-end flex-align-center padding-y-05"),
        className="cx-signed-in bg-base-lightest")]
