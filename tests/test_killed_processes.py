"""Processes killed with SIGKILL mid-work (issue 15): a real `cxdash load --source` (on SQLite and
PostgreSQL), a real
`cxdash compute`, the scheduler process during a scheduled load, and the pack worker during a
scheduled draft. Each is started as its own process on a large generated input, killed once its
running record exists, and then: the record ends failed once the next run or a read checks it,
nothing half-written is visible (a killed load's rows are absent; compute's results are the
previous ones; a killed build has no file), and the next run succeeds."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select

from cxdash import paths
from cxdash.db import queries, review_queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import CaseRecord, IndicatorValue, LoadRun
from cxdash.health import source_health
from cxdash.processes import STOPPED, alive
from cxdash.review import packs
from cxdash.sources import load_sources

from .conftest import CONFIG, QUARTERLY, quarterly_sqlite

ROWS = 80_000  # a load of this many cases takes several seconds: the kill lands mid-load
CATALOGUE = str(CONFIG / "catalogue.yaml")


@pytest.fixture(scope="module")
def big_cases(tmp_path_factory) -> Path:
    """The Boston 311 sample repeated to ROWS cases, each with its own case id."""
    sample = pd.read_csv(paths.sample_dir() / "boston_311_sample.csv", dtype=str, keep_default_na=False)
    big = pd.concat([sample] * -(-ROWS // len(sample)), ignore_index=True).head(ROWS)
    big["case_enquiry_id"] = [str(900_000_000_000 + i) for i in range(len(big))]
    big["_id"] = [str(i + 1) for i in range(len(big))]
    path = tmp_path_factory.mktemp("big") / "cases.csv"
    big.to_csv(path, index=False)
    return path


def _database(folder: Path, big_cases: Path, schedule: str | None = None, url: str | None = None):
    """The sources file naming the big file, and a migrated database (SQLite in ``folder``, or ``url``)."""
    sources = {"name": "big", "kind": "cases", "location": {"files": str(big_cases)}, "mapping": "boston-311",
               "cadence": "daily", "retries": 0}
    if schedule:
        sources |= {"schedule": schedule, "timezone": "UTC"}
    sources_path = folder / "sources.yaml"
    sources_path.write_text(yaml.safe_dump({"sources": [sources]}))
    url = url or f"sqlite:///{folder / 'cx.db'}"
    engine = make_engine(url)
    upgrade(engine)
    return url, engine, sources_path


def _cxdash(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cxdash.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)


def _wait_for(read, what: str, process: subprocess.Popen, timeout: float = 120):
    """Poll read() (every 50 ms) until it returns something; fail if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = read()
        if found:
            return found
        if process.poll() is not None:
            raise AssertionError(f"the process ended before {what}: {process.stdout.read()}")
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL and not alive(process.pid)


def _running_job(engine, trigger: str):
    runs = queries.job_runs(engine, "big")
    running = runs[(runs["status"] == "running") & (runs["trigger"] == trigger)]
    return int(running["id"].iloc[0]) if len(running) else None


def _cases(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(CaseRecord)).scalar_one()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_killed_load_leaves_no_rows_is_marked_failed_and_the_next_load_succeeds(tmp_path, big_cases, backend,
                                                                                   request):
    url = None
    if backend == "postgresql":
        from sqlalchemy import text
        url = request.getfixturevalue("postgres_url")
        admin = make_engine(url)
        with admin.begin() as conn:  # an empty schema of this session's database
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
    url, engine, sources_path = _database(tmp_path, big_cases, url=url)
    load = ["load", "--source", "big", "--no-compute", "--db", url, "--sources", str(sources_path),
            "--catalogue", CATALOGUE]
    process = _cxdash(*load)
    job = _wait_for(lambda: _running_job(engine, "manual"), "the load's running record", process)
    time.sleep(1)  # well into the file
    assert process.poll() is None, "the load finished before it could be killed: make the input larger"
    _kill(process)

    runs = queries.job_runs(engine, "big").set_index("id")
    assert runs.loc[job, "status"] == "running"  # nobody has looked yet
    assert _cases(engine) == 0  # nothing half-written: the load's transaction never committed
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LoadRun)).scalar_one() == 0
    listed = subprocess.run([sys.executable, "-m", "cxdash.cli", "sources", "--format", "csv", "--db", url,
                             "--sources", str(sources_path), "--catalogue", CATALOGUE],
                            capture_output=True, text=True, timeout=120)  # a read checks it
    assert listed.returncode == 0, listed.stderr
    runs = queries.job_runs(engine, "big").set_index("id")
    assert (runs.loc[job, "status"], runs.loc[job, "message"]) == ("failed", STOPPED)
    assert "failed" in listed.stdout

    again = subprocess.run([sys.executable, "-m", "cxdash.cli", *load], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{ROWS} rows loaded" in again.stdout
    assert _cases(engine) == ROWS
    runs = queries.job_runs(engine, "big")
    assert sorted(runs["status"]) == ["failed", "succeeded"]
    engine.dispose()


def _indicators(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(select(IndicatorValue.fiscal_year, IndicatorValue.fiscal_quarter, IndicatorValue.provider,
                                   IndicatorValue.service, IndicatorValue.channel, IndicatorValue.stage,
                                   IndicatorValue.indicator, IndicatorValue.value, IndicatorValue.n), conn)
    return frame.sort_values(list(frame.columns[:7])).reset_index(drop=True)


def test_a_killed_compute_keeps_the_previous_results_is_marked_failed_and_the_next_succeeds(
        tmp_path, big_cases, catalogue):
    from cxdash.compute import compute
    from cxdash.loaders.registry import file_loader
    url, engine, _ = _database(tmp_path, big_cases)
    file_loader("cases", engine, catalogue, mapping="boston-311")(paths.sample_dir() / "boston_311_sample.csv")
    compute(engine, catalogue)
    before = _indicators(engine)
    file_loader("cases", engine, catalogue, mapping="boston-311")(big_cases)  # loaded, not yet computed

    process = _cxdash("compute", "--db", url, "--catalogue", CATALOGUE)
    run = _wait_for(lambda: next((r["id"] for r in queries.compute_runs(engine) if r["status"] == "running"), None),
                    "the computation's running record", process)
    time.sleep(0.5)
    assert process.poll() is None, "the computation finished before it could be killed: make the input larger"
    _kill(process)

    assert {r["id"]: r["status"] for r in queries.compute_runs(engine)}[run] == "running"
    pd.testing.assert_frame_equal(_indicators(engine), before)  # the previous results, whole
    assert queries.fail_stopped_compute_runs(engine) == 1  # what the next computation does first
    failed = {r["id"]: r for r in queries.compute_runs(engine)}[run]
    assert (failed["status"], failed["message"]) == ("failed", STOPPED)

    again = subprocess.run([sys.executable, "-m", "cxdash.cli", "compute", "--db", url, "--catalogue", CATALOGUE],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert [r["status"] for r in queries.compute_runs(engine)][:2] == ["succeeded", "failed"]
    after = _indicators(engine)
    assert not after.equals(before) and after["n"].sum() > before["n"].sum()  # the big load counted now
    engine.dispose()


def test_a_killed_scheduler_leaves_its_run_failed_and_the_next_scheduled_run_succeeds(tmp_path, big_cases):
    url, engine, sources_path = _database(tmp_path, big_cases, schedule="* * * * * *")  # every second
    scheduler = ["scheduler", "--db", url, "--sources", str(sources_path), "--catalogue", CATALOGUE]
    process = _cxdash(*scheduler)
    job = _wait_for(lambda: _running_job(engine, "scheduled"), "the scheduled run's record", process)
    time.sleep(1)
    assert _running_job(engine, "scheduled") == job, "the scheduled load ended before the kill"
    _kill(process)

    assert _cases(engine) == 0  # nothing half-written
    sources = load_sources(sources_path)
    health = source_health(engine, sources).set_index("source").loc["big"]  # a read (the Data page) checks it
    assert health["health"] == "failed" and STOPPED in health["message"]
    assert queries.job_runs(engine, "big").set_index("id").loc[job, "status"] == "failed"

    process = _cxdash(*scheduler)  # the scheduler again: its next tick loads the file
    try:
        _wait_for(lambda: "succeeded" in set(queries.job_runs(engine, "big")["status"]), "a run to succeed", process,
                  timeout=300)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=120)[0]
    assert process.returncode == 0, output
    assert _cases(engine) == ROWS
    assert "running" not in set(queries.job_runs(engine, "big")["status"])
    engine.dispose()


def test_a_killed_pack_worker_leaves_its_build_failed_and_the_draft_is_built_again(tmp_path, catalogue):
    """The worker here is `cxdash packs work`; the scheduler's queue job builds the same way."""
    engine = quarterly_sqlite(tmp_path / "cx.db", catalogue, QUARTERLY)
    url = engine.url.render_as_string(hide_password=False)
    draft = packs.queue_draft_if_due(engine, catalogue, today=dt.date(2023, 1, 20))
    assert review_queries.pack(engine, draft)["status"] == "queued"

    worker = _cxdash("packs", "work", "--db", url, "--catalogue", CATALOGUE, "--poll-seconds", "0.2")
    _wait_for(lambda: review_queries.pack(engine, draft)["status"] == "running", "the worker to claim the draft",
              worker)
    _kill(worker)  # at once: a deck without rendered pictures builds in about a second

    killed = review_queries.pack(engine, draft)
    assert killed["status"] == "running" and review_queries.pack_file(engine, draft) is None  # no half a file
    assert packs.stalled(killed)  # its process is gone, long before the time limit
    # The scheduler's queue job finds it failed, queues the same draft again and builds it.
    from cxdash.scheduler import run_pack_queue_job
    assert run_pack_queue_job(url, CATALOGUE) == "1 built"
    killed = review_queries.pack(engine, draft)
    assert (killed["status"], killed["message"]) == ("failed", STOPPED)
    [again] = [p for p in review_queries.packs(engine, 2023, 1, trigger="scheduled") if p["id"] != draft]
    assert (again["status"], again["format"], again["provider"]) == ("succeeded", "pptx", "all")
    assert review_queries.pack_file(engine, again["id"])[1][:2] == b"PK"
    assert packs.queue_draft_if_due(engine, catalogue, today=dt.date(2023, 1, 22)) is None  # built: once
    engine.dispose()


def test_a_compute_killed_while_redacting_again_leaves_no_text_half_done(tmp_path, big_cases, catalogue):
    """Events stored under older redaction rules, enough that redacting them again takes seconds:
    killed then, every event is still as it was (one transaction); the next compute redacts them all."""
    from sqlalchemy import text

    from cxdash.db import access_queries
    from cxdash.redaction import VERSION
    from cxdash.review import records
    url, engine, _ = _database(tmp_path, big_cases)
    records.add_annotation(engine, event_date="2022-11-15", label="Phone outage", description="Report to [phone]")
    with engine.begin() as conn:  # as older rules left it, doubled to 4,096 events
        conn.execute(text("UPDATE annotation SET description = 'Report to 410-555-0100', redaction_version = '1'"))
        for _ in range(12):
            conn.execute(text("INSERT INTO annotation (event_date, label, description, provider, service, created_at, "
                              "redaction_version) SELECT event_date, label, description, provider, service, created_at, "
                              "redaction_version FROM annotation"))
        # each its own text: a text redacted once is not redacted twice in a process
        conn.execute(text("UPDATE annotation SET description = description || ', note ' || id"))

    def stored():
        """(the phone number is in it, version): events"""
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT description, redaction_version FROM annotation")).all()
        return pd.Series([(("410-555-0100" in d), v) for d, v in rows]).value_counts().to_dict()

    process = _cxdash("compute", "--db", url, "--catalogue", CATALOGUE)
    _wait_for(lambda: any(r["status"] == "running" for r in queries.compute_runs(engine)), "the computation", process)
    time.sleep(0.5)
    assert process.poll() is None, "the computation finished before it could be killed: store more events"
    _kill(process)
    # all as they were (killed while redacting, as expected) or all redacted and recorded: never half
    done = stored() == {(False, VERSION): 4096}
    assert done or stored() == {(True, "1"): 4096}
    assert len(access_queries.events(engine, action="text.redact_again")) == int(done)

    again = subprocess.run([sys.executable, "-m", "cxdash.cli", "compute", "--db", url, "--catalogue", CATALOGUE],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stored() == {(False, VERSION): 4096}
    [event] = access_queries.events(engine, action="text.redact_again")
    assert json.loads(event["details"])["rows"] == {"annotation": 4096}
    engine.dispose()
