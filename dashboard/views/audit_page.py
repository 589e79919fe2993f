"""The audit trail page (administrators): every change, who made it and when, with filters (who,
what, from, to) and a CSV download; also /audit.csv for machine requests (403 for anyone else).
Every read checks the role on the server, whatever the page showed."""
from __future__ import annotations

import datetime as dt

import flask
from dash import dcc, html, no_update

from cxdash import audit, permissions
from cxdash.dashboard.components import data_table, dropdown
from cxdash.dashboard.context import current
from cxdash.dashboard.sign_in import required_principal
from cxdash.db import access_queries
from cxdash.errors import UserError

PREFIX = "audit"
SHOWN = 500
ANY = "any"
CSV_PATH = "/audit.csv"


def _day(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise UserError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def filtered(username=None, action=None, since=None, until=None, limit: int | None = SHOWN) -> list[dict]:
    """The trail as the filters ask, after checking the person may read it (administrators)."""
    permissions.check(required_principal(), "audit")
    return audit.events(current().engine, username=None if username in (None, "", ANY) else username,
                        action=None if action in (None, "", ANY) else action, since=_day(since), until=_day(until),
                        limit=limit)


def _when(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%d %H:%M:%S} UTC" if isinstance(value, dt.datetime) else str(value)


def table(rows: list[dict]):
    shown = [{**r, "at": _when(r["at"])} for r in rows]
    if not shown:
        return html.P("No change matches these filters.", id="audit-empty")
    return data_table(shown, [(k, label, None) for k, label in audit.COLUMNS],
                      f"Changes, newest first (at most {SHOWN} shown; the CSV has them all)", "audit")


def update(username=None, action=None, since=None, until=None):
    """Filters -> the table (or the reason it is not shown)."""
    try:
        return table(filtered(username, action, since, until))
    except UserError as exc:
        return refusal(str(exc))


def csv_download(username=None, action=None, since=None, until=None):
    """The CSV button -> dcc.Download data (every matching event; formula prefixes escaped)."""
    try:
        rows = filtered(username, action, since, until, limit=None)
    except UserError:
        return no_update
    return dcc.send_string(audit.to_csv(rows), f"audit-trail-{dt.date.today():%Y%m%d}.csv")


def refusal(text: str) -> html.Div:
    return html.Div(html.Div(html.P(f"Not shown: {text}.", className="usa-alert__text"),
                             className="usa-alert__body"),
                    className="usa-alert usa-alert--error usa-alert--slim", role="alert", id="audit-refused")


def layout(query: dict) -> html.Div:
    title = html.H1("Audit trail", className="cx-page-title")
    try:
        permissions.check(required_principal(), "audit")
    except UserError as exc:
        return html.Div([title, refusal(str(exc))])
    engine = current().engine
    users = sorted({r["username"] for r in access_queries.events(engine, limit=None)})
    actions = access_queries.actions(engine)
    filters = html.Div([
        dropdown("audit-user", "Who", [{"label": "Anyone", "value": ANY}] + [{"label": u, "value": u} for u in users],
                 query.get("user") or ANY),
        dropdown("audit-action", "What", [{"label": "Any change", "value": ANY}] +
                 [{"label": a, "value": a} for a in actions], query.get("action") or ANY),
        html.Div([html.Label("From", htmlFor="audit-since", className="usa-label"),
                  dcc.Input(id="audit-since", type="date", className="usa-input", value=query.get("since"))],
                 className="cx-filter"),
        html.Div([html.Label("To", htmlFor="audit-until", className="usa-label"),
                  dcc.Input(id="audit-until", type="date", className="usa-input", value=query.get("until"))],
                 className="cx-filter"),
    ], className="cx-filters", role="search", **{"aria-label": "Audit trail filters"})
    return html.Div([
        title,
        html.P("Every change to the review record, the register, maturity ratings, loads, packs, users and "
               "grants: who made it and when. The trail is append-only: nothing in it can be changed or deleted.",
               className="usa-intro"),
        filters,
        html.Button("Download as CSV", id="audit-csv", className="usa-button usa-button--outline", type="button"),
        dcc.Download(id="audit-download"),
        html.Div(update(query.get("user"), query.get("action"), query.get("since"), query.get("until")),
                 id="audit-content", **{"aria-live": "polite"}),
    ], className="cx-audit")


def install(server: flask.Flask) -> None:
    """GET /audit.csv?user=&action=&since=&until=: the trail for scripts (administrators; 403 otherwise)."""

    @server.route(CSV_PATH)
    def _audit_csv():
        args = flask.request.args
        try:
            rows = filtered(args.get("user"), args.get("action"), args.get("since"), args.get("until"), limit=None)
        except permissions.Refused:
            raise
        except UserError as exc:
            return flask.jsonify({"error": str(exc)}), 400
        response = flask.make_response(audit.to_csv(rows))
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = "attachment; filename=audit-trail.csv"
        response.headers["Cache-Control"] = "no-store"
        return response
