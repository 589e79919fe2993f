"""Stored free text is redacted again when the redaction rules change (issue 17): review
commentary, decisions and actions, events, maturity evidence, rejected rows and the free text
inside a held review's JSON, as feedback items already were. Text stored under older rules is
made by writing through the normal functions, then putting a personal detail back and an older
version with plain SQL, as older rules would have left it."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, text

from cxdash import redaction
from cxdash.channels import ALL
from cxdash.compute import compute, redact_stored_again
from cxdash.db import access_queries
from cxdash.db.models import DataVersion
from cxdash.db.redaction_queries import snapshot_again
from cxdash.loaders import a11_quarterly, feedback
from cxdash.loaders import maturity as maturity_loader
from cxdash.maturity import load_model, record_rating
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.permissions import EVERYTHING, Principal
from cxdash.review import records, snapshots
from tests.conftest import CONFIG, all_text

Q = FiscalQuarter(2023, 1)
TRUST = "vha-outpatient-trust"
NAME, PHONE = "Maria Lopez", "410-555-0100"
DETAIL = f"{NAME} at {PHONE}"
OLD = "1"
WHO = Principal(username="ops-lead", role="administrator", scope=EVERYTHING, via="cli")
# (table, text column) of every row written below; each gets the detail back under an older version
STORED = (("review_commentary", "what_happened"), ("review_action", "description"), ("annotation", "description"),
          ("maturity_rating", "evidence"), ("feedback_item", "text_redacted"))


def _write_feedback_with_a_rejected_row(engine, folder):
    mapping = folder / "shifted.yaml"
    mapping.write_text(
        "name: shifted\nkind: feedback\nitem_key: id\ntext: text\n"
        "received_at: {column: when, date_format: '%Y-%m-%d %H:%M'}\n"
        "provider: {value: P}\nservice: {value: S}\nchannel: {value: email}\nstage: {column: topic}\n",
        encoding="utf-8")
    path = folder / "shifted.csv"
    path.write_text("id,text,when,topic\n"
                    "1,The form crashed,2022-01-05 10:00,start\n"
                    f"2,My name is {NAME}, call {PHONE},2022-01-05 10:00,start\n", encoding="utf-8")
    assert feedback.load(engine, path, mapping).rows_rejected == 1


def _write_maturity_with_a_rejected_row(engine, folder):
    path = folder / "maturity.csv"
    path.write_text("fiscal_year,dimension,level,status,evidence\n"
                    "2023,customer-research,1,met,Interviews each quarter\n"
                    f"2023,governance,1,sometimes,Ask {NAME} on {PHONE}\n", encoding="utf-8")
    assert maturity_loader.load(engine, path).rows_rejected == 1


def _leaves(node, path=()):
    """Every value of a JSON document that is not text, by its path: the held review's numbers."""
    if isinstance(node, dict):
        return {k: v for key, child in node.items() for k, v in _leaves(child, (*path, key)).items()}
    if isinstance(node, list):
        return {k: v for i, child in enumerate(node) for k, v in _leaves(child, (*path, i)).items()}
    return {} if isinstance(node, str) else {path: node}


def _data_version(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(DataVersion.version)).scalar_one()


def _stored_under_older_rules(engine) -> str:
    """Put the detail back into every stored text and mark it older; returns the snapshot's JSON."""
    with engine.begin() as conn:
        for table, column in STORED:
            conn.execute(text(f"UPDATE {table} SET {column} = {column} || :detail, redaction_version = :old"),
                         {"detail": f" {DETAIL}", "old": OLD})
        conn.execute(text("UPDATE rejected_row SET raw = REPLACE(raw, '[name]', :name), redaction_version = NULL"),
                     {"name": NAME})
        conn.execute(text("UPDATE review_snapshot SET contents = REPLACE(contents, '[phone]', :phone), "
                          "redaction_version = :old"), {"phone": PHONE, "old": OLD})
        return conn.execute(text("SELECT contents FROM review_snapshot")).scalar_one()


def test_text_stored_under_older_rules_is_redacted_again_everywhere(engine, catalogue, tmp_path, real_quarterly_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    _write_feedback_with_a_rejected_row(engine, tmp_path)
    _write_maturity_with_a_rejected_row(engine, tmp_path)
    compute(engine, catalogue, who=WHO)
    records.save_commentary(engine, catalogue, TRUST, Q, what_happened=f"Call {PHONE} was late", author="CX office")
    records.add_action(engine, catalogue, Q, description=f"Ring back on {PHONE}", owner="Service lead")
    records.add_annotation(engine, event_date=dt.date(2022, 11, 15), label="Phone outage",
                           description=f"Lines down; report to {PHONE}")
    record_rating(engine, load_model(CONFIG / "maturity.yaml"), 2023, "governance", 1, "met",
                  evidence=f"Reviewed monthly, call {PHONE}")
    snapshots.freeze(engine, catalogue, Q, ALL, ALL, held_on=dt.date(2023, 1, 25))
    assert not any(PHONE in v or NAME in v for v in all_text(engine))  # the normal writes redacted it
    held = _stored_under_older_rules(engine)
    assert held.count(PHONE) == 4  # commentary, action, event and evidence, as the review held them
    assert sum(PHONE in v or NAME in v for v in all_text(engine)) == 9

    report = compute(engine, catalogue, who=WHO)

    assert not any(PHONE in v or NAME in v for v in all_text(engine))
    expected = {"feedback_item": 1, "review_commentary": 1, "review_action": 1, "annotation": 1,
                "maturity_rating": 2, "review_snapshot": 1, "rejected_row": 2}
    assert report.redacted_again == expected
    with engine.connect() as conn:
        for table in (*{t for t, _ in STORED}, "review_snapshot", "rejected_row"):
            versions = conn.execute(text(f"SELECT DISTINCT redaction_version FROM {table}")).scalars().all()
            assert versions == [redaction.VERSION], table
        after = conn.execute(text("SELECT contents FROM review_snapshot")).scalar_one()
    assert _leaves(json.loads(after)) == _leaves(json.loads(held)) != {}  # not one number moved
    frozen = snapshots.frozen(engine, Q, ALL, ALL)[1]
    assert frozen.measure(TRUST).commentary.what_happened == "Call [phone] was late"
    [event] = access_queries.events(engine, action="text.redact_again")
    assert (event["username"], event["via"]) == ("ops-lead", "cli")
    assert json.loads(event["details"]) == {"rows": expected, "old_versions": ["1", "none"],
                                            "new_version": redaction.VERSION}

    again = compute(engine, catalogue, who=WHO)
    assert again.redacted_again == {} and "redacted stored text again" not in again.summary()
    assert len(access_queries.events(engine, action="text.redact_again")) == 1


def test_redacting_again_commits_with_its_audit_event_and_a_new_data_version(engine, tmp_path):
    _write_feedback_with_a_rejected_row(engine, tmp_path)
    assert redact_stored_again(engine, WHO, dt.datetime.now(dt.UTC)) == {}  # written under today's rules
    with engine.begin() as conn:  # feedback items have no data_version trigger: the stamp is compute's to bump
        conn.execute(text("UPDATE feedback_item SET text_redacted = :d, redaction_version = NULL"), {"d": DETAIL})
    before = _data_version(engine)
    assert redact_stored_again(engine, WHO, dt.datetime.now(dt.UTC)) == {"feedback_item": 1}
    # committed on its own, before compute goes on: a compute killed later leaves it done and recorded
    assert _data_version(engine) == before + 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT text_redacted FROM feedback_item")).scalar_one() == "[name] at [phone]"
    assert len(access_queries.events(engine, action="text.redact_again")) == 1


def test_a_review_held_before_compute_redacted_its_text_again_is_redacted_again(engine, catalogue):
    records.add_action(engine, catalogue, Q, description="Ring back [phone]")
    with engine.begin() as conn:  # an action stored under older rules, not yet redacted again
        conn.execute(text("UPDATE review_action SET description = :d, redaction_version = :old"),
                     {"d": f"Ring back {PHONE}", "old": OLD})
    snapshots.freeze(engine, catalogue, Q, ALL, ALL, held_on=dt.date(2023, 1, 25))
    assert PHONE in snapshots.frozen(engine, Q, ALL, ALL)[1].actions[0].description
    assert compute(engine, catalogue, who=WHO).redacted_again == {"review_action": 1, "review_snapshot": 1}
    assert snapshots.frozen(engine, Q, ALL, ALL)[1].actions[0].description == "Ring back [phone]"


def test_only_the_free_text_of_a_held_review_is_redacted_again():
    held = {"measures": [{"name": "Trust Mr Brown", "value": 0.7123456789012345, "n": 1204,
                          "commentary": {"what_happened": f"Call {PHONE}", "why": "", "author": "Mr Brown"}}],
            "actions": [{"id": 7, "description": f"Email {NAME}", "owner": "Mr Brown"}],
            "annotations": [], "maturity": {"dimensions": [{"level": 2, "evidence": f"Ask {NAME}"}]}}
    again = json.loads(snapshot_again(json.dumps(held)))
    assert again["measures"][0]["commentary"]["what_happened"] == "Call [phone]"
    assert again["actions"][0]["description"] == "Email [name]"
    assert again["maturity"]["dimensions"][0]["evidence"] == "Ask [name]"
    # names, owners and authors are not free text people wrote about customers: as they were
    assert again["measures"][0]["name"] == "Trust Mr Brown" and again["actions"][0]["owner"] == "Mr Brown"
    assert again["measures"][0]["commentary"]["author"] == "Mr Brown"
    assert _leaves(again) == _leaves(held)


def test_a_rejected_maturity_row_keeps_only_its_evidence_redacted(sqlite_engine, tmp_path):
    _write_maturity_with_a_rejected_row(sqlite_engine, tmp_path)
    with sqlite_engine.connect() as conn:
        raw = json.loads(conn.execute(text("SELECT raw FROM rejected_row")).scalar_one())
    assert raw["evidence"] == "Ask [name] on [phone]" and raw["status"] == "sometimes"


def test_a_rejected_rows_reason_quoting_a_personal_detail_is_redacted_again(engine, catalogue, tmp_path):
    """A feedback row whose comment had an unquoted comma: the comment's second half lands in the
    time column, and the reason quotes it. Stored under older rules, compute redacts the reason
    with the row's cells; a maturity reason about a cell that is kept as given (its status) is kept."""
    _write_feedback_with_a_rejected_row(engine, tmp_path)
    _write_maturity_with_a_rejected_row(engine, tmp_path)
    fmt = "as date format '%Y-%m-%d %H:%M'"
    with engine.begin() as conn:
        conn.execute(text("UPDATE rejected_row SET field = 'when', reason = :reason, redaction_version = :old "
                          "WHERE load_run_id IN (SELECT id FROM load_run WHERE kind = 'feedback')"),
                     {"reason": f"cannot read ' call {DETAIL}' {fmt}", "old": OLD})
        conn.execute(text("UPDATE rejected_row SET reason = :reason, redaction_version = NULL "
                          "WHERE load_run_id IN (SELECT id FROM load_run WHERE kind = 'maturity')"),
                     {"reason": "status 'Hodan' is not one of met, partly met, not met"})

    report = compute(engine, catalogue, who=WHO)

    assert report.redacted_again["rejected_row"] == 2
    with engine.connect() as conn:
        reasons = dict(conn.execute(text("SELECT l.kind, r.reason FROM rejected_row r "
                                         "JOIN load_run l ON l.id = r.load_run_id")).all())
        versions = conn.execute(text("SELECT DISTINCT redaction_version FROM rejected_row")).scalars().all()
    assert reasons["feedback"] == f"cannot read ' call [name] at [phone]' {fmt}"
    assert redaction.redact("Hodan").text == "[name]"  # today's rules would change it, were it a redacted cell
    assert reasons["maturity"] == "status 'Hodan' is not one of met, partly met, not met"
    assert versions == [redaction.VERSION]
