"""Stored sentiment is scored again when the sentiment rules change (metrics.sentiment.VERSION), as
stored text is redacted again when the redaction rules do. Items scored under other rules are made
by loading the shipped sample and then writing an older version and a wrong label with plain SQL;
the right labels come from VADER run here and the documented rule written out in independent.py."""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import inspect as source_code
import json

import numpy as np
import pandas as pd
import pytest
from alembic import command
from sqlalchemy import event, inspect, or_, select, text
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cxdash import redaction
from cxdash.compute import compute, rescore_stored_sentiment
from cxdash.db import access_queries, queries
from cxdash.db.engine import alembic_config, upgrade
from cxdash.db.models import DataVersion, FeedbackItem
from cxdash.loaders import feedback
from cxdash.metrics import sentiment
from cxdash.permissions import EVERYTHING, Principal

from .conftest import SAMPLE, migrated_engine
from .independent import vader_label

COMPLAINTS = SAMPLE / "complaints_SYNTHETIC.csv"
WHO = Principal(username="ops-lead", role="administrator", scope=EVERYTHING, via="cli")
VADER = SentimentIntensityAnalyzer()
WRONG = "CASE WHEN sentiment_label = 'positive' THEN 'negative' ELSE 'positive' END"
# Items given another version: (which ids, the version written); each search of stale_rows is used.
OTHER_VERSIONS = (("id % 5 = 0", "1"), ("id % 5 = 1", None), ("id % 5 = 2", "3"))


def _stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT id, text_redacted, sentiment, sentiment_label, sentiment_version "
                                "FROM feedback_item ORDER BY id"), conn).set_index("id")


def _expected(texts: pd.Series) -> pd.DataFrame:
    """VADER's compound and the label of each text, computed here."""
    scores = [VADER.polarity_scores(t) for t in texts]
    return pd.DataFrame({"sentiment": [s["compound"] for s in scores],
                         "sentiment_label": [vader_label(s["pos"], s["neg"], s["compound"]) for s in scores]},
                        index=texts.index)


def _assert_scored_today(engine) -> pd.DataFrame:
    stored = _stored(engine)
    expected = _expected(stored["text_redacted"])
    assert np.allclose(stored["sentiment"], expected["sentiment"])
    assert stored["sentiment_label"].tolist() == expected["sentiment_label"].tolist()
    assert set(stored["sentiment_version"]) == {sentiment.VERSION}
    return stored


def _load(engine) -> int:
    report = feedback.load(engine, COMPLAINTS, "example-complaints")
    assert report.rows_loaded > 300
    return report.rows_loaded


def _negative_share(engine) -> dict[tuple[int, int], float]:
    """The stored agency-wide negative share per quarter."""
    frame = queries.indicators(engine)
    mine = frame[(frame["indicator"] == "negative_feedback_share")
                 & frame[["provider", "service", "channel", "stage"]].eq("all").all(axis=1)]
    return {(int(r.fiscal_year), int(r.fiscal_quarter)): float(r.value) for r in mine.itertuples()}


def _quarters(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT id, fiscal_year, fiscal_quarter FROM feedback_item"), conn).set_index("id")


def _data_version(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(DataVersion.version)).scalar_one()


def test_the_loader_stores_the_version_of_todays_rules(engine):
    _load(engine)
    _assert_scored_today(engine)


def test_compute_scores_again_the_items_of_another_sentiment_version(engine, catalogue):
    loaded = _load(engine)
    with engine.begin() as conn:  # wrong labels under today's version: compute has no reason to look
        changed = conn.execute(text(f"UPDATE feedback_item SET sentiment_label = {WRONG}, sentiment = 0.5 "
                                    "WHERE id % 5 IN (0, 1, 2)")).rowcount
    assert 0 < changed < loaded
    first = compute(engine, catalogue, who=WHO)
    assert first.rescored == 0 and not access_queries.events(engine, action="sentiment.rescore")
    wrong = _negative_share(engine)
    with engine.begin() as conn:  # as older rules (or a rules version newer than this code's) left them
        for where, version in OTHER_VERSIONS:
            conn.execute(text(f"UPDATE feedback_item SET sentiment_version = :v WHERE {where}"), {"v": version})

    report = compute(engine, catalogue, who=WHO)

    assert report.rescored == changed
    assert f"scored the sentiment of {changed} feedback items again" in report.summary()
    stored = _assert_scored_today(engine)
    [entry] = access_queries.events(engine, action="sentiment.rescore")
    assert (entry["username"], entry["via"], entry["target"]) == ("ops-lead", "cli", "feedback items")
    assert json.loads(entry["details"]) == {"items": changed, "old_versions": ["1", "3", "none"],
                                            "new_version": sentiment.VERSION}
    # the indicators were computed again from the new labels, not kept from the wrong ones
    quarters = stored.join(_quarters(engine))
    share = quarters.groupby(["fiscal_year", "fiscal_quarter"])["sentiment_label"].agg(lambda s: (s == "negative").mean())
    assert _negative_share(engine) == pytest.approx(share.to_dict())
    assert _negative_share(engine) != wrong

    again = compute(engine, catalogue, who=WHO)
    assert again.rescored == 0 and "scored the sentiment" not in again.summary()
    assert len(access_queries.events(engine, action="sentiment.rescore")) == 1


def test_scoring_again_commits_with_its_audit_entry_and_a_new_data_version(engine):
    _load(engine)
    assert rescore_stored_sentiment(engine, WHO, dt.datetime.now(dt.UTC)) == 0  # scored under today's rules
    with engine.begin() as conn:
        changed = conn.execute(text("UPDATE feedback_item SET sentiment_version = NULL WHERE id % 4 = 0")).rowcount
    before = _data_version(engine)
    assert rescore_stored_sentiment(engine, WHO, dt.datetime.now(dt.UTC)) == changed
    # committed on its own, before compute goes on: cached pages show the new labels at once
    assert _data_version(engine) == before + 1
    assert len(access_queries.events(engine, action="sentiment.rescore")) == 1
    _assert_scored_today(engine)


def test_redacting_again_scores_with_todays_rules_and_stamps_their_version(engine, catalogue):
    _load(engine)
    with engine.begin() as conn:  # older redaction and sentiment rules both
        changed = conn.execute(text(f"UPDATE feedback_item SET sentiment_label = {WRONG}, sentiment_version = NULL, "
                                    "redaction_version = NULL WHERE id % 7 = 0")).rowcount
    report = compute(engine, catalogue, who=WHO)
    assert report.redacted_again == {"feedback_item": changed}
    assert report.rescored == 0  # redacting again scored them: nothing left to score again
    _assert_scored_today(engine)
    assert not access_queries.events(engine, action="sentiment.rescore")


# --- migration 0020: items stored before it read as unversioned, and are scored again --------------

@pytest.fixture(params=["sqlite", "postgresql"])
def at_0019(request, tmp_path):
    """An empty database at revision 0019 (feedback items without a sentiment version)."""
    eng = migrated_engine(request, tmp_path, "0019")
    yield eng
    eng.dispose()


def test_an_0019_database_upgrades_with_its_items_unversioned_and_compute_scores_them_again(at_0019, catalogue):
    engine = at_0019
    items = _items_at_0019(engine)
    upgrade(engine)
    tables = inspect(engine)
    assert "sentiment_version" in {c["name"] for c in tables.get_columns("feedback_item")}
    assert {"ix_feedback_item_sentiment_version", "ix_feedback_item_redaction_version"} <= {
        i["name"] for i in tables.get_indexes("feedback_item")}
    assert "ix_rejected_row_redaction_version" in {i["name"] for i in tables.get_indexes("rejected_row")}
    assert _stored(engine)["sentiment_version"].isna().all()

    report = compute(engine, catalogue, who=WHO)

    assert report.rescored == items and report.redacted_again == {}
    _assert_scored_today(engine)
    [entry] = access_queries.events(engine, action="sentiment.rescore")
    assert json.loads(entry["details"]) == {"items": items, "old_versions": ["none"], "new_version": sentiment.VERSION}
    # and back: the column and its indexes go, the items stay
    command.downgrade(alembic_config(engine), "0019")
    assert "sentiment_version" not in {c["name"] for c in inspect(engine).get_columns("feedback_item")}
    assert "ix_rejected_row_redaction_version" not in {i["name"] for i in inspect(engine).get_indexes("rejected_row")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM feedback_item")).scalar_one() == items


def _items_at_0019(engine) -> int:
    """Feedback items as a load at revision 0019 stored them (no sentiment version), every label wrong."""
    rows = pd.read_csv(COMPLAINTS, dtype=str, keep_default_na=False).head(40)
    with engine.begin() as conn:
        run = conn.execute(text("INSERT INTO load_run (source, kind, file_name, file_sha256, started_at, status, "
                                "rows_read, rows_loaded, rows_rejected) VALUES ('complaints', 'feedback', "
                                "'complaints_SYNTHETIC.csv', 'x', CURRENT_TIMESTAMP, 'succeeded', 40, 40, 0) "
                                "RETURNING id")).scalar_one()
        for line, row in enumerate(rows.to_dict("records"), start=2):
            redacted = redaction.redact(row["Comments"])
            conn.execute(text(
                "INSERT INTO feedback_item (load_run_id, source, item_key, line, kind, received_at, received_date, "
                "fiscal_year, fiscal_quarter, provider, service, channel, stage, text_redacted, redactions, "
                "redaction_version, sentiment, sentiment_label) VALUES (:run, 'complaints', :key, :line, 'complaint', "
                "'2023-10-02 09:00:00.000000', '2023-10-02', 2024, 1, 'P', 'S', 'email', 'process', :text, :count, "
                ":version, 0.9, 'positive')"),
                {"run": run, "key": row["Complaint ID"], "line": line, "text": redacted.text.strip() or "-", "count": redacted.count,
                 "version": redaction.VERSION})
    return len(rows)


# --- compute finds rows of another version through the index, never by reading the table ----------

LARGE = ("feedback_item", "rejected_row")


def _plan(conn, statement: str, parameters) -> list[str]:
    if conn.dialect.name == "sqlite":
        return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    return [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]


def _reads_a_large_table(plan: list[str]) -> list[str]:
    """The steps of a plan that read all of feedback_item or rejected_row (its rows or its index)."""
    return [step for step in plan for table in LARGE
            if step.strip().startswith(f"SCAN {table}") or f"Seq Scan on {table}" in step]


def test_every_version_search_of_a_compute_over_current_rows_uses_an_index(engine, catalogue):
    _load(engine)
    compute(engine, catalogue, who=WHO)
    with engine.begin() as conn:  # statistics that show one common version: where SQLite gave up its index
        conn.execute(text("ANALYZE"))
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "version IS NULL" in statement and not executemany:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        report = compute(engine, catalogue, who=WHO)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert report.rescored == 0 and report.redacted_again == {}
    searched = {table for statement, _ in seen for table in LARGE if f"{table}.redaction_version IS NULL" in statement
                or f"{table}.sentiment_version IS NULL" in statement}
    assert searched == set(LARGE)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a plan without the index, if there is one, reads all
        reading = [(statement, steps) for statement, parameters in seen
                   if (steps := _reads_a_large_table(_plan(conn, statement, parameters)))]
        assert reading == [], "\n\n".join(f"{s}\n{steps}" for s, steps in reading)
        # the test can tell: the plain "IS NULL OR <>" reads the whole table or index
        t = FeedbackItem
        plain = select(t.id).where(or_(t.sentiment_version.is_(None), t.sentiment_version != sentiment.VERSION))
        compiled = plain.compile(conn, compile_kwargs={"literal_binds": True})
        assert _reads_a_large_table(_plan(conn, str(compiled), ()))


# --- the version is the rules': a change to them must change it ----------------------------------

RULES = {  # VERSION: (THRESHOLD, MIXED_SHARE, vaderSentiment, sha256 of label() and score())
    "2": (0.05, 0.1, "3.3.2", "98c90c93df74b04761b0665c17214cdd7710c16182b16d42533a3c46333b7732"),
}


def test_the_rules_have_not_changed_without_a_new_version():
    """If this fails, the sentiment rules changed: give metrics.sentiment.VERSION a new value (so
    compute scores stored items again) and add its row to RULES."""
    code = hashlib.sha256((source_code.getsource(sentiment.label) + source_code.getsource(sentiment.score))
                          .encode()).hexdigest()
    rules = (sentiment.THRESHOLD, sentiment.MIXED_SHARE, importlib.metadata.version("vaderSentiment"), code)
    assert RULES[sentiment.VERSION] == rules
