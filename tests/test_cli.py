"""The command line: every command, --db everywhere, exports that equal the scorecard's numbers,
and one-line errors with a non-zero exit for user mistakes."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from cxdash import paths
from cxdash.cli import main
from cxdash.db import queries
from cxdash.db.engine import make_engine


@pytest.fixture
def db_url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_help_lists_every_command():
    output = run("--help").output
    for command in ("init", "load", "compute", "serve", "demo", "scores"):
        assert command in output


def test_init_load_compute_scores_csv(db_url, real_quarterly_path):
    run("init", "--db", db_url)
    loaded = run("load", "a11-quarterly", real_quarterly_path, "--db", db_url, "--no-compute").output
    assert "481 rows loaded, 0 rejected of 481 read (data as of 2022-12-31)" in loaded
    run("compute", "--db", db_url)
    out = run("scores", "--format", "csv", "--quarter", "FY2022Q3", "--db", db_url).output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0].keys()) == ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage",
                                    "question", "scale", "n", "mean", "pct_agree", "ci_low", "ci_high", "suppressed"]
    assert {(r["fiscal_year"], r["fiscal_quarter"]) for r in rows} == {("2022", "3")}
    # The exported figure is the one the database holds (and the scorecard reads).
    table = queries.scores(make_engine(db_url), 2022, 3)
    vha = table[(table.service == "Receiving outpatient services") & (table.channel == "all")
                & (table.stage == "all") & (table.question == "satisfaction")].iloc[0]
    exported = next(r for r in rows if r["service"] == "Receiving outpatient services" and r["channel"] == "all"
                    and r["stage"] == "all" and r["question"] == "satisfaction")
    assert int(exported["n"]) == vha.n and float(exported["mean"]) == vha["mean"]
    assert float(exported["pct_agree"]) == pytest.approx(vha.pct_agree, rel=1e-5)
    suppressed = [r for r in rows if r["suppressed"] == "true"]
    assert suppressed and all(r["mean"] == "" and r["pct_agree"] == "" and int(r["n"]) < 30 for r in suppressed)


def test_scores_json_and_rerun_adds_nothing(db_url, real_quarterly_path):
    run("init", "--db", db_url)
    run("load", "a11-quarterly", real_quarterly_path, "--db", db_url)
    again = run("load", "a11-quarterly", real_quarterly_path, "--db", db_url).output
    assert "unchanged since the last successful load of this source; nothing added" in again
    records = json.loads(run("scores", "--format", "json", "--db", db_url).output)
    questions = {r["question"] for r in records}
    assert {"satisfaction", "trust", "effectiveness", "ease", "efficiency", "transparency", "employee"} <= questions
    assert {"q8", "q9", "q10"} & questions  # optional questions keep their own id
    assert all(isinstance(r["suppressed"], bool) for r in records)


def test_load_reports_rejected_rows_with_file_and_line(db_url, real_quarterly_path, tmp_path):
    with open(real_quarterly_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:5]
    rows[2]["attributes_collection_year"] = "twenty"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run("init", "--db", db_url)
    result = CliRunner().invoke(main, ["load", "a11-quarterly", str(bad), "--db", db_url])
    assert result.exit_code == 0
    assert "4 rows loaded, 1 rejected of 5 read" in result.output
    assert f"rejected {bad}:4: attributes_collection_year:" in result.output


@pytest.mark.parametrize("args, message", [
    (["scores", "--quarter", "FY2022Q9"], "not a fiscal quarter: 'FY2022Q9'"),
    (["load", "a11-quarterly", "/no/such/file.csv"], "/no/such/file.csv: file not found"),
    (["load", "survey-responses", "{sample}"], "survey-responses needs a mapping"),
    (["load", "a11-responses", "{sample}"], "give provider, service, channel, quarter"),
    (["compute", "--db", "notadb://x"], "no SQLAlchemy dialect for 'notadb'"),
])
def test_user_errors_are_one_line_and_non_zero(db_url, real_quarterly_path, args, message):
    run("init", "--db", db_url)
    args = [a.replace("{sample}", str(real_quarterly_path)) for a in args]
    if "--db" not in args:
        args += ["--db", db_url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_uninitialised_database_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["compute", "--db", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert result.exit_code != 0 and "run 'cxdash init' first" in result.output


def test_console_script_runs_as_a_real_process(db_url):
    """The installed entry point, as a user runs it: a bad catalogue is one line, exit 1."""
    result = subprocess.run([sys.executable, "-m", "cxdash.cli", "init", "--db", db_url, "--catalogue", "/nope.yaml"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: /nope.yaml: file not found"


def test_demo_without_serving_loads_the_sample(db_url):
    output = run("demo", "--no-serve", "--db", db_url).output
    assert "481 rows loaded" in output and "measure results" in output
    assert "28 rows loaded" in output  # the maturity self-assessment sample
    assert "6 initiatives from" in output
    # ...and says how to open what it loaded, with the same database
    assert f"to open the dashboard: run 'cxdash serve --db {db_url}', then open http://127.0.0.1:8050/" in output
    assert "sign in as 'demo' with the password " in output and "CXDASH_SECRET_KEY" in output
    # every load the demo made is in the audit trail, attributed to whoever ran it
    from cxdash import audit
    from cxdash.sources import load_sources
    engine = make_engine(db_url)
    loads = audit.events(engine, action="source.load", limit=None)
    assert sorted(e["target"] for e in loads) == sorted(s.name for s in load_sources(paths.sources_path()))
    assert {(e["username"], e["via"]) for e in loads} == {(audit.cli_principal().username, "cli")}
    assert {json.loads(e["details"])["status"] for e in loads} == {"succeeded"}
    engine.dispose()


def test_initiatives_sync_checks_the_register_and_replaces_it(db_url, tmp_path):
    run("init", "--db", db_url)
    assert "6 initiatives from" in run("initiatives", "sync", "--db", db_url).output
    assert "6 initiatives from" in run("initiatives", "sync", "--db", db_url).output  # replaced, not doubled
    from cxdash.db import portfolio_queries
    assert len(portfolio_queries.initiatives(make_engine(db_url))) == 6
    bad = tmp_path / "bad.yaml"
    bad.write_text((paths.config_file("initiatives.yaml")).read_text().replace("services: [passports]", "services: [nope]", 1))
    result = CliRunner().invoke(main, ["initiatives", "sync", "--file", str(bad), "--db", db_url])
    assert result.exit_code == 1 and str(bad) in result.output and "nope" in result.output


def test_one_bad_file_does_not_stop_the_others(db_url, real_quarterly_path, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    run("init", "--db", db_url)
    result = CliRunner().invoke(main, ["load", "a11-quarterly", str(empty), str(real_quarterly_path), "--db", db_url])
    assert result.exit_code == 1
    assert f"{empty}: empty file (no header row)" in result.output
    assert "481 rows loaded" in result.output and "computed" in result.output
    assert "1 of 2 file(s) failed to load" in result.output


def test_response_level_kinds_load_through_the_cli(db_url, tmp_path):
    """Generation-2 upload and a mapped export, as a CX office runs them; scores follow."""
    from .conftest import SAMPLE
    upload = tmp_path / "upload.csv"
    columns = ["external_id", "question_1"] + [f"{side}_{o}" for side in ("positive", "negative") for o in (
        "effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")] + ["question_4"]
    with open(upload, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for i in range(40):  # 30 thumbs up, 10 down; positive_ease offered to all, selected by the first 12
            writer.writerow([f"r{i}", 1 if i < 30 else 0, "null", 1 if i < 12 else 0] + ["null"] * 12 + ["Thanks"])
    run("init", "--db", db_url)
    out = run("load", "a11-responses", upload, "--provider", "Passport Services", "--service", "Passport Services",
              "--channel", "computer", "--quarter", "FY2024Q3", "--db", db_url).output
    assert "40 rows loaded, 0 rejected" in out
    records = json.loads(run("scores", "--format", "json", "--quarter", "FY2024Q3", "--db", db_url).output)
    trust = next(r for r in records if r["service"] == "Passport Services" and r["channel"] == "computer"
                 and r["stage"] != "all" and r["question"] == "trust")
    assert (trust["n"], trust["pct_agree"], trust["mean"]) == (40, 0.75, None)
    ease = next(r for r in records if r["service"] == "Passport Services" and r["channel"] == "all"
                and r["stage"] == "all" and r["question"] == "positive_ease")
    assert (ease["n"], ease["pct_agree"]) == (40, 0.3)
    mapped = run("load", "survey-responses", SAMPLE / "a11_v2_response_level_SYNTHETIC.csv",
                 "--mapping", "touchpoints-form-a11", "--db", db_url).output
    assert "639 rows loaded" in mapped


# --- every command checks the catalogue -------------------------------------------------------

def _commands_taking_catalogue(group: click.Group, prefix: tuple = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands_taking_catalogue(command, prefix + (name,))
        elif any(param.name == "catalogue" for param in command.params):
            yield prefix + (name,)


# What each command needs besides --catalogue to get as far as reading it; serve gets a busy
# port, so a command that skipped the check fails on the port instead of serving forever.
REQUIRED = {("load",): ["--source", "sample-a11-quarterly"], ("review-freeze",): ["--quarter", "FY2023Q1"],
            ("demo",): ["--no-serve"], ("serve",): ["--port", "{busy}"], ("users", "add"): ["someone"],
            ("users", "disable"): ["someone"], ("users", "role"): ["someone", "viewer"],
            ("users", "grant"): ["someone", "--all"], ("users", "revoke"): ["someone", "--all"],
            ("review-reopen",): ["--quarter", "FY2023Q1", "--reason", "held by mistake"]}


def test_every_command_with_catalogue_is_covered():
    assert set(_commands_taking_catalogue(main)) >= {("scores",), ("indicators",), ("sources",), ("init",)}


@pytest.mark.parametrize("command", sorted(_commands_taking_catalogue(main)), ids=" ".join)
@pytest.mark.parametrize("problem", ["missing", "invalid"])
def test_every_command_validates_the_catalogue(db_url, tmp_path, busy_port, command, problem):
    run("init", "--db", db_url)
    bad = tmp_path / "catalogue.yaml"
    if problem == "invalid":
        text = paths.config_file("catalogue.yaml").read_text(encoding="utf-8")
        bad.write_text(text.replace("direction: higher", "direction: upward", 1), encoding="utf-8")
    extra = [a.replace("{busy}", str(busy_port)) for a in REQUIRED.get(command, [])]
    result = CliRunner().invoke(main, [*command, *extra, "--db", db_url, "--catalogue", str(bad)])
    assert result.exit_code == 1, result.output
    assert str(bad) in result.output and "Traceback" not in result.output
    assert ("file not found" if problem == "missing" else "direction") in result.output
    assert "already in use" not in result.output


# --- init leaves nothing behind when it fails; commands never create a database -----------

def test_failed_init_leaves_no_database_file(tmp_path):
    folder = tmp_path / "var"
    result = CliRunner().invoke(main, ["init", "--db", f"sqlite:///{folder / 'cx.db'}", "--catalogue", "/nope.yaml"])
    assert result.exit_code == 1 and not folder.exists()
    # A failure once SQLite has created the file: its write-ahead log cannot be opened (a folder
    # stands in its place), so the migration fails; the new file and folder go, the rest stays.
    (tmp_path / "wal" / "cx.db-wal").mkdir(parents=True)
    result = CliRunner().invoke(main, ["init", "--db", f"sqlite:///{tmp_path / 'wal' / 'cx.db'}"])
    assert result.exit_code == 1 and "database error" in result.output
    assert sorted(p.name for p in (tmp_path / "wal").iterdir()) == ["cx.db-wal"]
    (tmp_path / "nested" / "a").mkdir(parents=True)
    (tmp_path / "nested" / "a" / "b" / "cx.db-wal").mkdir(parents=True)
    result = CliRunner().invoke(main, ["init", "--db", f"sqlite:///{tmp_path / 'nested' / 'a' / 'b' / 'cx.db'}"])
    assert result.exit_code == 1 and not (tmp_path / "nested" / "a" / "b" / "cx.db").exists()


def test_a_command_on_a_missing_database_does_not_create_it(tmp_path):
    missing = tmp_path / "none.db"
    result = CliRunner().invoke(main, ["scores", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1 and "run 'cxdash init' first" in result.output
    assert not missing.exists()


# --- require_schema: the database must be at the newest revision ---------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request, tmp_path):
    """An empty database: a SQLite file, or the session's PostgreSQL database with its schema emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cli.db'}"
    from sqlalchemy import text
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def test_an_older_schema_says_to_run_init(any_db_url):
    db_url = any_db_url
    from alembic import command

    from cxdash.db.engine import alembic_config
    engine = make_engine(db_url)
    command.upgrade(alembic_config(engine), "0005")  # a database of an older cxdash
    engine.dispose()
    for args in (["compute"], ["scores"], ["sources"], ["initiatives", "sync"]):
        result = CliRunner().invoke(main, [*args, "--db", db_url])
        assert result.exit_code == 1, (args, result.output)
        assert result.output.strip().splitlines() == [
            f"Error: database {db_url} is at schema revision 0005, not the newest "
            f"({_head()}): run 'cxdash init' to upgrade it"]
    run("init", "--db", db_url)
    assert "6 initiatives from" in run("initiatives", "sync", "--db", db_url).output


def _head() -> str:
    from alembic.script import ScriptDirectory

    from cxdash.db.engine import alembic_config
    return ScriptDirectory.from_config(alembic_config(make_engine("sqlite://"))).get_current_head()


def test_a_schema_newer_than_this_cxdash_says_so(any_db_url):
    from sqlalchemy import text
    db_url = any_db_url
    run("init", "--db", db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    result = CliRunner().invoke(main, ["compute", "--db", db_url])
    assert result.exit_code == 1 and "revision 9999, newer than this cxdash knows" in result.output


# --- cxdash sources: for people and for machines --------------------------------------------

LONG_NAME = "an-agency-source-with-a-long-name-that-does-not-fit-in-a-hundred-columns"


@pytest.fixture
def sources_db(db_url, tmp_path):
    """One source loaded, one whose files are missing (failed), one never run."""
    import yaml
    config = tmp_path / "sources.yaml"
    config.write_text(yaml.safe_dump({"sources": [
        {"name": "sample-a11-quarterly", "kind": "a11-quarterly",
         "location": {"files": "sample:hisp_a11_quarterly_*.csv"}, "cadence": "quarterly"},
        {"name": LONG_NAME, "kind": "a11-quarterly", "location": {"files": "exports/nowhere-*.csv"},
         "cadence": "weekly"},
        {"name": "never-run", "kind": "a11-quarterly", "location": {"files": "exports/later-*.csv"},
         "cadence": "monthly"},
    ]}))
    run("init", "--db", db_url)
    run("load", "--source", "sample-a11-quarterly", "--sources", config, "--db", db_url, "--no-compute")
    run("load", "--source", LONG_NAME, "--sources", config, "--db", db_url, "--no-compute", ok=False)
    return config


def test_sources_table_is_readable_in_a_hundred_columns(db_url, sources_db):
    out = run("sources", "--sources", sources_db, "--db", db_url).output
    lines = out.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 100, out
    for unreadable in ("NaT", "None", "nan"):
        assert unreadable not in out
    assert lines[0].split() == ["source", "health", "last", "success", "UTC", "data", "as", "of", "loaded",
                                "rejected", "cadence"]
    loaded = next(line for line in lines if line.startswith("sample-a11-quarterly"))
    assert loaded.split()[1] == "out_of_date" and loaded.split()[4:7] == ["2022-12-31", "481", "0"]
    assert next(line for line in lines if line.startswith("never-run")).split() == ["never-run", "missing", "never",
                                                                                   "monthly"]
    failed = next(i for i, line in enumerate(lines) if line.startswith(LONG_NAME[:20]))
    assert lines[failed].split()[1:4] == ["failed", "never", "weekly"]
    reason = " ".join(line.strip() for line in lines[failed + 1:failed + 3])
    assert reason.startswith("failed: source ") and "no file matches" in reason and "nowhere-*.csv" in reason


def test_sources_csv_and_json_for_machines(db_url, sources_db):
    from cxdash.health import HEALTH_COLUMNS
    records = json.loads(run("sources", "--format", "json", "--sources", sources_db, "--db", db_url).output)
    by_name = {r["source"]: r for r in records}
    assert list(records[0]) == HEALTH_COLUMNS
    loaded = by_name["sample-a11-quarterly"]
    assert loaded["data_as_of"] == "2022-12-31" and loaded["rows_loaded"] == 481 and loaded["configured"] is True
    assert loaded["last_success"].endswith("+00:00") and loaded["last_success"][10] == "T"
    never = by_name["never-run"]
    assert never["last_success"] is None and never["data_as_of"] is None and never["health"] == "missing"
    assert by_name[LONG_NAME]["health"] == "failed" and "no file matches" in by_name[LONG_NAME]["message"]
    rows = list(csv.DictReader(io.StringIO(run("sources", "--format", "csv", "--sources", sources_db,
                                                "--db", db_url).output)))
    assert list(rows[0]) == HEALTH_COLUMNS and len(rows) == 3
    by_name = {r["source"]: r for r in rows}
    assert by_name["never-run"]["last_success"] == "" and by_name["never-run"]["configured"] == "true"
    assert by_name["sample-a11-quarterly"]["last_success"] == loaded["last_success"]
    assert "NaT" not in json.dumps(records)


@pytest.mark.parametrize("option,variable", [("--catalog", "CXDASH_CATALOG"), ("--catalogue", "CXDASH_CATALOGUE")])
def test_the_catalog_option_in_us_spelling_and_the_old_one_both_work(tmp_path, option, variable):
    db = f"sqlite:///{tmp_path / 'cx.db'}"
    result = CliRunner().invoke(main, ["init", "--db", db, option, str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0 and "nope.yaml: file not found" in result.output
    result = CliRunner().invoke(main, ["init", "--db", db], env={variable: str(tmp_path / "none.yaml")})
    assert result.exit_code != 0 and "none.yaml: file not found" in result.output
