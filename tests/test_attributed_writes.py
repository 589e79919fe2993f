"""Every page write and its audit event commit together (issue 15): while the database refuses
audit events (a trigger stands in for any failure at that moment: a full disk, a lost connection),
no page change is stored and the page says "Not saved" with the form kept; once it accepts them,
each change is stored with exactly one event naming who made it. On SQLite and PostgreSQL."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import text

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import maturity_page, review_page
from cxdash.db import access_queries, review_queries
from cxdash.review import snapshots

from .test_components import text as rendered_text

QUERY = {"quarter": "FY2023Q1", "provider": "VBA", "service": "all"}
MEASURE = "vba-contact-trust"
COMMENTARY = {"what_happened": "Trust fell after the phone migration.", "why": "Hold times doubled.",
              "what_next": "Callbacks at peak hours."}
ACTION = {"kind": "action", "measure_id": MEASURE, "description": "Add callbacks at peak hours",
          "owner": "Contact center lead", "due_date": "2023-06-30"}
EVENT = {"date": "2023-01-15", "label": "Phone system migration", "description": ""}
RATING = {"dimension": "measurement", "level": 2, "status": "met", "evidence": "Quarterly A-11 survey"}

REFUSE = {
    "sqlite": ["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event BEGIN "
               "SELECT RAISE(ABORT, 'audit trail unavailable'); END"],
    "postgresql": ["CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
                   "$$ BEGIN RAISE EXCEPTION 'audit trail unavailable'; END $$",
                   "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION refuse_audit()"],
}
ACCEPT = {"sqlite": ["DROP TRIGGER refuse_audit"],
          "postgresql": ["DROP TRIGGER refuse_audit ON audit_event", "DROP FUNCTION refuse_audit()"]}


@contextlib.contextmanager
def audit_refused(engine):
    with engine.begin() as conn:
        for statement in REFUSE[engine.dialect.name]:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for statement in ACCEPT[engine.dialect.name]:
                conn.execute(text(statement))


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture
def app(engine, catalogue, real_quarterly_path):
    """The real quarterly figures in a fresh database of each kind, served without sign-in (so the
    one local administrator makes every change)."""
    from cxdash.compute import compute
    from cxdash.loaders import a11_quarterly
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    compute(engine, catalogue)
    application = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    with application.server.app_context():
        yield application


def _writes(engine):
    """(name, the page function's call): every write the pages offer."""
    def action_id():
        with engine.connect() as conn:
            return conn.execute(text("SELECT max(id) FROM review_action")).scalar_one()

    def event_id():
        return review_queries.annotations(engine, "VBA")[0]["id"]

    return [  # each changes what _stored counts
        ("commentary", lambda: review_page.save_commentary(QUERY, MEASURE, dict(COMMENTARY))),
        ("action", lambda: review_page.add_action(QUERY, dict(ACTION))),
        ("action done", lambda: review_page.set_action_status(action_id(), "done")),
        ("event", lambda: review_page.add_annotation(QUERY, dict(EVENT))),
        ("event deleted", lambda: review_page.delete_annotation(event_id())),
        ("freeze", lambda: review_page.freeze(QUERY, "2023-02-10")),
        ("reopen", lambda: review_page.reopen(QUERY, "Held on the wrong day by mistake")),
        ("maturity", lambda: maturity_page.record(2023, dict(RATING))),
    ]


def _stored(engine) -> dict:
    """Everything a page write can change."""
    tables = ("review_commentary", "review_action", "annotation", "review_snapshot", "maturity_rating")
    with engine.connect() as conn:
        done = conn.execute(text("SELECT count(*) FROM review_action WHERE status = 'done'")).scalar_one()
    return {**{t: _count(engine, t) for t in tables}, "done": done}


def test_a_change_whose_audit_event_fails_is_not_stored(app, engine):
    for name, write in _writes(engine):
        before, events_before = _stored(engine), _count(engine, "audit_event")
        with audit_refused(engine):
            notice = write()
        assert notice["kind"] == "error", name
        assert notice["text"].startswith("Not "), (name, notice["text"])
        assert "try again" in notice["text"], name
        assert _stored(engine) == before, f"{name}: stored without its audit event"
        assert _count(engine, "audit_event") == events_before
        # the same change, once the trail accepts events: stored, with one event by the local administrator
        assert write()["kind"] == "success", name
        assert _stored(engine) != before, name
        events = access_queries.events(engine, limit=None)
        assert len(events) == events_before + 1, name
        assert events[0]["username"] and events[0]["via"] == "no-sign-in", name


def test_a_pack_request_whose_audit_event_fails_is_not_queued(app, engine):
    with audit_refused(engine):
        _job, _disabled, _progress, status, _state = review_page.start_build(QUERY, "pptx")
    assert "Not queued" in " ".join(rendered_text(part) for part in status)
    assert review_queries.packs(engine, limit=100) == []
    pack_id, new = review_page.build(QUERY, "pptx")
    assert new and [p["id"] for p in review_queries.packs(engine, limit=100)] == [pack_id]
    assert access_queries.events(engine, action="pack.build", limit=None)[0]["target"] == str(pack_id)
    assert review_page.build(QUERY, "pptx") == (pack_id, False)  # the same open build, not a second


def test_a_refused_freeze_records_nothing(app, engine, catalogue):
    snapshots.freeze(engine, catalogue, *review_page.scope(QUERY))
    events = _count(engine, "audit_event")
    notice = review_page.freeze(QUERY, "1999-01-01")
    assert notice["kind"] == "error" and "already held" in notice["text"]
    assert _count(engine, "audit_event") == events
