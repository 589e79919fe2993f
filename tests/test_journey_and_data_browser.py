"""The journey-stage and Data pages in a real headless Chromium, at 1440 px and 390 px: one
catalogue service's stage x indicator heat map (never a Boston department or a pool of services),
every cell's text inside its cell, on a phone a list per stage, a filter change, a stage's
drill-down reached by its link and by the stage filter, per-panel freshness, and axe-core on
every view, the drill-down included. The case data are the shipped Boston 311 sample."""
from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest
import yaml
from selenium.webdriver.common.by import By

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF

from . import boston
from .accessibility import axe_violations
from .conftest import CONFIG, QUARTERLY, configured_sources, sample_source
from .test_access_browser import _options
from .test_contacts import _expected, _sample_frame
from .test_one_service import furthest_off_track
from .test_voice_view import personal_details, stored_items
from .waiting import wait_until

pytestmark = pytest.mark.browser
CATALOGUE_YAML = CONFIG / "catalogue.yaml"
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    folder = tmp_path_factory.mktemp("journey")
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "a11", "kind": "a11-quarterly", "location": {"files": str(QUARTERLY)}, "cadence": "quarterly"},
        boston.source("311"),
        {"name": "gone", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(folder / "missing" / "*.csv")}},
    ], check=False)
    yield engine, sources
    engine.dispose()


@pytest.fixture(scope="module")
def journey_loaded(tmp_path_factory, catalogue):
    """Real A-11 quarterly and 311 data with the synthetic contact center and complaints, whose
    service has start, process and end stages: loaded as configured sources, computed once."""
    folder = tmp_path_factory.mktemp("journey-stages")
    engine, sources = configured_sources(folder, catalogue, [
        sample_source("a11"), boston.source("311"), sample_source("contacts", "contact-centre"),
        sample_source("complaints")])
    yield engine, sources
    engine.dispose()


def _rows(dash_duo, table_id) -> dict[str, list[str]]:
    """Body rows keyed by their first cell (a row header or a cell), read even when collapsed."""
    out = {}
    for tr in dash_duo.find_elements(f"#{table_id} tbody tr"):
        cells = [c.get_attribute("textContent").strip() for c in tr.find_elements("css selector", "th, td")]
        out[cells[0]] = cells[1:]
    return out


def _wait_text(dash_duo, selector, text, timeout=10):
    """Wait until an element's text content (shown or inside a closed <details>) contains text."""
    wait_until(lambda: text in dash_duo.driver.find_element(By.CSS_SELECTOR, selector).get_attribute("textContent"),
               f"{selector} never showed {text!r}", timeout)


def _query(dash_duo) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(dash_duo.driver.current_url).query)


def _grid(dash_duo, table_id) -> dict[tuple[str, str], str]:
    """The heat map's table as (indicator, stage) -> cell text: an indicator a row, a stage a column."""
    stages = [h.get_attribute("textContent").strip() for h in dash_duo.find_elements(f"#{table_id} thead th")][1:]
    return {(indicator, stage): text for indicator, row in _rows(dash_duo, table_id).items()
            for stage, text in zip(stages, row)}


def _shown(dash_duo, selector) -> bool:
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return !!e && e.getClientRects().length > 0;", selector)


# Every cell's text inside its own cell of the drawn grid (no "SuppressedSuppressed" across two
# cells): each annotation's box against its column and row of the plot area.
OUTSIDE_CELLS = """
const gd = document.querySelector('#journey-stages .js-plotly-plot');
const full = gd._fullLayout, xa = full.xaxis, ya = full.yaxis;
const cols = xa.tickvals.length, rows = ya.tickvals.length;
const box = gd.getBoundingClientRect();
const w = xa._length / cols, h = ya._length / rows;
const out = [];
for (const note of gd.querySelectorAll('.annotation')) {
  const i = +note.getAttribute('data-index'), spec = full.annotations[i];
  const r = note.querySelector('.annotation-text').getBoundingClientRect();
  const left = box.left + xa._offset + spec.x * w, top = box.top + ya._offset + spec.y * h;
  if (r.left < left || r.right > left + w || r.top < top || r.bottom > top + h) {
    out.push(spec.text + ' at ' + spec.x + ',' + spec.y + ': ' + Math.round(r.width) + 'x' + Math.round(r.height) +
             ' in ' + Math.round(w) + 'x' + Math.round(h));
  }
}
return out;"""


def _sideways(dash_duo) -> bool:
    return dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth + 1;")


def test_journey_offers_only_catalogue_services_and_opens_on_the_furthest_off_track(dash_duo, loaded, catalogue):
    """A link naming a Boston department (311 cases, not a catalogue provider) opens the catalogue
    service furthest off track; the lists hold the catalogue's providers only; a provider change
    opens that provider's service and the address follows; the failed source says so."""
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1440, 1400)
    dash_duo.driver.get(dash_duo.server_url + "/journey?" + urllib.parse.urlencode({"provider": boston.PROVIDER}))
    dash_duo.wait_for_element("#journey-stages-table", timeout=20)
    expected = furthest_off_track(pd.read_csv(QUARTERLY), yaml.safe_load(CATALOGUE_YAML.read_text(encoding="utf-8")),
                                  2023, 1)
    wait_until(lambda: _query(dash_duo).get("service") == [expected[1]], "the address never named the service")
    assert _query(dash_duo) == {"quarter": ["FY2023Q1"], "provider": [expected[0]], "service": [expected[1]]}
    assert f"Showing FY2023 Q1 · {expected[0]} · {expected[1]}" in dash_duo.find_element("#journey-scope").text
    with_data = {s.provider for s in catalogue.services} - {"Synthetic example provider"}  # no contact data here
    assert set(_options(dash_duo, "#journey-provider")) == with_data
    assert boston.PROVIDER not in dash_duo.find_element("body").text
    assert "Feedback data:" in dash_duo.find_element("#journey-content").text  # the failed source says so
    assert dash_duo.find_elements('[data-freshness="failed"]')
    assert axe_violations(dash_duo.driver) == []

    # Another provider: its service (VHA has one), and the address follows.
    dash_duo.select_dcc_dropdown("#journey-provider", value="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#journey-scope", "Receiving outpatient services", timeout=15)
    assert _query(dash_duo)["service"] == ["Receiving outpatient services"]
    vha = {"Schedule", "Visit", "Follow-up"}  # VHA's stages only, nobody else's: in the grid and the stage list
    assert {s for _, s in _grid(dash_duo, "journey-stages-table")} <= vha | {"All stages"}
    wait_until(lambda: set(_options(dash_duo, "#journey-stage")) - {"All stages (overview)"} <= vha,
               lambda: f"the stage list kept another service's stages: {_options(dash_duo, '#journey-stage')}")


@pytest.mark.parametrize("width", [1440, 390])
def test_journey_heat_map_and_stage_drill_down(dash_duo, journey_loaded, catalogue, width):
    engine, sources = journey_loaded
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(width, 2000)
    assert dash_duo.driver.execute_script("return window.innerWidth") <= width
    scope = urllib.parse.urlencode({"quarter": "FY2022Q2", "provider": SYNTHETIC[0], "service": SYNTHETIC[1]})
    dash_duo.driver.get(dash_duo.server_url + "/journey?" + scope)
    dash_duo.wait_for_element("#journey-stages-table", timeout=20)

    # Abandoned calls per stage from the raw contact-center file (pandas): values and standing.
    raw = _sample_frame()
    raw = raw[raw["valid"] & (raw["fiscal_year"] == 2022) & (raw["fiscal_quarter"] == 2)]
    abandoned = {stage: _expected(frame)["abandonment_rate"][0] for stage, frame in raw.groupby("stage")}
    grid = _grid(dash_duo, "journey-stages-table")
    for stage, value in abandoned.items():
        assert grid[("Calls abandoned", stage.capitalize())].startswith(f"{value * 100:.1f}%")
    assert grid[("Calls abandoned", max(abandoned, key=abandoned.get).capitalize())].endswith("▼ weakest")
    assert grid[("Calls abandoned", min(abandoned, key=abandoned.get).capitalize())].endswith("▲ strongest")
    assert "weakest" in dash_duo.find_element("#journey-stages-takeaway").text
    # Stages across in journey order; only this service's.
    stages = [h.text for h in dash_duo.find_elements("#journey-stages-table thead th")][1:]
    assert [s.strip() for s in stages if s.strip()] in (["Start", "Process", "End", "All stages"], [])
    if width == 1440:
        # The grid: every cell's text inside its cell.
        dash_duo.wait_for_element("#journey-stages .main-svg", timeout=20)
        assert _shown(dash_duo, "#journey-stages") and not _shown(dash_duo, "#journey-stages-list")
        assert dash_duo.driver.execute_script(OUTSIDE_CELLS) == []
    else:
        # A phone: a list per stage instead of the grid, in journey order, nothing sideways.
        assert _shown(dash_duo, "#journey-stages-list") and not _shown(dash_duo, "#journey-stages")
        titles = [e.text for e in dash_duo.find_elements("#journey-stages-list .cx-heat-list__title")]
        assert titles == ["Start", "Process", "End", "All stages"]
        weakest = max(abandoned, key=abandoned.get).capitalize()
        group = dash_duo.find_element(f"#journey-stages-list-{titles.index(weakest)}").find_element(
            By.XPATH, "./ancestor::section")
        item = next(li for li in group.find_elements(By.CSS_SELECTOR, "li") if "Calls abandoned" in li.text)
        assert f"{abandoned[weakest.lower()] * 100:.1f}%" in item.text and "weakest" in item.text
        assert not _sideways(dash_duo)
    assert axe_violations(dash_duo.driver) == []

    # A filter change: the next quarter's values and the address follow.
    dash_duo.select_dcc_dropdown("#journey-quarter", value="FY2022 Q3")
    raw3 = _sample_frame()
    raw3 = raw3[raw3["valid"] & (raw3["fiscal_year"] == 2022) & (raw3["fiscal_quarter"] == 3)]
    start = _expected(raw3[raw3["stage"] == "start"])["abandonment_rate"][0]
    dash_duo.wait_for_contains_text("#journey-scope", "FY2022 Q3", timeout=10)
    _wait_text(dash_duo, "#journey-stages-table", f"{start * 100:.1f}%")
    assert "quarter=FY2022Q3" in dash_duo.driver.current_url
    if width == 1440:
        dash_duo.wait_for_element("#journey-stages .main-svg", timeout=20)
        wait_until(lambda: dash_duo.driver.execute_script(OUTSIDE_CELLS) == [], "text outside its cell in FY2022 Q3")

    # The stage's link (a plain link, so the keyboard reaches it) opens its drill-down.
    link = next(a for a in dash_duo.find_elements("#journey-stage-links a") if a.text == "End")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    dash_duo.wait_for_element("#journey-questions-table, #journey-channels-table", timeout=20)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(dash_duo.driver.current_url).query)
    assert query == {"quarter": ["FY2022Q3"], "provider": [SYNTHETIC[0]], "service": [SYNTHETIC[1]], "stage": ["end"]}
    dash_duo.wait_for_contains_text("#journey-content h2", "The End stage, FY2022 Q3", timeout=10)
    end = _expected(raw3[raw3["stage"] == "end"])
    phone = _rows(dash_duo, "journey-channels-table")["Phone"]
    assert phone[1] == f"{end['abandonment_rate'][0] * 100:.1f}%"
    # The stage's themes: items per theme counted by pandas on the stored (redacted) feedback.
    items = stored_items(engine)
    mine = items[(items.fiscal_year == 2022) & (items.fiscal_quarter == 3) & (items.stage == "end")]
    themes = _rows(dash_duo, "journey-stage-themes-table")
    sizes = mine.groupby("label").size()
    assert themes and all(int(row[0]) == sizes[label] for label, row in themes.items())
    examples = [row[-1] for row in themes.values()]
    assert set(examples) <= set(mine["text_redacted"])
    onward = dash_duo.find_elements("#journey-onward a")
    assert any("/voice?" in a.get_attribute("href") and "stage=end" in a.get_attribute("href") for a in onward)
    # "Look further": each link a target at least 24 px tall, none closer than 24 px to the next.
    boxes = [a.rect for a in onward]
    assert all(b["height"] >= 24 for b in boxes), boxes
    assert all(b2["y"] - b1["y"] >= 24 for b1, b2 in zip(boxes, boxes[1:])), boxes
    page = dash_duo.find_element("body").get_attribute("textContent")
    assert personal_details(page) == []
    if width == 390:
        assert not _sideways(dash_duo)
    assert axe_violations(dash_duo.driver) == []  # the drill-down state (WCAG 2.2 target size included)

    # The stage filter moves the drill-down and the address without a reload.
    dash_duo.select_dcc_dropdown("#journey-stage", value="Process")
    dash_duo.wait_for_contains_text("#journey-content h2", "The Process stage", timeout=10)
    assert "stage=process" in dash_duo.driver.current_url
    stage_options = _options(dash_duo, "#journey-stage")
    assert stage_options == ["All stages (overview)", "Start", "Process", "End"]  # this service's stages only


def test_data_page_lists_sources_health_and_checks(dash_duo, loaded, catalogue):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.get(dash_duo.server_url + "/data")
    dash_duo.wait_for_element("#sources-table", timeout=20)
    text = dash_duo.find_element("#sources-table").text
    assert f"{boston.ROWS:,}" in text and "481" in text and "Failed" in text
    # Judged on the data's own dates (2019 cases, 2022 survey), not on the load just made.
    dash_duo.wait_for_contains_text("#data-takeaway", "3 sources: 2 out of date, 1 failed")
    cells = [c.text for c in dash_duo.find_elements("#sources-table td")]
    assert "Out of date" in cells and "Fresh" not in cells
    assert "no file matches" in dash_duo.find_element("#data-takeaway").text
    assert "Gaps in quarters" in dash_duo.find_element("#src-a11-checks-table").text
    assert axe_violations(dash_duo.driver) == []
