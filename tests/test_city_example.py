"""The shipped city 311 example (`cxdash demo --example city`): a catalog of the services the Boston,
Los Angeles and New York City samples hold, named as their mappings store them, with no survey
measures and none of the federal portfolio; sources that load the three samples and nothing else.
In a real headless Chromium, the scorecard says there are no survey measures and points to
Operations, and Operations shows a Boston service's cases created in a quarter and Journey its backlog at the
quarter's end as pandas counts them in the raw file, with axe-core finding nothing serious."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import urllib.request

import pandas as pd
import pytest
from click.testing import CliRunner
from pptx import Presentation

from cxdash import audit, health, paths
from cxdash.catalogue import load_catalogue
from cxdash.cli import main
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import equity_page
from cxdash.db.engine import make_engine
from cxdash.exports.review_deck import build_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review.assemble import assemble
from cxdash.sources import load_sources

from . import boston
from .accessibility import axe_violations
from .conftest import CONFIG, SAMPLE
from .serving import first_page, free_port
from .test_equity_view import find, text

EXAMPLE = paths.example_dir("city")
LA_PROVIDERS = {"BOS": "Bureau of Sanitation", "OCB": "Office of Community Beautification",
                "BSL": "Bureau of Street Lighting", "ITA": "Information Technology Agency",
                "LADWP": "Department of Water and Power"}  # la-311's provider codes in words, written out
SERVICE = "Animal Generic Request"  # Boston's Animal Control: cases in both quarters of the sample


def _raw_services() -> set[tuple[str, str]]:
    """(provider, service) of every row of the three samples, read with pandas as the mappings store them."""
    bos = pd.read_csv(SAMPLE / "boston_311_sample.csv", dtype=str)
    la = pd.read_csv(SAMPLE / "la_311_sample.csv", dtype=str)
    nyc = pd.read_csv(SAMPLE / "nyc_311_sample.csv", dtype=str)
    return (set(zip(bos["subject"], bos["type"], strict=True))
            | set(zip(la["Owner"].map(LA_PROVIDERS), la["RequestType"], strict=True))
            | set(zip(nyc["Agency"], nyc["Complaint Type"], strict=True)))


def test_the_catalog_names_the_samples_services_and_nothing_federal():
    catalogue = load_catalogue(EXAMPLE / "catalogue.yaml")
    assert {(s.provider, s.name) for s in catalogue.services} == _raw_services()
    assert catalogue.measures == [] and catalogue.goals == []
    federal = load_catalogue(CONFIG / "catalogue.yaml")
    assert not {s.provider for s in federal.services} & {s.provider for s in catalogue.services}
    assert {s.agency for s in catalogue.services} == {"Boston", "Los Angeles", "New York City"}


def test_the_sources_are_the_three_city_samples():
    sources = load_sources(EXAMPLE / "sources.yaml")
    assert [(s.name, s.kind, s.mapping) for s in sources] == [
        ("boston-311", "cases", "boston-311"), ("la-311", "cases", "la-311"), ("nyc-311", "cases", "nyc-311")]
    assert [paths.sample_file(s.location.files).name for s in sources] == [
        "boston_311_sample.csv", "la_311_sample.csv", "nyc_311_sample.csv"]


def test_config_init_copies_no_example():
    assert not [name for name in paths.default_config_files() if name.startswith("examples/")]
    assert paths.examples() == ["city"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`cxdash demo --example city --no-serve` on a SQLite file: the database URL and what it printed."""
    url = f"sqlite:///{tmp_path_factory.mktemp('city-example') / 'city.db'}"
    result = CliRunner().invoke(main, ["demo", "--example", "city", "--no-serve", "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return url, result.output


def test_demo_loads_the_three_samples(demo):
    url, output = demo
    assert "boston-311: succeeded; 1 file(s), 3864 rows loaded, 0 rejected" in output
    assert "la-311: succeeded; 1 file(s), 3995 rows loaded, 5 rejected" in output  # 5 end before they start
    assert "nyc-311: succeeded; 1 file(s), 100 rows loaded, 0 rejected" in output
    assert "0 measure results" in output
    assert f"'cxdash serve --example city --db {url}'" in output  # how to serve the same example, by name
    engine = make_engine(url)
    loads = audit.events(engine, action="source.load", limit=None)
    engine.dispose()
    assert {e["target"]: json.loads(e["details"])["status"] for e in loads} == {
        "boston-311": "succeeded", "la-311": "succeeded", "nyc-311": "succeeded"}


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_example_and_an_agency_folder_are_not_mixed(tmp_path, command):
    options = ["--no-serve"] if command == "demo" else ["--no-sign-in", "--port", str(free_port())]
    result = CliRunner().invoke(main, ["--config-dir", str(tmp_path), command, "--example", "city", *options,
                                       "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1 and result.output == (
        f"Error: --example city and --config-dir {tmp_path.resolve()}: use one or the other (copy the example's "
        "files into your folder to start from them)\n")
    assert not (tmp_path / "x.db").exists()


def _served_scorecard(url: str, *example: str) -> str:
    """`cxdash serve --no-sign-in [--example NAME]` as a real process on a free port: the scorecard's
    content as Dash's page router answers the browser for '/'."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != paths.CONFIG_DIR_ENV}
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "serve", *example, "--no-sign-in",
                             "--port", str(port), "--threads", "2", "--db", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        first_page(f"http://127.0.0.1:{port}/", proc, 60, lambda: proc.stdout.read() if proc.poll() is not None else "")
        route = {"output": ".._pages_content.children..._pages_store.data..",
                 "outputs": [{"id": "_pages_content", "property": "children"},
                             {"id": "_pages_store", "property": "data"}],
                 "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                            {"id": "_pages_location", "property": "search", "value": ""}],
                 "changedPropIds": ["_pages_location.pathname"], "state": []}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/_dash-update-component",
                                         data=json.dumps(route).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_with_the_example_serves_its_catalog(demo):
    """The database the city demo filled, served with --example city, then (the control) without it:
    the scorecard names the catalog's agency and says whether it defines measures."""
    url, _ = demo
    city = _served_scorecard(url, "--example", "city")
    assert "Example city 311 services: measures derived" in city and 'scorecard-no-measures' in city
    assert load_catalogue(EXAMPLE / "catalogue.yaml").agency == "Example city 311 services"
    federal = _served_scorecard(url)
    assert f"{load_catalogue(CONFIG / 'catalogue.yaml').agency}: measures derived" in federal
    assert "Example city 311" not in federal and "scorecard-no-measures" not in federal


@pytest.mark.browser
def test_scorecard_and_operations_in_a_browser(dash_duo, demo):
    url, _ = demo
    engine = make_engine(url)
    catalogue = load_catalogue(EXAMPLE / "catalogue.yaml")
    dash_duo.start_server(create_app(engine, catalogue, load_sources(EXAMPLE / "sources.yaml"), sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + "/")
    dash_duo.wait_for_contains_text("#scorecard-no-measures", "The catalog defines no survey measures yet")
    link = dash_duo.find_element("#scorecard-no-measures a")
    assert link.get_attribute("href").endswith("/operations")
    assert axe_violations(dash_duo.driver) == []

    raw = boston.read_raw()
    created = raw[(raw["provider"] == "Animal Control") & (raw["service"] == SERVICE)
                  & raw["created"].between(pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 6, 30))]  # FY2019 Q3
    assert len(created) > 100
    dash_duo.driver.get(dash_duo.server_url + "/operations?quarter=FY2019Q3&provider=Animal+Control"
                        f"&service={SERVICE.replace(' ', '+')}")
    dash_duo.wait_for_contains_text("#operations-scope", f"Animal Control, {SERVICE}", timeout=30)
    dash_duo.wait_for_contains_text("#operations-kpi-volume", f"{len(created):,} cases")
    dash_duo.wait_for_element("#operations-backlog .main-svg", timeout=20)
    assert axe_violations(dash_duo.driver) == []

    # Journey: the backlog at the quarter's end, all stages: created by 30 June 2019, not closed by then
    mine = raw[(raw["provider"] == "Animal Control") & (raw["service"] == SERVICE)]
    end = pd.Timestamp(2019, 6, 30)
    backlog = int(((mine["created"] <= end) & ~(mine["closed"] <= end)).sum())
    dash_duo.driver.get(dash_duo.server_url + "/journey?quarter=FY2019Q3&provider=Animal+Control"
                        f"&service={SERVICE.replace(' ', '+')}")
    dash_duo.wait_for_contains_text("#journey-content", "Backlog at quarter end", timeout=30)
    assert f"{backlog:,}" in dash_duo.find_element("#journey-content").text
    assert axe_violations(dash_duo.driver) == []

    # New York City's data end within a quarter: the note right under the heat map says on which
    # day its backlog was counted (the pack's journey slide says the same, tested below).
    last, (provider, service) = _nyc_end()
    quarter = FiscalQuarter.of_date(last.date())
    dash_duo.driver.get(dash_duo.server_url + f"/journey?quarter={quarter.label}&provider={provider}&service={service}")
    dash_duo.wait_for_contains_text("#journey-backlog-as-of", f"counted as of {last.day} {last:%b} {last.year}",
                                    timeout=30)
    note = dash_duo.find_element("#journey-backlog-as-of")
    heat_map = dash_duo.find_element("#journey-content .cx-footnote")  # the color key under the heat map
    assert note.location["y"] > heat_map.location["y"]
    assert dash_duo.driver.execute_script(
        "return arguments[0].previousElementSibling === arguments[1]", note, heat_map)

    # The Quarterly review offers the latest quarter with case data: operational data alone can be reviewed.
    latest = max(FiscalQuarter.of_date(d.date()) for d in (raw["created"].max(), raw["closed"].max()))
    dash_duo.driver.get(dash_duo.server_url + "/review")
    dash_duo.wait_for_contains_text("#review-scope", f"Showing {latest.display}", timeout=30)
    assert dash_duo.find_element("#review-build").is_enabled()
    assert dash_duo.find_element("#review-takeaway").text.startswith("The catalog defines no survey measures")
    assert "Services side by side" in dash_duo.find_element("#review-content").text
    assert axe_violations(dash_duo.driver) == []
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []
    engine.dispose()


def test_the_cli_packs_the_latest_quarter_of_case_data(demo, tmp_path):
    """No survey measures, so no measure results: the pack's default quarter is the latest with
    case indicators (counted here from the three raw files), not an error."""
    url, _ = demo
    days = [boston.read_raw()[c].max() for c in ("created", "closed")]
    days += [t.max() for t in _times("nyc_311_sample.csv", "Created Date", "Closed Date")[1]]
    days += [t.max() for t in _times("la_311_sample.csv", "CreatedDate", "ClosedDate")[1]]
    latest = max(FiscalQuarter.of_date(d.date()) for d in days if not pd.isna(d))
    result = CliRunner().invoke(main, ["--config-dir", str(EXAMPLE), "review-pack", "--db", url,
                                       "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (deck,) = tmp_path.glob("*.pptx")
    assert deck.name == f"cx-review-{latest.label}-all-services.pptx"


def _times(file_name: str, *columns: str) -> tuple[pd.DataFrame, list[pd.Series]]:
    """A Los Angeles or New York City sample read with pandas, and its ``columns`` as times (both
    exports write local times as 12/31/2017 11:59:58 PM)."""
    frame = pd.read_csv(SAMPLE / file_name, dtype=str)
    return frame, [pd.to_datetime(frame[c], format="%m/%d/%Y %I:%M:%S %p") for c in columns]


def _nyc_end() -> tuple[pd.Timestamp, tuple[str, str]]:
    """New York City's sample, read with pandas: its latest created or closed time, and the
    (agency, complaint type) of the one case still open then."""
    nyc, (created, closed) = _times("nyc_311_sample.csv", "Created Date", "Closed Date")
    last = max(created.max(), closed.max())
    still_open = nyc[(created <= last) & ~(closed <= last)]
    (scope,) = set(zip(still_open["Agency"], still_open["Complaint Type"]))
    return last, scope


def test_a_review_of_the_quarter_the_data_end_in_says_on_which_day_the_backlog_was_counted(demo):
    """New York City's sample ends on a day in December: its quarter's backlog is counted on that
    day, and the pack's journey slide says so under the table, as the Journey page does."""
    url, _ = demo
    last, (provider, service) = _nyc_end()
    quarter = FiscalQuarter.of_date(last.date())
    assert last.date() < quarter.end  # the data end before the quarter does
    engine = make_engine(url)
    contents = assemble(engine, load_catalogue(EXAMPLE / "catalogue.yaml"), quarter, provider, service)
    engine.dispose()
    day = f"{last.day} {last:%b} {last.year}"
    expected = (f"The backlog of {quarter.display} is counted as of {day}, the latest day in the data: "
                "the quarter is not over.")
    assert contents.journey.notes == [expected]
    # Its footer says what the pack holds and the day its data run to: no survey was loaded.
    assert contents.as_of == last.date() and "survey" not in contents.source
    prs = Presentation(io.BytesIO(build_deck(contents)))
    slide = next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text == f"Journey: {service}")
    table = next(s for s in slide.shapes if s.has_table)
    (footnote,) = [s for s in slide.shapes if s.name == "Footnote"]
    assert footnote.text_frame.text == expected
    assert footnote.top >= table.top + table.height  # under the table, never over it
    bottom_line = next(s for s in prs.slides if s.shapes.title is not None and s.shapes.title.text == "Bottom line")
    assert (f"The catalog defines no survey measures for {provider} · {service}, so there is nothing to score in "
            f"{quarter.display}.") in [shape.text_frame.text for shape in bottom_line.shapes if shape.has_text_frame]


def test_equity_draws_no_empty_chart_where_every_channel_is_suppressed(demo):
    """A service whose every channel has too few cases with a due date closed in the quarter: the
    takeaway and the table say so, and no chart of empty axes is drawn."""
    url, _ = demo
    raw = boston.read_raw()
    quarter = FiscalQuarter(2022, 4)
    closed = raw[raw["closed"].between(pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)) & raw["due"].notna()]
    per_channel = closed.groupby(["provider", "service", "channel"]).size()
    small = per_channel.groupby(level=[0, 1]).max()
    (provider, service), _ = next(iter(small[small < 30].items()))  # every channel of it under 30
    engine = make_engine(url)
    app = create_app(engine, load_catalogue(EXAMPLE / "catalogue.yaml"), load_sources(EXAMPLE / "sources.yaml"),
                     sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        content = equity_page.update(quarter.label, provider, service, "channel", "on_time_rate")[3]
    engine.dispose()
    channels = int(per_channel.loc[(provider, service)].size)
    assert text(find(content, "equity-family-chart-takeaway")) == (
        f"For cases completed on time in {quarter.display} ({service}), no comparison is possible: fewer than two "
        f"channels have n >= 30; {channels} channel{'s are' if channels > 1 else ' is'} suppressed (n < 30).")
    assert find(content, "equity-family-table") is not None
    assert find(content, "equity-family-chart") is None  # no chart of empty axes


def test_a_311_export_has_quarter_gaps_only_where_it_has_no_request_at_all(demo):
    """The Data page's gap check on case data: New York City's 100 requests over ten years leave
    whole quarters empty (counted here from the raw file); a service asked for once is no gap."""
    url, _ = demo
    engine = make_engine(url)
    kinds = {s.name: s.kind for s in load_sources(EXAMPLE / "sources.yaml")}
    checks = pd.DataFrame(health.refresh_quality(engine, kinds))
    engine.dispose()
    gaps = checks[checks["check"] == "quarter_gaps"].set_index("source")
    _, (created,) = _times("nyc_311_sample.csv", "Created Date")
    have = {FiscalQuarter.of_date(d.date()) for d in created}
    quarter, empty = min(have), 0
    while quarter <= max(have):
        empty += quarter not in have
        quarter = quarter.next()
    assert gaps.loc["nyc-311", "detail"].startswith(f"{empty} gap(s): the whole source: FY")
    assert gaps.loc["boston-311", "passed"] and gaps.loc["la-311", "passed"]
