"""Configured sources: file globs, Excel sheets and SQL queries load through config alone; every
run is recorded with its outcome; a failing source is retried and shows why it failed."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine

from cxdash.cli import main
from cxdash.db import queries
from cxdash.errors import UserError
from cxdash.health import quality_report, source_health
from cxdash.sources import load_sources, run_source, run_source_with_retries

from . import boston
from .conftest import CONFIG, QUARTERLY


def _sources(tmp_path, *entries):
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": list(entries)}))
    return path


def test_the_shipped_config_is_valid_and_names_real_mappings():
    sources = load_sources(CONFIG / "sources.yaml")
    kinds = {s.kind for s in sources}
    assert {"a11-quarterly", "cases", "contacts", "feedback", "employee"} <= kinds
    from cxdash.mappings import load_any_mapping
    for source in sources:
        if source.mapping:
            assert load_any_mapping(source.mapping).kind == source.kind


@pytest.mark.parametrize("entry, message", [
    ({"name": "x", "kind": "cases", "location": {"files": "a.csv"}}, "needs mapping"),
    ({"name": "x", "kind": "a11-quarterly", "location": {}}, "exactly one of files"),
    ({"name": "x", "kind": "a11-quarterly", "location": {"files": "a", "sql": "select 1", "url": "sqlite://"}},
     "exactly one of files"),
    ({"name": "x", "kind": "a11-quarterly", "location": {"sql": "select 1"}}, "needs url"),
    ({"name": "x", "kind": "a11-quarterly", "location": {"files": "a"}, "schedule": "every day"}, "cron"),
    ({"name": "x", "kind": "a11-quarterly", "location": {"files": "a"}, "cadence": "sometimes"}, "cadence"),
    ({"name": "x", "kind": "a11-quarterly", "location": {"files": "a"}, "options": {"colour": "red"}}, "unknown option"),
])
def test_config_mistakes_are_named_with_file_and_key(tmp_path, entry, message):
    path = _sources(tmp_path, entry)
    with pytest.raises(UserError) as err:
        load_sources(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_a_glob_source_loads_records_its_run_and_is_judged_on_its_data_date(engine, catalogue, tmp_path):
    path = _sources(tmp_path, {"name": "a11", "kind": "a11-quarterly", "location": {"files": str(QUARTERLY)},
                               "cadence": "quarterly"})
    sources = load_sources(path)
    first = run_source(engine, catalogue, sources, "a11")
    again = run_source(engine, catalogue, sources, "a11")
    assert (first.status, first.rows_loaded, again.status) == ("succeeded", 481, "unchanged")
    runs = queries.job_runs(engine, "a11")
    assert list(runs["status"]) == ["unchanged", "succeeded"] and set(runs["trigger"]) == {"manual"}
    health = source_health(engine, sources).set_index("source").loc["a11"]
    # Loaded just now, but its data end 31 Dec 2022: out of date (the load time alone said "fresh").
    assert (health["health"], health["rows_loaded"], str(health["data_as_of"])) == ("out_of_date", 481, "2022-12-31")
    assert health["loads"] == "fresh" and str(health["due_by"]) == "2023-05-18"  # 92 days + 46 (half) of grace
    at = dt.datetime(2023, 5, 18, 23, 0, tzinfo=dt.UTC)  # the last day the next quarter's data may take
    assert source_health(engine, sources, now=at).set_index("source").loc["a11", "health"] == "fresh"
    after = at + dt.timedelta(days=1)
    assert source_health(engine, sources, now=after).set_index("source").loc["a11", "health"] == "out_of_date"
    # A page showing FY2023 Q2 (ends 31 Mar 2023) before the data are overdue: late for that quarter.
    shown = source_health(engine, sources, now=at, shown_until=dt.date(2023, 3, 31)).set_index("source")
    assert shown.loc["a11", "health"] == "late"
    assert not queries.scores(engine).empty  # new data was recomputed


def test_an_excel_sheet_loads_like_its_csv(sqlite_engine, catalogue, tmp_path):
    book = tmp_path / "hisp.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="About", index=False)
        pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False).to_excel(writer, sheet_name="Data", index=False)
    sources = load_sources(_sources(tmp_path, {"name": "xl", "kind": "a11-quarterly",
                                               "location": {"excel": "hisp.xlsx", "sheet": "Data"}}))
    outcome = run_source(sqlite_engine, catalogue, sources, "xl")
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("succeeded", 481, 0)
    expected = pd.read_csv(QUARTERLY)
    respondents = sum(expected[f"attributes_q1_{k}"].fillna(0).sum() for k in range(1, 6))
    scores = queries.scores(sqlite_engine)
    overall = scores[(scores.provider == "all") & (scores.channel == "all") & (scores.stage == "all")
                     & (scores.question == "satisfaction")]
    assert overall["n"].sum() == respondents


def test_a_sql_query_loads_with_the_password_kept_out_of_config(sqlite_engine, catalogue, tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.db"
    raw = pd.read_csv(boston.BOSTON, dtype=str, nrows=2000)
    with create_engine(f"sqlite:///{warehouse}").begin() as conn:
        raw.to_sql("service_requests", conn, index=False)
    monkeypatch.setenv("WAREHOUSE_URL", f"sqlite:///{warehouse}")
    query = f"SELECT * FROM service_requests WHERE subject = '{boston.PROVIDER}'"
    path = _sources(tmp_path, {"name": "311", "kind": "cases", "mapping": boston.MAPPING,
                               "location": {"sql": query, "url": "${WAREHOUSE_URL}"}})
    outcome = run_source(sqlite_engine, catalogue, load_sources(path), "311")
    assert outcome.status == "succeeded"
    expected = int((raw["subject"] == boston.PROVIDER).sum())
    assert 0 < expected < len(raw) and outcome.rows_loaded == expected
    assert outcome.rows_rejected == 0
    stored = queries.indicators(sqlite_engine)
    assert set(stored["provider"]) == {"all", boston.PROVIDER}
    monkeypatch.delenv("WAREHOUSE_URL")
    failed = run_source(sqlite_engine, catalogue, load_sources(path), "311")
    assert failed.status == "failed" and "WAREHOUSE_URL is not set" in failed.message


def test_a_failing_source_is_retried_and_shows_failed_with_its_reason(sqlite_engine, catalogue, tmp_path):
    path = _sources(tmp_path, {"name": "gone", "kind": "a11-quarterly", "retries": 2, "retry_delay_seconds": 30,
                               "location": {"files": str(tmp_path / "drop" / "*.csv")}})
    sources = load_sources(path)
    slept = []
    outcome = run_source_with_retries(sqlite_engine, catalogue, sources, "gone", trigger="scheduled",
                                      sleep=slept.append)
    assert outcome.status == "failed" and "no file matches" in outcome.message
    runs = queries.job_runs(sqlite_engine, "gone")
    assert sorted(runs["attempt"]) == [1, 2, 3] and set(runs["status"]) == {"failed"} and slept == [30, 30]
    health = source_health(sqlite_engine, sources).set_index("source").loc["gone"]
    assert health["health"] == "failed" and "no file matches" in health["message"]


def test_a_bad_file_fails_the_run_but_the_good_file_loads(sqlite_engine, catalogue, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.csv").write_bytes(QUARTERLY.read_bytes())
    (drop / "b.csv").write_text("not,the,right,columns\n1,2,3,4\n")
    sources = load_sources(_sources(tmp_path, {"name": "mixed", "kind": "a11-quarterly",
                                               "location": {"files": str(drop / "*.csv")}}))
    outcome = run_source(sqlite_engine, catalogue, sources, "mixed")
    assert outcome.status == "failed" and "b.csv" in outcome.message and "missing column" in outcome.message
    assert outcome.rows_loaded == 481 and not queries.scores(sqlite_engine).empty
    report = quality_report(sqlite_engine, source_health(sqlite_engine, sources))
    assert set(report["check"]) == {"completeness", "out_of_range", "duplicates", "missing_values", "quarter_gaps"}


def test_cli_sources_and_load_source(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = _sources(tmp_path, {"name": "a11", "kind": "a11-quarterly", "location": {"files": str(QUARTERLY)},
                               "schedule": "0 6 * * *", "cadence": "quarterly"})
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", db]).exit_code == 0
    before = runner.invoke(main, ["sources", "--db", db, "--sources", str(path)])
    assert before.exit_code == 0 and "a11" in before.output and "missing" in before.output
    loaded = runner.invoke(main, ["load", "--source", "a11", "--db", db, "--sources", str(path)])
    assert loaded.exit_code == 0 and "481 rows loaded" in loaded.output
    listed = runner.invoke(main, ["sources", "--format", "json", "--db", db, "--sources", str(path)])
    row = yaml.safe_load(listed.output)[0]
    assert (row["source"], row["health"], row["loads"], row["rows_loaded"]) == ("a11", "out_of_date", "fresh", 481)
    unknown = runner.invoke(main, ["load", "--source", "nope", "--db", db, "--sources", str(path)])
    assert unknown.exit_code != 0 and "unknown source 'nope'" in unknown.output
