"""The Quarterly review page without a browser: the pure functions of dashboard/views/review.py
(words, table rows, differences formatted like the pages, a build's progress, the forms read), and
the glue of dashboard/views/review_page.py against a real SQLite database with the real A-11
quarterly file loaded and computed: commentary, actions, events and the freeze written through the
functions the callbacks call, read back through what the page shows; a pack build followed to its
end (and one whose process died); every input labelled."""
from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
import sys

import pytest
from dash import dcc, html, no_update
from dash._utils import stringify_id
from sqlalchemy import text as sql

from cxdash.compute import compute
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import review, review_page
from cxdash.db import review_queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.errors import UserError
from cxdash.loaders import a11_quarterly
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation.formatting import format_value
from cxdash.review.assemble import assemble
from cxdash.review.contents import Action, Annotation, Commentary

from .conftest import QUARTERLY
from .test_components import text, walk

Q = FiscalQuarter(2023, 1)
QUERY = {"quarter": "FY2023Q1"}
VBA = ("Veterans Benefits Administration", "Contacting the Benefits Administration contact center")


# --- pure functions -----------------------------------------------------------------------------

def _action(**values) -> Action:
    base = {"id": 1, "measure_id": "vba-contact-trust", "measure_name": "Veterans trust VA", "quarter": "FY2023Q1",
            "kind": "action", "description": "Publish the plan", "owner": "COO", "due_date": dt.date(2020, 1, 15),
            "status": "open", "state": "late"}
    return Action(**(base | values))


def test_title_status_line_and_scope_in_words():
    assert review.title("FY2023 Q1") == "Quarterly review, FY2023 Q1"
    assert review.title(None) == "Quarterly review"
    assert review.status_line(None) == "Draft: today's numbers"
    assert review.status_line(dt.date(2023, 2, 14)) == "Held on 14 Feb 2023: the numbers are frozen"
    assert review.scope_words("all", "all") == "All providers · All services"
    assert review.scope_words(*VBA) == " · ".join(VBA)
    assert review.when_text(dt.datetime(2026, 11, 25, 14, 3)) == "25 Nov 2026, 14:03 UTC"  # SQLite: naive UTC
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert review.when_text(dt.datetime(2026, 11, 25, 9, 3, tzinfo=eastern)) == "25 Nov 2026, 14:03 UTC"
    assert review.when_text(None) == "—"


def test_action_rows_say_the_state_and_the_next_step_in_words():
    late, done, open_, general = review.action_rows([
        _action(), _action(id=2, status="done", state="done", completed_on=dt.date(2023, 1, 3)),
        _action(id=3, due_date=None, state="open", kind="decision"),
        _action(id=4, measure_id=None, measure_name=None, owner=""),
    ])
    assert (late["state"], late["button"], late["to"], late["due"], late["recorded"]) == (
        "Late", "Mark done", "done", "15 Jan 2020", "FY2023 Q1")
    assert (done["state"], done["button"], done["to"]) == ("Done", "Reopen", "open")
    assert (open_["state"], open_["kind"], open_["due"]) == ("Open", "Decision", "—")
    assert (general["measure"], general["owner"]) == ("No single measure", "—")


def test_difference_rows_format_like_the_pages():
    rows = review.difference_rows([
        {"measure_id": "a", "name": "Trust", "unit": "percent", "field": "value", "label": "Value",
         "held": 0.6324, "today": 0.6401},
        {"measure_id": "a", "name": "Trust", "unit": "percent", "field": "n", "label": "Responses (n)",
         "held": 12034, "today": 12100},
        {"measure_id": "a", "name": "Trust", "unit": "percent", "field": "status", "label": "Status",
         "held": "off_track", "today": "at_risk"},
        {"measure_id": "b", "name": "Satisfied", "unit": "points", "field": "target", "label": "Target",
         "held": 4.5, "today": None},
    ])
    assert [(r["what"], r["held"], r["today"]) for r in rows] == [
        ("Value", "63.2%", "64.0%"), ("Responses (n)", "12,034", "12,100"), ("Status", "Off track", "At risk"),
        ("Target", "4.50", "—")]
    assert review.differences_sentence([], dt.date(2023, 2, 1)) == "No number has changed since the review was held."
    assert review.differences_sentence(rows, dt.date(2023, 2, 1)).startswith(
        "4 numbers of 2 measures changed since the review was held on 1 Feb 2023")


def test_pack_rows_and_progress_in_words():
    build = {"id": 7, "format": "pptx", "trigger": "page", "status": "running", "progress": 0.42,
             "step": "Rendering the journey heat map", "message": None, "requested_at": dt.datetime(2026, 1, 2, 3, 4),
             "file_name": None}
    assert review.progress_text(build) == "Building the PowerPoint pack: Rendering the journey heat map."
    assert (review.progress_value(build), review.progress_percent(build), review.finished(build)) == (0.42, "42%", False)
    queued = build | {"status": "queued", "progress": 0.0}
    assert review.progress_text(queued) == "The PowerPoint pack is queued: it starts when the pack builder is free."
    done = build | {"status": "succeeded", "progress": 0.99, "file_name": "cx.pptx", "message": "Draft: today's numbers"}
    assert review.progress_value(done) == 1.0 and review.finished(done)
    assert review.progress_text(done) == "The PowerPoint pack is ready: cx.pptx."
    failed = build | {"status": "failed", "format": "pdf", "message": "LibreOffice is not installed"}
    assert review.progress_text(failed) == "The PDF pack could not be built: LibreOffice is not installed."
    rows = review.pack_rows([done, failed, build | {"trigger": "scheduled"}])
    assert [(r["requested"], r["format"], r["trigger"], r["status"], r["downloadable"]) for r in rows] == [
        ("2 Jan 2026, 03:04 UTC", "PowerPoint", "This page", "Ready (draft: today's numbers)", True),
        ("2 Jan 2026, 03:04 UTC", "PDF", "This page", "Failed: LibreOffice is not installed", False),
        ("2 Jan 2026, 03:04 UTC", "PowerPoint", "Scheduled draft", "Building", False)]


def test_forms_are_read_into_what_the_records_expect():
    assert review.parse_commentary({"what_happened": "  Fell. ", "why": None, "author": " CX office "}) == {
        "what_happened": "Fell.", "why": "", "what_next": "", "author": "CX office"}
    assert review.parse_action({"kind": "decision", "measure": review.NO_MEASURE, "description": " Fund it ",
                                "owner": "", "due": "2024-03-31"}) == {
        "kind": "decision", "description": "Fund it", "measure_id": None, "owner": "", "due_date": dt.date(2024, 3, 31)}
    assert review.parse_action({"measure": "vba-contact-trust", "due": ""})["measure_id"] == "vba-contact-trust"
    assert review.parse_action({})["kind"] == "action"
    with pytest.raises(UserError, match="due date: '31/03/2024' is not a date"):
        review.parse_action({"due": "31/03/2024"})
    assert review.parse_annotation({"date": "2022-11-01", "label": "Outage"}, *VBA) == {
        "event_date": dt.date(2022, 11, 1), "label": "Outage", "description": "", "provider": VBA[0],
        "service": VBA[1]}
    with pytest.raises(UserError, match="event date: required"):
        review.parse_annotation({"label": "Outage"}, "all", "all")


def test_commentary_words_and_the_labels_dom_id():
    c = Commentary(what_happened="Fell.", why="", what_next="Fix it.", author="CX office",
                   updated_at=dt.datetime(2026, 1, 2, 3, 4))
    assert review.commentary_parts(c) == [("What happened", "Fell."), ("What next", "Fix it.")]
    assert review.commentary_byline(c) == "By CX office, last updated 2 Jan 2026, 03:04 UTC"
    assert review.commentary_parts(None) == [] and review.form_values(None)["author"] == ""
    component_id = {"type": "review-what-happened", "measure": "vba-contact-trust"}
    assert review.dom_id(component_id) == stringify_id(component_id)  # what Dash writes as the element's id
    assert review.dom_id("plain") == "plain"
    assert review.annotation_rows([Annotation(id=1, event_date=dt.date(2022, 11, 1), label="Outage",
                                              quarter="FY2023 Q1")]) == [
        {"id": 1, "date": "1 Nov 2022", "label": "Outage", "description": "—", "scope": "All providers · All services"}]


# --- glue, against a real database --------------------------------------------------------------

@pytest.fixture(scope="module")
def computed_file(tmp_path_factory, catalogue):
    path = tmp_path_factory.mktemp("review-view") / "computed.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    a11_quarterly.load(eng, QUARTERLY, catalogue)
    compute(eng, catalogue)
    eng.dispose()
    return path


@pytest.fixture
def engine(computed_file, tmp_path):
    """A fresh copy of the computed database per test: these tests write."""
    path = tmp_path / "cx.db"
    shutil.copy(computed_file, path)
    eng = make_engine(f"sqlite:///{path}")
    yield eng
    eng.dispose()


@pytest.fixture
def app(engine, catalogue):
    dash_app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    with dash_app.server.app_context():
        yield dash_app


def _nodes(tree, kind):
    return [n for n in walk(tree) if isinstance(n, kind)]


def _section(content, measure_id):
    return next(n for n in walk(html.Div(content)) if getattr(n, "id", None) == f"review-measure-section-{measure_id}")


def test_layout_shows_the_draft_every_measure_and_labels_every_input(app, engine, catalogue):
    page = review_page.layout(QUERY)
    assert text(_nodes(page, html.H1)[0]) == "Quarterly review, FY2023 Q1"
    status = next(n for n in walk(page) if getattr(n, "id", None) == "review-status")
    assert text(status) == "Status: Draft: today's numbers"
    expected = [m.measure_id for m in assemble(engine, catalogue, Q).measures]
    sections = [n.id for n in walk(page) if str(getattr(n, "id", "")).startswith("review-measure-section-")]
    assert sections == [f"review-measure-section-{m}" for m in expected]
    vba = _section(page, "vba-contact-trust")
    assert "Off track" in text(vba) and "Director, VBA Contact Center Operations" in text(vba)

    labels = {n.htmlFor for n in _nodes(page, html.Label)}
    inputs = _nodes(page, (dcc.Textarea, dcc.Input))
    assert len(inputs) == 3 * len(expected) + 7  # commentary x3 per measure (its author is who signed in); held-on, action x3, event x3
    assert all(review.dom_id(n.id) in labels for n in inputs)
    assert all(n.id in labels for n in _nodes(page, dcc.Dropdown))
    radios = _nodes(page, html.Fieldset)[0]
    assert text(_nodes(radios, html.Legend)[0]) == "Format" and _nodes(radios, dcc.RadioItems)
    levels = [int(type(n).__name__[1]) for n in walk(page) if type(n).__name__ in ("H1", "H2", "H3", "H4")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))  # no level skipped
    assert all(isinstance(n, html.Button) and n.type == "button"
               for n in walk(page) if "usa-button" in (getattr(n, "className", "") or "").split())


def test_update_follows_the_filters_and_a_service_brings_its_provider(app):
    provider, _options, service, title, _summary, content, query = review_page.update("FY2022Q4", "all", VBA[1])
    assert (provider, service, title) == (VBA[0], VBA[1], "Quarterly review, FY2022 Q4")
    assert query == ("?quarter=FY2022Q4&provider=Veterans+Benefits+Administration"
                     "&service=Contacting+the+Benefits+Administration+contact+center")
    assert [n.id for n in walk(html.Div(content)) if str(getattr(n, "id", "")).startswith("review-measure-section-")] \
        == ["review-measure-section-vba-contact-trust"]
    assert review_page.update("FY1999Q1")[3] == review_page.update()[3]  # an unknown quarter: the latest


def test_commentary_is_saved_redacted_and_shown_and_a_bad_one_refused(app, engine):
    ids = ["vha-outpatient-trust", "vba-contact-trust"]
    values = {"what_happened": "Trust fell after the migration; callers waited at 202-555-0143.",
              "why": "Hold times doubled.", "what_next": "", "author": "CX office"}
    feedback, version = review_page.commentary_submitted(ids, "vba-contact-trust", values, QUERY, {"n": 3})
    assert feedback == [no_update, no_update]
    assert version == {"n": 4, "notice": {"kind": "success", "where": "commentary:vba-contact-trust",
                                          "text": "Commentary saved for Veterans trust VA after contacting the "
                                                  "benefits contact center."}}
    stored = review_queries.commentary(engine, 2023, 1)["vba-contact-trust"]
    assert stored["what_happened"] == "Trust fell after the migration; callers waited at [phone]."
    # the author is who acts as the server knows it (sign-in off: the local administrator), never the form's value
    assert stored["author"] == "Local administrator" and stored["updated_at"] is not None

    *_, content = review_page.render(review_page.resolved(QUERY)[0], version["notice"])
    shown = _section(content, "vba-contact-trust")
    words = text(shown)
    assert "What happened" in words and "[phone]" in words and "Hold times doubled." in words
    assert "By Local administrator, last updated" in words and "What next" not in text(_nodes(shown, html.Dl)[0])
    alert = next(n for n in walk(shown) if "cx-review-notice" in (getattr(n, "className", "") or ""))
    assert alert.role == "status" and "Commentary saved" in text(alert)
    assert _nodes(shown, html.Details)[0].open is True  # the form just used stays open
    textarea = next(n for n in _nodes(shown, dcc.Textarea) if n.id["type"] == "review-why")
    assert textarea.value == "Hold times doubled."  # the form starts from what was saved

    feedback, version = review_page.commentary_submitted(ids, "vha-outpatient-trust", {"author": "X"}, QUERY,
                                                         {"n": 4})
    assert version is no_update and feedback[1] is no_update
    assert feedback[0].role == "alert"
    assert text(feedback[0]) == "Not saved: commentary: write at least one of what happened, why, what next"
    long = review_page.save_commentary(QUERY, "vha-outpatient-trust", {"why": "x" * 4001})
    assert long["kind"] == "error" and "why: 4001 characters; at most 4000" in long["text"]
    unknown = review_page.save_commentary(QUERY, "no-such-measure", {"why": "x"})
    assert unknown["text"] == "Not saved: measure: 'no-such-measure' is not in the catalog"


def test_an_action_past_due_is_late_then_done_then_late_again(app, engine, catalogue):
    notice = review_page.add_action(QUERY, {"kind": "action", "measure": "vba-contact-trust",
                                            "description": "Publish the staffing plan", "owner": "COO",
                                            "due": "2020-01-15"})
    assert notice == {"kind": "success", "text": "Action recorded: Publish the staffing plan", "where": "action-form"}
    review_page.add_action(QUERY, {"kind": "decision", "measure": review.NO_MEASURE,
                                   "description": "Fund the callback pilot", "due": ""})

    def rows():
        return review.action_rows(assemble(engine, catalogue, Q).actions)

    late, decision = rows()
    assert (late["state"], late["measure"], late["owner"], late["due"]) == (
        "Late", "Veterans trust VA after contacting the benefits contact center", "COO", "15 Jan 2020")
    assert (decision["kind"], decision["state"], decision["measure"]) == ("Decision", "Open", "No single measure")
    assert review_page.set_action_status(late["id"], "done") == {"kind": "success", "text": "Marked done.",
                                                                 "where": "actions"}
    assert rows()[0]["state"] == "Done"
    review_page.set_action_status(late["id"], "open")
    assert rows()[0]["state"] == "Late"

    *_, content = review_page.render(review_page.resolved(QUERY)[0])
    table = next(n for n in walk(html.Div(content)) if getattr(n, "id", None) == "review-actions-table")
    buttons = _nodes(table, html.Button)
    assert [b.id for b in buttons] == [{"type": "review-action-toggle", "action": late["id"], "to": "done"},
                                       {"type": "review-action-toggle", "action": decision["id"], "to": "done"}]
    assert "Late" in text(table) and "Publish the staffing plan" in text(table)

    refused = review_page.add_action(QUERY, {"kind": "action", "description": "  ", "due": "2020-01-15"})
    assert refused == {"kind": "error", "text": "Not recorded: description: required", "where": "action-form"}
    assert review_page.add_action(QUERY, {"description": "x", "due": "tomorrow"})["text"] == (
        "Not recorded: due date: 'tomorrow' is not a date (YYYY-MM-DD)")
    assert review_page.set_action_status(999, "done")["text"] == "Not changed: no action with id 999"
    feedback, version = review_page.written(refused, {"n": 1})
    assert version is no_update and feedback.role == "alert"


def test_events_are_added_in_the_pages_scope_listed_and_deleted(app, engine, catalogue):
    scoped = {"quarter": "FY2023Q1", "service": VBA[1]}  # the service brings its provider
    notice = review_page.add_annotation(scoped, {"date": "2022-11-01", "label": "Phone system migration",
                                                 "description": "New queues went live."})
    assert notice["text"] == "Event added: Phone system migration on 1 Nov 2022."
    review_page.add_annotation(QUERY, {"date": "2022-10-10", "label": "Agency-wide outage"})
    in_vba = review.annotation_rows(assemble(engine, catalogue, Q, *VBA).annotations)
    assert [(r["date"], r["label"], r["scope"]) for r in in_vba] == [
        ("10 Oct 2022", "Agency-wide outage", "All providers · All services"),
        ("1 Nov 2022", "Phone system migration", " · ".join(VBA))]
    everywhere = review.annotation_rows(assemble(engine, catalogue, Q).annotations)
    assert [r["label"] for r in everywhere] == ["Agency-wide outage"]  # a service's event stays on its charts

    assert review_page.add_annotation(QUERY, {"date": "", "label": "x"})["text"] == "Not added: event date: required"
    assert review_page.add_annotation(QUERY, {"date": "2022-11-01", "label": ""})["text"] == (
        "Not added: label: required")
    assert review_page.delete_annotation(in_vba[1]["id"])["text"] == "Event deleted."
    assert [r["label"] for r in review.annotation_rows(assemble(engine, catalogue, Q, *VBA).annotations)] == [
        "Agency-wide outage"]


def test_marking_the_review_held_freezes_it_and_lists_what_changed_since(app, engine, catalogue):
    review_page.save_commentary(QUERY, "vba-contact-trust", {"what_happened": "Before the review."})
    notice = review_page.freeze(QUERY, "2023-02-14")
    assert notice == {"kind": "success", "where": "freeze",
                      "text": "The review is marked as held on 14 Feb 2023; its numbers are frozen."}
    _title, summary, content = review_page.render(review_page.resolved(QUERY)[0])
    assert "Held on 14 Feb 2023: the numbers are frozen" in text(html.Div(summary))
    sentence = next(n for n in walk(html.Div(content)) if getattr(n, "id", None) == "review-changes-sentence")
    assert text(sentence) == "No number has changed since the review was held."
    assert not any(getattr(n, "id", None) == "review-freeze" for n in walk(html.Div(content)))

    # Data corrected after the review: the page keeps the held numbers and lists the difference.
    with engine.begin() as conn:
        held_value, = conn.execute(sql(
            "SELECT value FROM measure_result WHERE measure_id = 'vba-contact-trust' AND provider = 'all' AND "
            "service = 'all' AND channel = 'all' AND fiscal_year = 2023 AND fiscal_quarter = 1")).one()
        conn.execute(sql(
            "UPDATE measure_result SET value = value + 0.05 WHERE measure_id = 'vba-contact-trust' AND "
            "provider = 'all' AND service = 'all' AND channel = 'all' AND fiscal_year = 2023 AND fiscal_quarter = 1"))
    review_page.save_commentary(QUERY, "vba-contact-trust", {"what_happened": "After the review."})
    reading = review_page.read(Q, "all", "all")
    rows = review.difference_rows(reading.differences)
    assert [(r["measure"], r["what"], r["held"], r["today"]) for r in rows] == [
        ("Veterans trust VA after contacting the benefits contact center", "Value",
         format_value(held_value, "percent"), format_value(held_value + 0.05, "percent"))]
    *_, content = review_page.render(review_page.resolved(QUERY)[0])
    vba = _section(content, "vba-contact-trust")
    assert format_value(held_value, "percent") in text(vba)  # the frozen number
    assert "After the review." in text(vba)  # the latest commentary
    table = next(n for n in walk(html.Div(content)) if getattr(n, "id", None) == "review-changes-table")
    assert format_value(held_value + 0.05, "percent") in text(table)

    again = review_page.freeze(QUERY, "2023-02-15")
    assert again["kind"] == "error" and "already held on 14 Feb 2023" in again["text"]
    assert review_page.freeze(QUERY, "14/02/2023")["kind"] == "error"


def _children() -> set[int]:
    """This process's child processes (from /proc): a web request must start none."""
    import os
    from pathlib import Path
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def test_a_build_is_queued_followed_and_downloaded(app, engine):
    before = _children()
    with app.server.test_request_context("/review", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        app.server.preprocess_request()  # the sign-in guard: sign-in off, the local administrator
        job, disabled, progress, status, state = review_page.build_or_poll("review-build", "pptx", QUERY, None, None)
        # Four more identical requests at once return the same build; nothing is started.
        again = [review_page.build_or_poll("review-build", "pptx", QUERY, None, None) for _ in range(4)]
    assert {a[0] for a in again} == {job} and "already requested" in text(html.Div(again[0][3]))
    assert _children() == before  # the web tier starts no process
    stored = review_queries.packs(engine, 2023, 1, "all", "all")
    assert [(p["id"], p["status"], p["requested_by"], p["pid"]) for p in stored] == [
        (job, "queued", "Local administrator", None)]
    assert disabled is False and state == {"id": job, "status": "queued"}
    bar = _nodes(html.Div(progress), html.Progress)[0]
    assert (bar.id, bar.value, bar.max) == ("review-build-bar", "0.0", "1")
    assert _nodes(html.Div(progress), html.Label)[0].htmlFor == "review-build-bar"
    assert text(html.Div(status)) == "The PowerPoint pack is queued: it starts when the pack builder is free."
    assert review.pack_rows(stored)[0]["status"] == "Queued"

    # A worker claims it and writes its progress; a poll tick shows it and keeps polling.
    assert review_queries.claim_pack(engine, {"pid": None, "host": None}, limit=1) == job
    assert review_queries.claim_pack(engine, {"pid": None, "host": None}, limit=1) is None  # nothing else queued
    review_queries.update_pack(engine, job, progress=0.5, step="Rendering the scorecard")
    _, disabled, progress, status, state2 = review_page.poll_build(job, state)
    assert disabled is False and state2 == {"id": job, "status": "running"}
    assert _nodes(html.Div(progress), html.Progress)[0].value == "0.5"
    assert text(html.Div(status)) == "Building the PowerPoint pack: Rendering the scorecard."
    assert review_page.poll_build(job, state2)[4] is no_update  # same status: the history is not redrawn

    # Done: polling stops, a Download button appears and gives the file.
    review_queries.update_pack(engine, job, status="succeeded", progress=1.0, step="Ready", content=b"PK\x03\x04deck",
                               file_name="cx-review-FY2023Q1-all-services.pptx", message="Draft: today's numbers")
    _, disabled, progress, status, state3 = review_page.poll_build(job, state2)
    assert disabled is True and state3 == {"id": job, "status": "succeeded"}
    button = _nodes(html.Div(status), html.Button)[0]
    assert button.id == {"type": "review-pack-download", "pack": job, "where": "build"}
    assert text(button) == "Download the PowerPoint review pack"
    sent = review_page.pack_download(job)
    assert sent["filename"] == "cx-review-FY2023Q1-all-services.pptx" and sent["base64"] is True
    assert sent["type"] == review_page.packs.MEDIA_TYPES["pptx"]
    history = html.Div(review_page.history("FY2023Q1", "all", "all"))
    assert [b.id for b in _nodes(history, html.Button)] == [{"type": "review-pack-download", "pack": job,
                                                            "where": "history"}]
    assert "Ready (draft: today's numbers)" in text(history)
    assert review_page.poll_build(None, None)[1] is True
    # Finished, the same request queues a new build.
    assert review_page.build(QUERY, "pptx") == (job + 1, True)


CLAIM_AND_DIE = """
import sys
from cxdash.db import review_queries
from cxdash.db.engine import make_engine
from cxdash.processes import this_process
assert review_queries.claim_pack(make_engine(sys.argv[1]), this_process(), limit=1) == int(sys.argv[2])
raise SystemExit(3)
"""


def test_a_build_whose_process_died_is_reported_failed(app, engine):
    job, _ = review_page.build(QUERY, "pdf")
    subprocess.run([sys.executable, "-c", CLAIM_AND_DIE, engine.url.render_as_string(hide_password=False), str(job)],
                   check=False, timeout=60)
    assert review_queries.pack(engine, job)["status"] == "running"  # claimed by a process now gone
    _, disabled, _, status, state = review_page.poll_build(job, None)
    assert disabled is True and state == {"id": job, "status": "failed"}
    alert = _nodes(html.Div(status), html.Div)[1]
    assert "could not be built: the process stopped before finishing" in text(alert)
    assert review_queries.pack(engine, job)["status"] == "failed"
    assert review_page.pack_download(job) is no_update
    with pytest.raises(UserError, match="format: 'docx'"):
        review_page.build(QUERY, "docx")
    assert text(html.Div(review_page.start_build(QUERY, "docx")[3])).startswith("Not queued: format: 'docx'")
