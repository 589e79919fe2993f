"""The scheduler process for real: it picks up a source's file on the next tick, loads a changed
file again, shows a failing source as failed with its reason, and keeps its jobs in the database."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pandas as pd
import yaml
from sqlalchemy import select

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import data_page
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import SchedulerJob
from cxdash.health import source_health
from cxdash.sources import load_sources

from .conftest import CONFIG, QUARTERLY


def _wait_for(read, holds, what: str, timeout: float = 60):
    """Poll read() until holds(row); return that row."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = read()
        if holds(row):
            return row
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_scheduler_picks_up_a_changed_file_and_shows_failures(tmp_path, catalogue):
    drop = tmp_path / "drop"
    drop.mkdir()
    sources_path = tmp_path / "sources.yaml"
    sources_path.write_text(yaml.safe_dump({"sources": [
        {"name": "drop", "kind": "a11-quarterly", "location": {"files": "drop/*.csv"}, "schedule": "* * * * * *",
         "timezone": "UTC", "cadence": "daily", "retries": 0}]}))
    url = f"sqlite:///{tmp_path / 'cx.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sources = load_sources(sources_path)

    def health():
        return source_health(engine, sources).set_index("source").loc["drop"]

    process = subprocess.Popen(
        [sys.executable, "-m", "cxdash.cli", "scheduler", "--db", url, "--sources", str(sources_path),
         "--catalogue", str(CONFIG / "catalogue.yaml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        failed = _wait_for(health, lambda h: h["health"] == "failed", "the missing file to fail the source")
        assert "no file matches" in failed["message"]

        raw = pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False)
        first_year = raw[raw["attributes_collection_year"] == "2021"]
        first_year.to_csv(drop / "hisp.csv", index=False)
        fresh = _wait_for(health, lambda h: h["loads"] == "fresh", "the new file to load")
        assert (fresh["rows_loaded"], str(fresh["data_as_of"])) == (len(first_year), "2021-09-30")
        assert fresh["health"] == "out_of_date"  # daily data that end in 2021 are not current

        raw.to_csv(drop / "hisp.csv", index=False)  # the export grows: the next tick loads it again
        grown = _wait_for(health, lambda h: h["rows_loaded"] == len(raw), "the changed file to load")
        assert str(grown["data_as_of"]) == "2022-12-31" and grown["health"] == "out_of_date"

        app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
        with app.server.test_request_context("/data"):
            page = str(data_page.layout({}))
        assert "1 sources: 1 out of date." in page and "31 Dec 2022" in page
        with engine.connect() as conn:
            assert sorted(conn.execute(select(SchedulerJob.id)).scalars()) == ["review-pack:draft", "review-pack:queue",
                                                                               "source:drop"]
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert "scheduler stopped" in output
