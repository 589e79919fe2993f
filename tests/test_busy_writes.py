"""SQLite writers wait (issue 15): while another process holds a long write transaction, saving
commentary through the Review page's callback function waits for it and saves; when the wait
outlasts the busy timeout, the page says so beside the form and leaves the form as it was, so
the text typed is not lost, and nothing half-saved is stored."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from dash import no_update

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import review_page
from cxdash.db import review_queries
from cxdash.db.engine import SQLITE_BUSY_SECONDS, make_engine

from .test_components import text

QUERY = {"quarter": "FY2023Q1"}
MEASURE = "vba-contact-trust"
IDS = [MEASURE, "vha-outpatient-trust"]
TYPED = {"what_happened": "Trust fell after the phone migration.", "why": "Hold times doubled.",
         "what_next": "Callbacks at peak hours.", "author": "Ana Analyst"}

# Another process (a load, say) holds the write lock for argv[2] seconds with a real write.
HOLD = textwrap.dedent("""
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE IF NOT EXISTS held_write (x INTEGER)")
    conn.executemany("INSERT INTO held_write VALUES (?)", [(i,) for i in range(10000)])
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    print("committed", flush=True)
""")


@pytest.fixture
def database(computed_sqlite, tmp_path):
    """A copy of the computed database, its write-ahead log checkpointed first."""
    with computed_sqlite.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(computed_sqlite.url.database, tmp_path / "cx.db")
    return tmp_path / "cx.db"


def _holding(path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _save(engine, catalogue):
    app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        started = time.monotonic()
        feedback, version = review_page.commentary_submitted(IDS, MEASURE, dict(TYPED), QUERY, {"n": 1})
        return feedback, version, time.monotonic() - started


def test_the_default_busy_timeout_is_long():
    assert SQLITE_BUSY_SECONDS >= 30


def test_a_save_during_a_long_write_waits_for_it_and_saves(database, catalogue):
    engine = make_engine(f"sqlite:///{database}")  # the default busy timeout (30 s)
    holder = _holding(database, 7)  # longer than sqlite3's own 5 s default
    try:
        feedback, version, took = _save(engine, catalogue)
    finally:
        assert holder.stdout.readline().strip() == "committed"
        holder.wait(timeout=30)
        holder.stdout.close()
    assert took >= 6  # it waited for the other writer, past the 5 s after which sqlite3 gives up by default
    assert feedback == [no_update, no_update] and version["notice"]["kind"] == "success"
    assert review_queries.commentary(engine, 2023, 1)[MEASURE]["what_happened"] == TYPED["what_happened"]
    engine.dispose()


def test_a_save_that_outwaits_the_busy_timeout_tells_the_user_and_keeps_the_form(database, catalogue, caplog):
    engine = make_engine(f"sqlite:///{database}?timeout=1")  # a short wait, so the test is quick
    holder = _holding(database, 6)
    try:
        feedback, version, took = _save(engine, catalogue)
        assert holder.poll() is None  # the other writer still held the lock: we did not wait it out
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    assert version is no_update  # the page is not re-rendered: the form keeps what was typed
    assert feedback[1] is no_update and feedback[0].role == "alert"
    assert text(feedback[0]) == ("Not saved: the database is busy with another change (such as a data load) and did "
                                 "not answer in time. What you typed is still in the form: please try again in a "
                                 "minute.")
    assert MEASURE not in review_queries.commentary(engine, 2023, 1)  # nothing half-saved
    assert any("commentary not written: database is locked" in r.getMessage() for r in caplog.records)
    feedback, version, _ = _save(engine, catalogue)  # the other writer is done: saving again works
    assert version["notice"]["kind"] == "success"
    assert review_queries.commentary(engine, 2023, 1)[MEASURE]["why"] == TYPED["why"]
    engine.dispose()
