"""Roles, grants and the audit trail against a real database with the real A-11 quarterly file
loaded and computed, signed in through the real sign-in form: the functions the callbacks call run
inside a request that passed the real sign-in guard (Flask's test client keeps that request's
context open), so who acts, their role and their grants come from the session and the database,
as on the served pages. A viewer cannot write; a contributor of one provider sees no other
provider anywhere (filters, pages, chart tables, a built pack); every write lands in the audit
trail with its user; a wrongful freeze is reopened and both stay in the trail."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from click.testing import CliRunner
from plotly.io.json import to_json_plotly
from pptx import Presentation
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from cxdash import accounts, audit
from cxdash.cli import main
from cxdash.dashboard import callbacks, data
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import OidcSettings, SignIn
from cxdash.dashboard.views import audit_page, maturity_page, review_page
from cxdash.db import access_queries, review_queries
from cxdash.permissions import EVERYTHING, Principal, Scope
from cxdash.presentation.scorecard import NOTHING_GRANTED
from cxdash.review import packs

from .conftest import QUARTERLY, quarterly_sqlite
from .signing import add_account, signed_in_client

VHA = "Veterans Health Administration"
VBA = "Veterans Benefits Administration"
Q = {"quarter": "FY2023Q1"}


# --- storage: SQLite and PostgreSQL --------------------------------------------------------------

def test_audit_trail_is_append_only_and_grants_are_kept(engine):
    who = Principal("rivera", "contributor", EVERYTHING, via="local")
    first = audit.record(engine, who, "commentary.save", "vha-outpatient-trust", provider=VHA, details={"a": 1})
    audit.record(engine, who, "review.freeze", "FY2023Q1")
    rows = audit.events(engine)
    assert [r["action"] for r in rows] == ["review.freeze", "commentary.save"]  # newest first
    assert rows[1]["username"] == "rivera" and rows[1]["provider"] == VHA and json.loads(rows[1]["details"]) == {"a": 1}
    assert rows[1]["at"] is not None
    # The database refuses to change or remove an event, whoever asks.
    for statement in (f"UPDATE audit_event SET username = 'someone else' WHERE id = {first}",
                      f"DELETE FROM audit_event WHERE id = {first}", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sql(statement))
    assert len(audit.events(engine)) == 2
    # Grants: stored once, read back as the account's scope, taken back.
    accounts.add(engine, "rivera", "a long enough password", role="contributor")
    assert accounts.access(engine, "rivera") == ("contributor", Scope())
    assert accounts.grant(engine, "rivera", VHA, "all", "tests") is True
    assert accounts.grant(engine, "rivera", VHA, "all", "tests") is False
    accounts.grant(engine, "rivera", VBA, "Contacting the Benefits Administration contact center", "tests")
    role, scope = accounts.access(engine, "rivera")
    assert role == "contributor" and scope.allows(VHA, "all") and not scope.allows(VBA, "all")
    assert scope.allows(VBA, "Contacting the Benefits Administration contact center")
    assert accounts.revoke(engine, "rivera", VHA, "all") and not accounts.access(engine, "rivera")[1].allows(VHA, "all")
    accounts.grant(engine, "rivera", "all", "all", "tests")
    assert accounts.access(engine, "rivera")[1] == EVERYTHING
    accounts.disable(engine, "rivera")
    assert accounts.access(engine, "rivera") is None


# --- the dashboard, signed in ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def db(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("access") / "cx.db", catalogue, QUARTERLY)
    from cxdash.initiatives import load_register, register_path, sync
    assert sync(eng, load_register(register_path(None), catalogue)) > 1  # the Portfolio page has other providers'
    add_account(eng, "vee.viewer", name="Vee Viewer", role="viewer")
    add_account(eng, "cee.vha", name="Cee Contributor", role="contributor", grants=[(VHA, "all")])
    add_account(eng, "lee.vha", name="Lee Lead", role="review_lead", grants=[(VHA, "all")])
    add_account(eng, "ada.admin", name="Ada Admin", role="administrator", grants=[])
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(db, catalogue):
    return create_app(db, catalogue)  # sign-in on, as by default


def _as(app, username):
    """A test client signed in through the form; `with client:` then keeps the next request's
    context (the guard has set who it is) open for the functions the callbacks call."""
    return signed_in_client(app, username)


def _acting(client):
    client.get("/_dash-layout")  # a real request through the sign-in guard


def _others(catalogue) -> list[str]:
    """Every provider and service name that is not VHA's: none may reach a VHA contributor."""
    names = set()
    for s in catalogue.services:
        if s.provider != VHA:
            names |= {s.provider, " ".join(s.name.split())}
    return sorted(names)


def _leaks(tree, names) -> list[str]:
    text = to_json_plotly(tree) if not isinstance(tree, str) else tree
    return [n for n in names if n in text]


def test_a_viewer_cannot_write_and_is_told_why(app, db):
    client = _as(app, "vee.viewer")
    with client:
        _acting(client)
        refused = [
            review_page.save_commentary(Q, "vha-outpatient-trust", {"what_happened": "Trust fell."}),
            review_page.add_action(Q, {"kind": "action", "measure": "vha-outpatient-trust", "description": "Do it"}),
            review_page.add_annotation(Q, {"date": "2022-11-01", "label": "Outage"}),
            review_page.freeze(Q, "2023-02-14"),
        ]
        started = review_page.start_build(Q, "pptx")
        rating = maturity_page.record("FY2023", {"dimension": "governance", "level": 1, "status": "met"})
    assert [n["kind"] for n in refused] == ["error"] * 4
    assert refused[0]["text"] == ("Not saved: your role (viewer) cannot save commentary; ask an administrator if you "
                                  "need to")
    assert "cannot record decisions and actions" in refused[1]["text"]
    assert "cannot add or delete events" in refused[2]["text"] and "cannot mark a review as held" in refused[3]["text"]
    assert "Not queued: your role (viewer) cannot build review packs" in to_json_plotly(started[3])
    assert rating["kind"] == "error" and "cannot save maturity ratings" in rating["text"]
    assert review_queries.commentary(db, 2023, 1) == {} and review_queries.packs(db) == []
    assert review_queries.snapshot(db, 2023, 1, "all", "all") is None
    assert not [e for e in audit.events(db) if e["username"] == "vee.viewer"]
    # Through Dash's own endpoint, as the browser sends it: answered, the message in the response.
    from .test_sign_in import _commentary_request
    saving = next(d for d in client.get("/_dash-dependencies").json if "review-commentary-save" in str(d["inputs"]))
    answer = client.post("/_dash-update-component", json=_commentary_request(saving["output"]))
    assert answer.status_code == 200 and "your role (viewer) cannot save commentary" in answer.text
    assert review_queries.commentary(db, 2023, 1) == {}
    # The audit trail is for administrators: the page says so, a machine request gets 403.
    with client:
        _acting(client)
        assert "Not shown: your role (viewer) cannot read the audit trail" in to_json_plotly(audit_page.layout({}))
    assert client.get("/audit.csv").status_code == 403


def test_a_contributor_of_one_provider_sees_no_other_provider_anywhere(app, db, catalogue):
    others = _others(catalogue)
    client = _as(app, "cee.vha")
    with client:
        _acting(client)
        assert data.scope() == Scope.of([(VHA, "all")])
        # Every page, opened plainly and with a link to another provider, a service of it, or everything.
        from cxdash.dashboard.views import (
            data_page,
            equity_page,
            journey_page,
            maturity_page,
            operations_page,
            portfolio_page,
            scorecard_page,
            service_page,
            voice_page,
        )
        pages = [scorecard_page, journey_page, service_page, operations_page, voice_page, equity_page, review_page,
                 portfolio_page, maturity_page, data_page]
        for query in ({}, {"provider": VBA}, {"provider": "all"},
                      {"service": "Contacting the Benefits Administration contact center"}):
            for page in pages:
                assert _leaks(page.layout({**Q, **query}), others) == [], (page.__name__, query)
            # The filter callbacks (what a dropdown change returns) and the scorecard's.
            for name in callbacks.FILTER_PAGES:
                view = __import__(f"cxdash.dashboard.views.{name}", fromlist=["FILTERS"])
                values = {k: query.get(k) for k in view.FILTERS}
                assert _leaks(callbacks.page_update(name, **{**values, "quarter": "FY2023Q1"}), others) == [], name
            shown = callbacks.scorecard_update("FY2023Q1", query.get("provider"), query.get("service"), None)
            assert shown[0] == VHA and _leaks(shown, others) == []
            assert review_page.update("FY2023Q1", query.get("provider"), query.get("service"))[0] == VHA
        # The scorecard shows VHA's own figure, never the agency-wide roll-up.
        cards = callbacks.scorecard_update("FY2023Q1", "all", None, None)
        assert "Of 1 measure in FY2023 Q1" in to_json_plotly(cards[3])
        # Chart CSV downloads: made from the tables the page holds, which hold only VHA.
        layout = json.loads(to_json_plotly(scorecard_page.layout({**Q, "provider": VBA})))
        specs = _specs(layout)
        assert specs
        for spec in specs:
            csv_file = callbacks.chart_file({"format": "csv", "path": "/"}, spec)
            assert _leaks(csv_file["content"], others) == []
    # A cross-agency person sees the agency-wide scorecard (the test is able to fail).
    with _as(app, "vee.viewer") as everyone:
        _acting(everyone)
        assert _leaks(callbacks.scorecard_update("FY2023Q1", "all", None, None), others)


def _specs(tree) -> list[dict]:
    found = []
    if isinstance(tree, dict):
        props = tree.get("props") if isinstance(tree.get("props"), dict) else None
        if props and isinstance(props.get("id"), dict) and props["id"].get("type") == "chart-spec":
            found.append(props["data"])
        for value in tree.values():
            found += _specs(value)
    elif isinstance(tree, list):
        for value in tree:
            found += _specs(value)
    return found


def test_writes_are_checked_against_the_grant_and_attributed_in_the_trail(app, db, catalogue):
    client = _as(app, "cee.vha")
    with client:
        _acting(client)
        mine = review_page.save_commentary(Q, "vha-outpatient-trust", {"what_happened": "Waits fell."})
        theirs = review_page.save_commentary(Q, "vba-contact-trust", {"what_happened": "Not mine."})
        action = review_page.add_action(Q, {"kind": "action", "measure": "vha-outpatient-trust",
                                            "description": "Extend clinic hours", "owner": "COO"})
        agency = review_page.add_action(Q, {"kind": "decision", "measure": "", "description": "Agency-wide"})
        event = review_page.add_annotation(Q, {"date": "2022-11-01", "label": "New scheduling system"})
        freeze = review_page.freeze(Q, "2023-02-14")
    assert mine["kind"] == "success" and action["kind"] == "success" and event["kind"] == "success"
    assert theirs["kind"] == "error" and "covers services outside those you are granted" in theirs["text"]
    assert agency["kind"] == "error" and "agency-wide" in agency["text"]
    assert freeze["kind"] == "error" and "your role (contributor) cannot mark a review as held" in freeze["text"]
    assert set(review_queries.commentary(db, 2023, 1)) == {"vha-outpatient-trust"}
    assert review_queries.commentary(db, 2023, 1)["vha-outpatient-trust"]["author"] == "Cee Contributor"
    trail = [e for e in audit.events(db) if e["username"] == "cee.vha"]
    assert [e["action"] for e in reversed(trail)] == ["commentary.save", "action.add", "event.add"]
    assert all(e["via"] == "local" and e["provider"] == VHA for e in trail)
    event_id = int(trail[0]["target"])
    with _as(app, "ada.admin") as admin:  # an administrator deletes it: attributed too
        _acting(admin)
        assert review_page.delete_annotation(event_id)["kind"] == "success"
    assert audit.events(db, action="event.delete")[0]["username"] == "ada.admin"


def test_a_wrongful_freeze_is_reopened_with_a_reason_and_both_stay_in_the_trail(app, db, catalogue):
    client = _as(app, "lee.vha")
    vha = {**Q, "provider": VHA}
    with client:
        _acting(client)
        assert review_page.freeze(vha, "1999-01-01")["kind"] == "success"  # the wrong day
        assert review_page.freeze(vha, "2023-02-14")["kind"] == "error"  # held already
        assert review_page.reopen(vha, "")["kind"] == "error"  # a reason is required
        reopened = review_page.reopen(vha, "Held on the wrong day by mistake")
        assert reopened["kind"] == "success" and "held on 1 Jan 1999" in reopened["text"]
        assert review_page.freeze(vha, "2023-02-14")["kind"] == "success"
    held = review_queries.snapshot(db, 2023, 1, VHA, "all")
    assert held["held_on"] == dt.date(2023, 2, 14)
    trail = [e for e in reversed(audit.events(db)) if e["action"].startswith("review.")]
    assert [(e["action"], e["username"]) for e in trail] == [
        ("review.freeze", "lee.vha"), ("review.reopen", "lee.vha"), ("review.freeze", "lee.vha")]
    undone = json.loads(trail[1]["details"])
    assert undone["reason"] == "Held on the wrong day by mistake" and undone["held_on"] == "1999-01-01"
    assert json.loads(undone["contents"])["frozen_on"] == "1999-01-01"  # what was frozen is kept
    assert json.loads(trail[0]["details"])["held_on"] == "1999-01-01"


def test_a_pack_built_for_one_provider_names_no_other_and_only_its_people_download_it(app, db, catalogue):
    others = _others(catalogue)
    client = _as(app, "lee.vha")
    with client:
        _acting(client)
        pack_id, *_ = review_page.start_build({**Q, "provider": "all"}, "pptx")  # 'all' resolves to VHA
    assert isinstance(pack_id, int)
    assert review_queries.pack(db, pack_id)["status"] == "queued"  # the web tier only queues it
    assert packs.work(db, catalogue, once=True) == 1  # the pack worker builds it
    pack = review_queries.pack(db, pack_id)
    assert pack["status"] == "succeeded", pack["message"]
    assert (pack["provider"], pack["service"]) == (VHA, "all")
    _, content = review_queries.pack_file(db, pack_id)
    words = _pptx_text(content)
    assert VHA in words and _leaks(words, others) == []
    assert audit.events(db, action="pack.build")[0]["username"] == "lee.vha"
    # Someone granted only another provider cannot download it: 403 through Dash.
    add_account(db, "vic.vba", name="Vic", role="viewer", grants=[(VBA, "all")])
    other = _as(app, "vic.vba")
    with other:
        _acting(other)
        from cxdash.permissions import Refused
        with pytest.raises(Refused):
            review_page.pack_download(pack_id)
    with client:
        _acting(client)
        assert review_page.pack_download(pack_id)["filename"].endswith(".pptx")


def _pptx_text(content: bytes) -> str:
    deck = Presentation(io.BytesIO(content))
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            parts.append(shape.name)
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False) and shape.has_chart:
                chart = shape.chart
                parts += [str(c) for plot in chart.plots for c in plot.categories]
                parts += [s.name for plot in chart.plots for s in plot.series]
            parts.append(shape._element.xml)  # alt text (descr) and anything else in the shape
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def test_the_audit_trail_page_and_csv_for_administrators(app, db):
    runner = CliRunner()
    url = db.url.render_as_string(hide_password=False)
    granted = runner.invoke(main, ["users", "grant", "vee.viewer", "--provider", '=HYPERLINK("http://x.test")',
                                   "--db", url])
    assert granted.exit_code == 0, granted.output
    assert runner.invoke(main, ["users", "grant", "vee.viewer", "--db", url]).exit_code == 1  # nothing named
    client = _as(app, "ada.admin")
    answer = client.get("/audit.csv?action=user.grant")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0] == "When (UTC),Who,Signed in via,What,On,Provider,Service,Details"
    assert any(",cli,user.grant,vee.viewer,\"'=HYPERLINK(\"\"http://x.test\"\")\",all," in line for line in lines), lines
    with client:
        _acting(client)
        page = to_json_plotly(audit_page.layout({}))
        assert "audit-table" in page and "cee.vha" in page and "commentary.save" in page
        only = to_json_plotly(audit_page.update("cee.vha", "commentary.save", None, None))
        assert "cee.vha" in only and "lee.vha" not in only
        csv_file = audit_page.csv_download(None, "user.grant", None, None)
        assert "'=HYPERLINK" in csv_file["content"] and ",=HYPERLINK" not in csv_file["content"]
    assert access_queries.events(db, username="nobody") == []


# --- the identity provider's groups, through the session ------------------------------------------

def test_oidc_groups_map_to_role_and_providers_from_access_yaml(db, catalogue, tmp_path, monkeypatch):
    (tmp_path / "access.yaml").write_text(
        f"groups:\n  vha-cx:\n    role: contributor\n    providers: [{VHA}]\n"
        "  executives:\n    role: viewer\n    all: true\n")
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    oidc = OidcSettings(issuer="https://login.example.gov", client_id="cxdash", client_secret="s")
    app = create_app(db, catalogue, sign_in=SignIn(oidc=oidc, local_accounts=False))
    client = app.server.test_client()

    def session_as(groups):
        with client.session_transaction() as session:
            session["user"] = {"username": "o.person", "name": "O. Person", "via": "oidc", "subject": "s-1",
                               "groups": groups}

    session_as(["vha-cx", "unmapped"])
    with client:
        _acting(client)
        assert data.scope() == Scope.of([(VHA, "all")])
        assert review_page.save_commentary(Q, "vha-outpatient-trust", {"why": "Staffing."})["kind"] == "success"
        assert review_page.save_commentary(Q, "vba-contact-trust", {"why": "Not mine."})["kind"] == "error"
        assert review_page.freeze(Q, "2023-02-14")["kind"] == "error"
    event = audit.events(db, username="o.person")[0]
    assert (event["action"], event["via"]) == ("commentary.save", "oidc")
    session_as(["executives"])
    with client:
        _acting(client)
        assert data.scope() == EVERYTHING
        assert "your role (viewer) cannot" in review_page.save_commentary(Q, "vha-outpatient-trust", {"why": "x"})["text"]
    session_as(["someone-else"])
    with client:
        _acting(client)
        assert data.scope().nothing
        nothing = callbacks.scorecard_update("FY2023Q1", "all", None, None)
        assert nothing[0] == NOTHING_GRANTED and nothing[4] == ""  # no roll-up; nothing in the address
        assert "You have not been granted any provider" in to_json_plotly(nothing[3])
        assert _leaks(nothing, _others(catalogue) + [VHA]) == []


# --- loads: the CLI as the operating-system user, the scheduler as 'scheduler' ----------------------

def test_loads_are_attributed_to_the_os_user_or_the_scheduler(tmp_path, catalogue):
    import getpass

    from cxdash import paths
    from cxdash.db.engine import make_engine
    from cxdash.scheduler import run_source_job
    url = f"sqlite:///{tmp_path / 'loads.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    loaded = runner.invoke(main, ["load", "a11-quarterly", str(QUARTERLY), "--no-compute", "--db", url])
    assert loaded.exit_code == 0, loaded.output
    status = run_source_job(url, str(paths.catalogue_path()), str(paths.sources_path()), "sample-a11-quarterly")
    assert status in ("succeeded", "unchanged")
    engine = make_engine(url)
    try:
        trail = list(reversed(audit.events(engine)))
    finally:
        engine.dispose()
    assert [(e["action"], e["username"], e["via"]) for e in trail] == [
        ("file.load", getpass.getuser(), "cli"), ("source.load", "scheduler", "scheduler")]
    assert trail[0]["target"] == str(QUARTERLY) and json.loads(trail[0]["details"])["rows_loaded"] > 0
    assert json.loads(trail[1]["details"])["status"] == status
