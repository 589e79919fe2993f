"""The scorecard's bottom line in a real headless Chromium at 1440 px and 390 px: above the first
goal section (and, on a phone, before the filter controls), sorted worst first, naming every
off-track measure with its gap; nothing clipped; the survey data of the demo (as of 31 Dec 2022,
quarterly) reads "Out of date" beside its date; axe finds nothing."""
from __future__ import annotations

import pytest

from cxdash import paths
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.sources import load_sources

from .accessibility import axe_violations
from .conftest import configured_sources
from .test_bottom_line import ORDER, expected

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_survey(tmp_path_factory, catalogue):
    """The shipped sample A-11 source, loaded as configured (quarterly, 45 days' grace)."""
    shipped = next(s for s in load_sources(paths.config_file("sources.yaml")) if s.name == "sample-a11-quarterly")
    entry = shipped.model_dump(mode="json", exclude_none=True)
    engine, sources = configured_sources(tmp_path_factory.mktemp("demo"), catalogue, [entry])
    yield engine, sources
    engine.dispose()


def _top(driver, selector: str) -> float:
    return driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY;", selector)


CLIPPED = """
const table = document.querySelector('#bottom-line-table');
const out = [];
if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page scrolls sideways');
const box = table.parentElement.getBoundingClientRect();
if (table.getBoundingClientRect().right > box.right + 1) out.push('table wider than its section');
for (const cell of table.querySelectorAll('td, th')) {
  if (cell.scrollWidth > cell.clientWidth + 1) out.push('cell overflows: ' + cell.textContent);
}
return out;"""


@pytest.mark.parametrize("width", [1440, 390])
def test_bottom_line_is_first_sorted_names_the_off_track_and_never_clips(dash_duo, demo_survey, catalogue, width):
    engine, sources = demo_survey
    truth = expected(engine, catalogue)
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(width, 1000)
    dash_duo.driver.get(dash_duo.server_url + "/?quarter=FY2023Q1")
    dash_duo.wait_for_element("#bottom-line-table", timeout=20)
    dash_duo.wait_for_element(".cx-sparkline .main-svg", timeout=15)  # the page has finished drawing
    driver = dash_duo.driver
    assert driver.execute_script("return window.innerWidth") <= width
    if width >= 1440:  # the USWDS wide container: the content uses the screen, not a 1024 px column
        assert driver.execute_script("return document.getElementById('main-content').clientWidth") >= 1300

    # Above the first goal section; on a phone also above the filter controls.
    assert _top(driver, "#bottom-line") < _top(driver, ".cx-goal")
    if width < 640:
        assert _top(driver, "#bottom-line") < _top(driver, ".cx-filters")

    rows = dash_duo.find_elements("#bottom-line-table tbody tr")
    statuses = [r.get_attribute("data-status") for r in rows]
    assert len(rows) == len(catalogue.measures)
    assert statuses == sorted(statuses, key=ORDER.index)
    assert statuses == [truth[r.get_attribute("data-measure")]["status"] for r in rows]
    sentence = dash_duo.find_element("#bottom-line-sentence").text
    off = [mid for mid, t in truth.items() if t["status"] == "off_track"]
    assert off
    by_id = {r.get_attribute("data-measure"): r for r in rows}
    for mid in off:
        want = truth[mid]
        row_text = " ".join(by_id[mid].get_attribute("textContent").split())
        assert want["name"] in row_text and f"{want['gap_points']} points below" in row_text
        assert want["owner"] in row_text and "Off track" in row_text  # in words, not colour alone
        assert f"{want['name']} ({want['gap_points']} points below target)" in sentence
    assert "p =" not in dash_duo.find_element("#bottom-line").text

    assert driver.execute_script(CLIPPED) == []

    freshness = dash_duo.find_element("#scorecard-freshness").text
    assert "Out of date" in freshness and "data as of 31 Dec 2022" in freshness
    assert "Last loaded" in freshness  # the load time, apart from the data's date
    assert dash_duo.find_element("#scorecard-freshness [data-freshness]").get_attribute(
        "data-freshness") == "out_of_date"
    assert axe_violations(driver) == []
