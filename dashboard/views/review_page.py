"""Glue of the Quarterly review page: the filters from the URL, what the review shows (today's
numbers, or the frozen ones once the review was held), the layout, and one plain function per
thing a callback does (save commentary, record or close an action, add or delete an event, mark
the review held, build a pack and follow its progress, download a pack). The callbacks in
dashboard/callbacks.py only route to these; the words and rows come from dashboard/views/review.py."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dash import dcc, html, no_update
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from cxdash import audit, permissions
from cxdash.dashboard import data
from cxdash.dashboard.components import data_table, dropdown, filter_bar, saved_as, service_options, status_tag
from cxdash.dashboard.context import current
from cxdash.dashboard.limits import limited
from cxdash.dashboard.sign_in import required_principal, signed_in_name
from cxdash.dashboard.views import review
from cxdash.dashboard.writes import not_written
from cxdash.db import review_queries
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard
from cxdash.presentation.formatting import format_date
from cxdash.review import packs, records, snapshots
from cxdash.review.assemble import assemble
from cxdash.review.contents import Commentary, MeasureSlide, ReviewContents

PREFIX = "review"
FILTERS = ("quarter", "provider", "service")
FORMATS = [{"label": "PowerPoint (.pptx)", "value": "pptx"}, {"label": "PDF", "value": "pdf"}]
POLL_MS = 1000


# --- filters and reading ----------------------------------------------------------------------

def resolved(query: dict) -> tuple[scorecard.Filters, scorecard.Choices]:
    """The page's quarter, provider and service from its URL or dropdowns (unknown values fall back)."""
    return scorecard.resolved_query({k: query.get(k) for k in FILTERS}, review_options(), channel=False,
                                    scope=data.scope())


def review_options():
    """Quarters and scopes with measure results; where there are none (a catalog without survey
    measures, over a city's case data), those with indicators, so operational data alone can be
    reviewed and packed."""
    found = data.options()
    return found if not found.empty else data.journey_options()


def scope(query: dict) -> tuple[FiscalQuarter, str, str]:
    """(quarter, provider, service) a write applies to; a UserError when there is nothing to review."""
    filters, _ = resolved(query)
    if not filters.quarter:
        raise UserError("quarter: no computed results to review yet; load data and run 'cxdash compute'")
    return FiscalQuarter.parse(filters.quarter), filters.provider, filters.service


@dataclass(frozen=True)
class Reading:
    """Today's contents, the held review's (when it was held) and what changed in between."""
    today: ReviewContents
    held: ReviewContents | None
    differences: list[dict]

    @property
    def shown(self) -> ReviewContents:
        """The numbers the page and a pack show: frozen once held."""
        return self.held or self.today

    def commentary(self, measure_id: str) -> Commentary | None:
        """The latest saved commentary (saving after the review keeps the record up to date)."""
        for contents in (self.today, self.held):
            found = next((m for m in (contents.measures if contents else []) if m.measure_id == measure_id), None)
            if found is not None:
                return found.commentary
        return None


def read(quarter: FiscalQuarter, provider: str, service: str) -> Reading:
    ctx = current()
    today = assemble(ctx.engine, ctx.catalogue, quarter, provider, service)
    frozen = snapshots.frozen(ctx.engine, quarter, provider, service)
    held = frozen[1] if frozen else None
    return Reading(today, held, snapshots.differences(held, today) if held else [])


# --- writes: each returns a notice (review.notice) -------------------------------------------

def _measure_name(measure_id: str) -> str:
    try:
        return current().catalogue.measure(measure_id).name
    except KeyError:
        return measure_id


def _record(conn: Connection, who: permissions.Principal, action: str, target: str = "", provider: str = "all",
            service: str = "all", **details) -> None:
    """The audit event of a change, in the change's own transaction: both commit or neither does."""
    audit.record(conn, who, action, target, provider=provider, service=service, details=details)


def save_commentary(query: dict, measure_id: str, values: dict) -> dict:
    where = f"commentary:{measure_id}"
    try:
        quarter, provider, service = scope(query)
        ctx = current()
        who = permissions.check_measure(required_principal(), "commentary", ctx.catalogue, measure_id)
        fields = review.parse_commentary({**values, "author": who.shown_as})
        with ctx.engine.begin() as conn:
            records.save_commentary(conn, ctx.catalogue, measure_id, quarter, **fields)
            # the text itself stays in review_commentary (redacted there); the trail says who wrote which parts
            _record(conn, who, "commentary.save", measure_id, provider, service, quarter=quarter.label,
                    fields=[k for k in ("what_happened", "why", "what_next") if fields.get(k)])
    except UserError as exc:
        return review.notice("error", f"Not saved: {exc}", where)
    except DBAPIError as exc:
        return review.notice("error", f"Not saved: {not_written(exc, 'commentary')}", where)
    return review.notice("success", f"Commentary saved for {_measure_name(measure_id)}.", where)


def add_action(query: dict, values: dict) -> dict:
    try:
        quarter, provider, service = scope(query)
        ctx = current()
        fields = review.parse_action(values)
        who = permissions.check_measure(required_principal(), "action", ctx.catalogue, fields.get("measure_id"))
        with ctx.engine.begin() as conn:
            action_id = records.add_action(conn, ctx.catalogue, quarter, **fields)
            _record(conn, who, f"{fields['kind']}.add", str(action_id or ""), provider, service,
                    quarter=quarter.label, measure_id=fields.get("measure_id"), due_date=fields.get("due_date"))
    except UserError as exc:
        return review.notice("error", f"Not recorded: {exc}", "action-form")
    except DBAPIError as exc:
        return review.notice("error", f"Not recorded: {not_written(exc, 'action')}", "action-form")
    kind = review.KIND_WORDS.get(fields["kind"], "Action")
    return review.notice("success", f"{kind} recorded: {fields['description'][:80]}", "action-form")


def set_action_status(action_id: int, status: str) -> dict:
    try:
        ctx = current()
        row = review_queries.action(ctx.engine, int(action_id))
        if row is None:
            raise UserError(f"no action with id {action_id}")
        who = permissions.check_measure(required_principal(), "action", ctx.catalogue, row["measure_id"])
        with ctx.engine.begin() as conn:
            records.set_action_status(conn, int(action_id), status)
            _record(conn, who, f"action.{'done' if status == 'done' else 'reopen'}", str(action_id),
                    measure_id=row["measure_id"], status=status)
    except UserError as exc:
        return review.notice("error", f"Not changed: {exc}", "actions")
    except DBAPIError as exc:
        return review.notice("error", f"Not changed: {not_written(exc, 'action status')}", "actions")
    return review.notice("success", "Marked done." if status == "done" else "Reopened.", "actions")


def add_annotation(query: dict, values: dict) -> dict:
    try:
        _, provider, service = scope(query)
        who = permissions.check(required_principal(), "event", provider, service)
        fields = review.parse_annotation(values, provider, service)
        with current().engine.begin() as conn:
            event_id = records.add_annotation(conn, **fields)
            _record(conn, who, "event.add", str(event_id or ""), provider, service, event_date=fields["event_date"])
    except UserError as exc:
        return review.notice("error", f"Not added: {exc}", "annotation-form")
    except DBAPIError as exc:
        return review.notice("error", f"Not added: {not_written(exc, 'event')}", "annotation-form")
    return review.notice("success", f"Event added: {fields['label']} on {format_date(fields['event_date'])}.",
                         "annotation-form")


def delete_annotation(annotation_id: int) -> dict:
    try:
        engine = current().engine
        row = review_queries.annotation(engine, int(annotation_id))
        if row is None:
            raise UserError(f"no event with id {annotation_id}")
        who = permissions.check(required_principal(), "event", row["provider"], row["service"])
        with engine.begin() as conn:
            review_queries.delete_annotation(conn, int(annotation_id))
            _record(conn, who, "event.delete", str(annotation_id), row["provider"], row["service"],
                    event_date=row["event_date"])
    except UserError as exc:
        return review.notice("error", f"Not deleted: {exc}", "annotations")
    except DBAPIError as exc:
        return review.notice("error", f"Not deleted: {not_written(exc, 'event deletion')}", "annotations")
    return review.notice("success", "Event deleted.", "annotations")


def freeze(query: dict, held_on) -> dict:
    try:
        quarter, provider, service = scope(query)
        who = permissions.check(required_principal(), "freeze", provider, service)
        day = review.parse_date("day the review was held", held_on) or dt.date.today()
        ctx = current()
        with ctx.engine.begin() as conn:
            snapshots.freeze(ctx.engine, ctx.catalogue, quarter, provider, service, day, within=conn)
            _record(conn, who, "review.freeze", quarter.label, provider, service, held_on=day)
    except UserError as exc:
        return review.notice("error", f"Not marked as held: {exc}", "freeze")
    except DBAPIError as exc:
        return review.notice("error", f"Not marked as held: {not_written(exc, 'review freeze')}", "freeze")
    return review.notice("success", f"The review is marked as held on {format_date(day)}; its numbers are frozen.",
                         "freeze")


def reopen(query: dict, reason) -> dict:
    """Undo a held review (review lead, with a reason): the audit trail keeps both the freeze and
    this reopening, with what was frozen."""
    try:
        quarter, provider, service = scope(query)
        who = permissions.check(required_principal(), "reopen", provider, service)
        ctx = current()
        with ctx.engine.begin() as conn:
            undone = snapshots.reopen(conn, quarter, provider, service, reason or "")
            _record(conn, who, "review.reopen", quarter.label, provider, service, **undone)
    except UserError as exc:
        return review.notice("error", f"Not reopened: {exc}", "freeze")
    except DBAPIError as exc:
        return review.notice("error", f"Not reopened: {not_written(exc, 'review reopening')}", "freeze")
    return review.notice("success", f"The review is reopened (it was held on {format_date(undone['held_on'])}): "
                         "its numbers are today's again, and it can be marked as held again.", "freeze")


def bumped(version: dict | None, notice: dict) -> dict:
    """The page's version after a write: the content callback re-renders and shows the notice."""
    return {"n": int((version or {}).get("n", 0)) + 1, "notice": notice}


def written(notice: dict, version: dict | None):
    """(feedback to show in place, new version): an error stays in place and keeps what was typed;
    a success re-renders the page, which shows the notice where it belongs."""
    if notice["kind"] == "error":
        return alert(notice), no_update
    return no_update, bumped(version, notice)


def commentary_submitted(measure_ids: list[str], measure_id: str, values: dict, query: dict,
                         version: dict | None) -> tuple[list, dict]:
    """The Save button of one measure's form (the callback sees every form's feedback)."""
    feedback, new_version = written(save_commentary(query, measure_id, values), version)
    return [feedback if m == measure_id else no_update for m in measure_ids], new_version


# --- review packs -----------------------------------------------------------------------------

def build(query: dict, fmt: str) -> tuple[int, bool]:
    """Queue a pack of this review (the pack worker builds it: this web process never starts one);
    (its id, True), or the identical build already queued or running and False."""
    quarter, provider, service = scope(query)
    who = permissions.check(required_principal(), "build_pack", provider, service)
    engine = current().engine
    with engine.begin() as conn:
        pack_id, new = packs.request_or_existing(engine, quarter, fmt or "pptx", "page", provider, service,
                                                 requested_by=who.shown_as, within=conn)
        if new:
            _record(conn, who, "pack.build", str(pack_id), provider, service, quarter=quarter.label,
                    format=fmt or "pptx")
    return pack_id, new


def poll(pack_id: int) -> dict | None:
    """The build as stored; a running build whose process is gone is marked failed."""
    engine = current().engine
    pack = review_queries.pack(engine, int(pack_id))
    if pack is not None and pack["status"] == "running" and packs.fail_if_stalled(engine, pack):
        pack = review_queries.pack(engine, int(pack_id))
    return pack


def build_state(pack: dict | None) -> dict | None:
    return {"id": pack["id"], "status": pack["status"]} if pack else None


def start_build(query: dict, fmt: str) -> tuple:
    """Build button -> (job id, poll disabled, progress, status, build state)."""
    refused = limited("pack_builds", "review pack request")
    if refused is not None:
        return no_update, True, [], [alert(review.notice("error", f"Not queued: {refused}", "pack"), live=False)], \
            no_update
    try:
        pack_id, new = build(query, fmt)
    except (UserError, DBAPIError) as exc:
        said = not_written(exc, "pack request") if isinstance(exc, DBAPIError) else exc
        return no_update, True, [], [alert(review.notice("error", f"Not queued: {said}", "pack"), live=False)], \
            no_update
    pack = review_queries.pack(current().engine, pack_id)
    status = build_status(pack)
    if not new:
        status = [html.P("The same pack was already requested: showing that build.",
                         className="cx-review-progress__step", id="review-build-same")] + status
    return pack_id, False, progress(pack), status, build_state(pack)


def poll_build(pack_id: int | None, state: dict | None) -> tuple:
    """A poll tick -> (job id, poll disabled, progress, status, build state); the state changes
    only when the build's status does (the previous builds' table follows it)."""
    if pack_id is None:
        return no_update, True, no_update, no_update, no_update
    pack = poll(pack_id)
    now = build_state(pack)
    return (no_update, review.finished(pack), progress(pack), build_status(pack),
            now if now != state else no_update)


def build_or_poll(trigger: str | None, fmt: str, query: dict, pack_id: int | None, state: dict | None) -> tuple:
    if trigger == "review-build":
        return start_build(query, fmt)
    return poll_build(pack_id, state)


def pack_download(pack_id: int):
    """dcc.Download data of a succeeded build's file, or no_update."""
    engine = current().engine
    pack = review_queries.pack(engine, int(pack_id))
    if pack is None:
        return no_update
    # a pack holds its scope's numbers: only someone who may see that scope downloads it (a 403 otherwise)
    permissions.check(required_principal(), "download", pack["provider"], pack["service"])
    found = review_queries.pack_file(engine, int(pack_id))
    if not found:
        return no_update
    name, content = found
    return dcc.send_bytes(content, name, type=packs.MEDIA_TYPES.get(pack["format"]) if pack else None)


def running_build(filters: scorecard.Filters) -> dict | None:
    """A build of this review started from the page that has not finished (to follow after a reload)."""
    if not filters.quarter:
        return None
    quarter = FiscalQuarter.parse(filters.quarter)
    builds = review_queries.packs(current().engine, quarter.year, quarter.quarter, filters.provider,
                                  filters.service, trigger="page", limit=1)
    return builds[0] if builds and not review.finished(builds[0]) else None


def progress(pack: dict | None) -> list:
    if pack is None:
        return []
    return [html.Label("Build progress", htmlFor="review-build-bar", className="usa-label cx-review-progress__label"),
            html.Div([html.Progress(review.progress_percent(pack), id="review-build-bar",
                                    value=str(round(review.progress_value(pack), 3)), max="1"),
                      html.Span(review.progress_percent(pack), className="cx-review-progress__percent",
                                **{"aria-hidden": "true"})], className="cx-review-progress")]


def build_status(pack: dict | None) -> list:
    """What the live region says: the step, then the Download button or the failure."""
    if pack is None:
        return []
    text = review.progress_text(pack)
    if pack["status"] == "failed":
        return [alert(review.notice("error", text, "pack"), live=False)]
    parts = [html.P(text, className="cx-review-progress__step")]
    if pack["status"] == "succeeded":
        fmt = review.FORMAT_WORDS.get(pack["format"], pack["format"])
        parts.append(html.Button(["Download", html.Span(f" the {fmt} review pack", className="usa-sr-only")],
                                 id={"type": "review-pack-download", "pack": pack["id"], "where": "build"},
                                 className="usa-button", type="button"))
    return parts


def history(quarter=None, provider=None, service=None) -> list:
    """The previous builds of this quarter and scope, newest first, each succeeded one downloadable."""
    filters, _ = resolved({"quarter": quarter, "provider": provider, "service": service})
    parts = [html.H3("Previous builds", id="review-history-title")]
    if not filters.quarter:
        return parts + [html.P("Nothing to build yet.")]
    q = FiscalQuarter.parse(filters.quarter)
    rows = review.pack_rows(review_queries.packs(current().engine, q.year, q.quarter, filters.provider,
                                                 filters.service, limit=10))
    if not rows:
        return parts + [html.P("No pack of this review has been built yet.", id="review-history-empty")]
    for row in rows:
        row["file"] = html.Button(
            ["Download", html.Span(f" the {row['format']} pack requested {row['requested']}", className="usa-sr-only")],
            id={"type": "review-pack-download", "pack": row["id"], "where": "history"},
            className="usa-button usa-button--outline cx-review-button", type="button") \
            if row["downloadable"] else "—"
    columns = [(k, label, None) for k, label in review.PACK_COLUMNS] + [("file", "File", _component)]
    return parts + [data_table(rows, columns, f"Review packs of {q.display}, "
                                              f"{review.scope_words(filters.provider, filters.service)}, newest first",
                               "review-history")]


# --- rendering --------------------------------------------------------------------------------

def _component(value):
    return value


def alert(notice: dict | None, live: bool = True, focus: bool = False):
    """A USWDS slim alert: success with role=status, error with role=alert (live=False when it sits
    inside a live region already)."""
    if not notice:
        return None
    error = notice["kind"] == "error"
    extra = {"role": "alert" if error else "status"} if live else {}
    if focus:
        extra["tabIndex"] = "-1"
    return html.Div(html.Div(html.P(notice["text"], className="usa-alert__text"), className="usa-alert__body"),
                    className=f"usa-alert usa-alert--{'error' if error else 'success'} usa-alert--slim "
                              f"usa-alert--no-icon cx-review-notice", **extra)


def _notice_at(notice: dict | None, where: str):
    return alert(notice, focus=True) if notice and notice.get("where") == where else None


def _field(label, component, hint: str | None = None) -> list:
    cid = review.dom_id(component.id)
    parts = [html.Label(label, htmlFor=cid, className="usa-label")]
    if hint:
        parts.append(html.Div(hint, className="usa-hint", id=f"{cid}-hint"))
    return parts + [component]


def _commentary_block(c: Commentary | None) -> list:
    parts = review.commentary_parts(c)
    if not parts:
        return [html.P("No commentary yet for this quarter.", className="cx-review-empty")]
    items = []
    for head, text in parts:
        items += [html.Dt(head), html.Dd(text)]
    block = [html.Dl(items, className="cx-review-commentary")]
    byline = review.commentary_byline(c)
    if byline:
        block.append(html.P(byline, className="cx-review-byline"))
    return block


def _commentary_form(m: MeasureSlide, c: Commentary | None, open_: bool) -> html.Details:
    mid = m.measure_id
    values = review.form_values(c)
    fields = []
    for key, label in review.COMMENTARY_PARTS:
        box = dcc.Textarea(id={"type": f"review-{key.replace('_', '-')}", "measure": mid}, value=values[key],
                           className="usa-textarea cx-review-textarea", rows=3, maxLength=4000)
        fields += _field([label, html.Span(f" ({m.name})", className="usa-sr-only")], box)
    fields.append(saved_as(signed_in_name()))
    fields += [html.Button(["Save the commentary", html.Span(f" on {m.name}", className="usa-sr-only")],
                           id={"type": "review-commentary-save", "measure": mid}, className="usa-button",
                           type="button"),
               html.Div(id={"type": "review-commentary-feedback", "measure": mid}, className="cx-review-feedback")]
    summary = ["Edit the commentary" if c else "Write the commentary",
               html.Span(f" on {m.name}", className="usa-sr-only")]
    kwargs = {"open": True} if open_ else {}
    return html.Details([html.Summary(summary), html.Div(fields, className="usa-form cx-review-form")],
                        className="cx-details cx-review-details", id=f"review-form-{mid}", **kwargs)


def _measure_section(m: MeasureSlide, c: Commentary | None, notice: dict | None) -> html.Section:
    mid = m.measure_id
    heading = f"review-measure-{mid}"
    mine = notice if notice and notice.get("where") == f"commentary:{mid}" else None
    value = [] if m.value is None and not m.suppressed else [html.Span(review.value_text(m), className="cx-review-value")]
    numbers = [*value, status_tag(m.status), html.Span(review.target_text(m), className="cx-review-target")]
    return html.Section([
        html.H3(m.name, id=heading, className="cx-review-measure__title"),
        html.P(numbers, className="cx-review-numbers"),
        html.P([html.Span("Owner: ", className="text-bold"), m.owner or "not named"], className="cx-review-owner"),
        *_commentary_block(c),
        alert(mine, focus=True),
        _commentary_form(m, c, open_=mine is not None),
    ], className="cx-review-measure", id=f"review-measure-section-{mid}", **{"aria-labelledby": heading})


def _freeze_section(reading: Reading, notice: dict | None) -> html.Section:
    parts = [html.H2("The review meeting", id="review-freeze-title")]
    held = reading.held
    if held is None:
        parts += [
            html.P("Once the review has been held, mark it so: its numbers are frozen, packs built afterwards "
                   "show what the executives saw even after data are reloaded or corrected, and this page lists "
                   "what has changed since."),
            html.Div([
                *_field("Day the review was held",
                        dcc.Input(id="review-held-on", type="date", value=dt.date.today().isoformat(),
                                  className="usa-input cx-review-date")),
                html.Button("Mark the review as held", id="review-freeze", className="usa-button", type="button"),
                html.Div(alert(notice) if notice and notice.get("where") == "freeze" else None,
                         id="review-freeze-feedback", className="cx-review-feedback"),
            ], className="usa-form cx-review-form"),
        ]
    else:
        rows = review.difference_rows(reading.differences)
        parts += [_notice_at(notice, "freeze"),
                  html.Details([
                      html.Summary("Reopen the held review (a review lead, with a reason)"),
                      html.P("Reopening undoes a wrongful or mistaken freeze: the numbers become today's again "
                             "and the review can be marked as held again. The audit trail keeps the freeze, the "
                             "reopening and its reason."),
                      *_field("Why the held review is reopened",
                              dcc.Textarea(id="review-reopen-reason", className="usa-textarea", maxLength=1000)),
                      html.Button("Reopen the review", id="review-reopen", className="usa-button usa-button--secondary",
                                  type="button"),
                      html.Div(id="review-reopen-feedback", className="cx-review-feedback"),
                  ], className="usa-form cx-review-form cx-details", id="review-reopen-form"),
                  html.H3("Changed since the review", id="review-changes-title"),
                  html.P(review.differences_sentence(rows, held.frozen_on), id="review-changes-sentence",
                         className="cx-takeaway")]
        if rows:
            parts.append(data_table(rows, [(k, label, None) for k, label in review.DIFFERENCE_COLUMNS],
                                    f"Numbers that differ from the review held on {format_date(held.frozen_on)}",
                                    "review-changes"))
    return html.Section(parts, className="cx-review-section", **{"aria-labelledby": "review-freeze-title"})


def _measures_section(reading: Reading, notice: dict | None) -> html.Section:
    shown = reading.shown
    intro = ("Each measure's number this quarter and the commentary the pack puts in its speaker notes: what "
             "happened, why, and what comes next.")
    if reading.held:
        intro += (f" The numbers are those of the review held on {format_date(reading.held.frozen_on)}; the "
                  "commentary is the latest saved (a pack of the held review keeps the commentary it had then).")
    parts = [html.H2("Measures and commentary", id="review-measures-title"), html.P(intro)]
    if not shown.measures:
        parts.append(html.P("No measure of the catalog covers this scope."))
    parts += [_measure_section(m, reading.commentary(m.measure_id), notice) for m in shown.measures]
    return html.Section(parts, className="cx-review-section", **{"aria-labelledby": "review-measures-title"})


def _services_section(reading: Reading) -> list:
    """A review of several services: the pack's table of them side by side, one row per service."""
    table = reading.shown.services
    if table is None or not table.rows:
        return []
    rows = [dict(zip(table.header, row)) for row in table.rows]
    return [html.Section([
        html.H2("Services side by side", id="review-services-title"),
        html.P(table.takeaway, className="cx-takeaway", id="review-services-takeaway"),
        data_table(rows, [(h, h, None) for h in table.header], "Each service's own figures over all its stages",
                   "review-services"),
    ], className="cx-review-section", **{"aria-labelledby": "review-services-title"})]


def _action_button(row: dict) -> html.Button:
    return html.Button([row["button"], html.Span(f": {row['description'][:60]}", className="usa-sr-only")],
                       id={"type": "review-action-toggle", "action": row["id"], "to": row["to"]},
                       className="usa-button usa-button--outline cx-review-button", type="button")


def _state(value: str) -> html.Span:
    return html.Span(value, className=f"cx-review-state cx-review-state--{value.lower()}")


def _actions_section(reading: Reading, notice: dict | None) -> html.Section:
    today = reading.today
    rows = review.action_rows(today.actions)
    parts = [html.H2("Decisions and actions", id="review-actions-title"),
             html.P("Recorded at this quarter's review or earlier: still open, or closed since the previous quarter "
                    "began. An open action past its due date is late.")]
    if rows:
        for row in rows:
            row["change"] = _action_button(row)
        columns = [(k, label, _state if k == "state" else None) for k, label in review.ACTION_COLUMNS]
        parts.append(data_table(rows, columns + [("change", "Change", _component)],
                                f"Decisions and actions, {today.quarter_display}", "review-actions"))
    else:
        parts.append(html.P("No decision or action recorded yet.", id="review-actions-empty"))
    parts.append(html.Div(_notice_at(notice, "actions"), className="cx-review-feedback"))
    measures = review.measure_options(reading.shown.measures)
    parts += [
        html.H3("Record a decision or action", id="review-action-form-title"),
        html.Div([
            dropdown("review-action-kind", "Kind",
                     [{"label": "Action", "value": "action"}, {"label": "Decision", "value": "decision"}],
                     "action"),
            dropdown("review-action-measure", "Measure", measures, review.NO_MEASURE),
            *_field("Description", dcc.Textarea(id="review-action-description", value="", rows=2, maxLength=4000,
                                                className="usa-textarea cx-review-textarea")),
            *_field("Owner", dcc.Input(id="review-action-owner", type="text", value="", maxLength=200,
                                       className="usa-input"), hint="Name or role"),
            *_field("Due date", dcc.Input(id="review-action-due", type="date", value="",
                                          className="usa-input cx-review-date"), hint="Optional"),
            html.Button("Record it", id="review-action-add", className="usa-button", type="button"),
            html.Div(_notice_at(notice, "action-form"), id="review-action-feedback", className="cx-review-feedback"),
        ], className="usa-form cx-review-form"),
    ]
    return html.Section(parts, className="cx-review-section", **{"aria-labelledby": "review-actions-title"})


def _annotations_section(reading: Reading, notice: dict | None) -> html.Section:
    today = reading.today
    rows = review.annotation_rows(today.annotations)
    scope_words = review.scope_words(today.provider, today.service)
    parts = [html.H2("Events on trend charts", id="review-annotations-title"),
             html.P("Events such as a policy change, an outage or a launch, so a trend can be read against them: "
                    "the Service drivers page draws them on its trend chart. Listed here: the events that apply to "
                    "this scope.")]
    if rows:
        for row in rows:
            row["delete"] = html.Button(
                ["Delete", html.Span(f" the event {row['label']} of {row['date']}", className="usa-sr-only")],
                id={"type": "review-annotation-delete", "annotation": row["id"]},
                className="usa-button usa-button--outline cx-review-button", type="button")
        columns = [(k, label, None) for k, label in review.ANNOTATION_COLUMNS]
        parts.append(data_table(rows, columns + [("delete", "Delete", _component)],
                                f"Events that apply to {scope_words}", "review-annotations"))
    else:
        parts.append(html.P("No event recorded for this scope yet.", id="review-annotations-empty"))
    parts.append(html.Div(_notice_at(notice, "annotations"), className="cx-review-feedback"))
    parts += [
        html.H3("Add an event", id="review-annotation-form-title"),
        html.Div([
            *_field("Date of the event", dcc.Input(id="review-annotation-date", type="date", value="",
                                                   className="usa-input cx-review-date")),
            *_field("Label", dcc.Input(id="review-annotation-label", type="text", value="", maxLength=200,
                                       className="usa-input"), hint="Short: it is printed on the chart"),
            *_field("Description", dcc.Textarea(id="review-annotation-description", value="", rows=2,
                                                maxLength=4000, className="usa-textarea cx-review-textarea"),
                    hint="Optional"),
            html.P([html.Span("Applies to: ", className="text-bold"), scope_words], className="cx-review-scope-note"),
            html.Button("Add the event", id="review-annotation-add", className="usa-button", type="button"),
            html.Div(_notice_at(notice, "annotation-form"), id="review-annotation-feedback",
                     className="cx-review-feedback"),
        ], className="usa-form cx-review-form"),
    ]
    return html.Section(parts, className="cx-review-section", **{"aria-labelledby": "review-annotations-title"})


def render(filters: scorecard.Filters, notice: dict | None = None) -> tuple[str, list, list]:
    """(title, summary, content) of the review of a quarter and scope."""
    if not filters.quarter:
        return (review.title(None), [html.P("Nothing to review yet: load data and run 'cxdash compute'.",
                                            id="review-status")], [])
    quarter = FiscalQuarter.parse(filters.quarter)
    reading = read(quarter, filters.provider, filters.service)
    held_on = reading.held.frozen_on if reading.held else None
    summary = [
        html.P(f"Showing {quarter.display} · {review.scope_words(filters.provider, filters.service)} · all channels",
               className="cx-scope", id="review-scope"),
        html.P([html.Span("Status: ", className="text-bold"), review.status_line(held_on)], id="review-status",
               className=f"cx-review-status cx-review-status--{'held' if held_on else 'draft'}"),
        html.P(reading.shown.status_takeaway, className="cx-takeaway", id="review-takeaway"),
    ]
    content = [_freeze_section(reading, notice), _measures_section(reading, notice), *_services_section(reading),
               _actions_section(reading, notice), _annotations_section(reading, notice)]
    return review.title(quarter.display), summary, content


def update(quarter=None, provider=None, service=None, notice: dict | None = None) -> tuple:
    """Filters (and a write's notice) -> (provider value, service options, service value, title,
    summary, content, query string)."""
    filters, available = resolved({"quarter": quarter, "provider": provider or scorecard.ALL,
                                   "service": service or scorecard.ALL})
    title, summary, content = render(filters, notice)
    return (filters.provider, service_options(available), filters.service, title, summary, content,
            filters.query_string())


def _pack_section(filters: scorecard.Filters, running: dict | None) -> html.Section:
    return html.Section([
        html.H2("Review pack", id="review-pack-title"),
        html.P("A deck of this review to present and circulate: the scorecard by goal, a slide per measure with its "
               "commentary in the speaker notes, one service's journey (or several services side by side, one row "
               "each), the measures off track, the decisions and actions, the "
               "initiative portfolio and the CX maturity profile. "
               "It is built in the background; this page follows it and offers the file when it is ready."),
        html.Div([
            html.Fieldset([html.Legend("Format", className="usa-legend"),
                           dcc.RadioItems(id="review-format", options=FORMATS, value="pptx",
                                          className="cx-radios")], className="usa-fieldset cx-review-format"),
            html.Button("Build the review pack", id="review-build", className="usa-button", type="button",
                        disabled=not filters.quarter),
        ], className="cx-review-build"),
        html.Div(progress(running), id="review-build-progress"),
        html.Div(build_status(running), id="review-build-status", role="status", **{"aria-live": "polite"}),
        html.Div(history(filters.quarter, filters.provider, filters.service), id="review-history"),
    ], className="cx-review-section cx-review-pack", **{"aria-labelledby": "review-pack-title"})


def layout(query: dict) -> html.Div:
    filters, available = resolved(query)
    title, summary, content = render(filters)
    running = running_build(filters)
    return html.Div([
        html.H1(title, id="review-title"),
        html.P("Prepare and record the quarter's CX review: build the pack, write the commentary on each measure, "
               "record decisions and actions, note events that explain a trend, and freeze the numbers once the "
               "review has been held.", className="usa-intro"),
        filter_bar(available, filters, prefix=PREFIX, label="Review filters", channel=False),
        html.Div(summary, id="review-summary"),
        _pack_section(filters, running),
        html.Div(content, id="review-content"),
        dcc.Store(id="review-version", data={"n": 0}),
        dcc.Store(id="review-query"),
        dcc.Store(id="review-query-synced"),
        dcc.Store(id="review-build-job", data=running["id"] if running else None),
        dcc.Store(id="review-build-state", data=build_state(running)),
        dcc.Store(id="review-radios-fixed"),
        dcc.Store(id="review-focus"),
        dcc.Interval(id="review-build-poll", interval=POLL_MS, disabled=running is None),
        dcc.Download(id="review-download"),
    ], className="cx-review")
