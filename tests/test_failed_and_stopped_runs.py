"""A load with no good row is a failed run (its rejected rows kept); a run or a pack build whose
process was killed is marked failed by the next run, not left 'running' for ever."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
from click.testing import CliRunner
from sqlalchemy import func, select

from cxdash.cli import main
from cxdash.db import queries, review_queries
from cxdash.db.engine import make_engine
from cxdash.db.models import LoadRun, RejectedRow
from cxdash.health import source_health
from cxdash.processes import STOPPED
from cxdash.review import packs
from cxdash.sources import load_sources, run_source

from .conftest import QUARTERLY
from .test_sources import _sources


def _all_rejected(tmp_path):
    frame = pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False).head(3)
    frame["attributes_collection_year"] = "next year"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return path


def _header_only(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(QUARTERLY.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return path


def test_a_file_whose_every_row_is_rejected_fails_and_keeps_its_rejections(engine, catalogue, tmp_path):
    bad = _all_rejected(tmp_path)
    sources = load_sources(_sources(tmp_path, {"name": "a11", "kind": "a11-quarterly",
                                               "location": {"files": str(bad)}, "cadence": "quarterly"}))
    outcome = run_source(engine, catalogue, sources, "a11", recompute=False)
    assert outcome.status == "failed" and "every row was rejected (3 rows): first reason: line 2" in outcome.message
    assert list(queries.job_runs(engine, "a11")["status"]) == ["failed"]
    with engine.connect() as conn:
        run = conn.execute(select(LoadRun.status, LoadRun.message, LoadRun.rows_rejected, LoadRun.id)).one()
        kept = conn.execute(select(func.count()).select_from(RejectedRow).where(RejectedRow.load_run_id == run.id))
        assert (run.status, run.rows_rejected, kept.scalar_one() >= 3) == ("failed", 3, True)
    assert run.message.startswith("every row was rejected (3 rows)")
    health = source_health(engine, sources).set_index("source").loc["a11"]
    assert health["health"] == "failed" and "every row was rejected" in health["message"]


def test_the_cli_exits_non_zero_with_one_line_for_a_file_with_no_good_row(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", db]).exit_code == 0
    for path, reason in ((_all_rejected(tmp_path), "every row was rejected (3 rows)"),
                         (_header_only(tmp_path), "the file has a header and no rows")):
        done = runner.invoke(main, ["load", "a11-quarterly", str(path), "--no-compute", "--db", db])
        assert done.exit_code != 0 and reason in done.output, done.output
    sources = _sources(tmp_path, {"name": "empty", "kind": "a11-quarterly",
                                  "location": {"files": str(_header_only(tmp_path))}})
    done = runner.invoke(main, ["load", "--source", "empty", "--db", db, "--sources", str(sources)])
    assert done.exit_code != 0 and "source empty failed" in done.output
    assert "the file has a header and no rows" in done.output
    engine = make_engine(db)
    assert set(queries.job_runs(engine)["status"]) == {"failed"}
    with engine.connect() as conn:
        assert set(conn.execute(select(LoadRun.status)).scalars()) == {"failed"}
    engine.dispose()


KILLED = textwrap.dedent("""
    import sys, time
    from cxdash.db import queries, review_queries
    from cxdash.db.engine import make_engine
    from cxdash.processes import this_process
    engine = make_engine(sys.argv[1])
    job = queries.start_job_run(engine, "a11", "scheduled", 1)
    pack, _ = review_queries.request_pack(engine, fiscal_year=2023, fiscal_quarter=1, provider="all", service="all",
                                       fmt="pptx", trigger="scheduled")
    review_queries.update_pack(engine, pack, status="running", **this_process())
    print(job, pack, flush=True)
    time.sleep(600)
""")


def test_a_killed_run_and_build_are_marked_failed_by_the_next_run(engine, catalogue, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, "-c", KILLED, url], stdout=subprocess.PIPE, text=True)
    try:
        job_id, pack_id = map(int, proc.stdout.readline().split())
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert queries.job_runs(engine, "a11").set_index("id").loc[job_id, "status"] == "running"
    sources = load_sources(_sources(tmp_path, {"name": "a11", "kind": "a11-quarterly",
                                               "location": {"files": str(QUARTERLY)}}))
    outcome = run_source(engine, catalogue, sources, "a11", recompute=False)
    runs = queries.job_runs(engine, "a11").set_index("id")
    assert outcome.status == "succeeded" and runs.loc[outcome.job_run_id, "status"] == "succeeded"
    assert (runs.loc[job_id, "status"], runs.loc[job_id, "message"]) == ("failed", STOPPED)

    build = review_queries.pack(engine, pack_id)
    assert build["status"] == "running" and packs.stalled(build)  # long before 30 minutes have passed
    assert packs.fail_if_stalled(engine, build)
    build = review_queries.pack(engine, pack_id)
    assert (build["status"], build["message"]) == ("failed", STOPPED)


def test_a_running_record_of_a_live_process_is_left_alone(engine):
    job_id = queries.start_job_run(engine, "a11", "manual", 1)  # this process: alive
    assert queries.fail_stopped_job_runs(engine, "a11") == 0
    assert queries.job_runs(engine, "a11").set_index("id").loc[job_id, "status"] == "running"
