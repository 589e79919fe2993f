"""Every page with the shipped sample data in a real headless Chromium: at 1440 px and 390 px no
page scrolls sideways and a table wider than its column scrolls in its own box with a cue in
words; printed (Chromium's own PDF), every page drops the screen-only controls, keeps its title
and its summary of the view, no text runs past the paper's edge, and laid out at the paper's
width no chart runs past it (a chart drawn for a wide screen is redrawn at the paper's width)."""
from __future__ import annotations

import base64
import io

import pdfplumber
import pytest

from cxdash import paths
from cxdash.dashboard.app import create_app
from cxdash.dashboard.navigation import NAV
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.sources import load_sources

from .conftest import configured_sources

pytestmark = pytest.mark.browser

CUE = "Scroll sideways to see every column"

PAPER = 720  # CSS pixels across US Letter inside half-inch margins (96 to the inch)

# Laid out as on paper: print media, the paper's width, the page told it is about to print.
ON_PAPER = """
window.dispatchEvent(new Event('beforeprint'));
const out = [];
for (const svg of document.querySelectorAll('#main-content .js-plotly-plot .main-svg')) {
  const box = svg.getBoundingClientRect();
  if (box.width && box.right > arguments[0] + 1) out.push('chart past the edge: ' + Math.round(box.right));
}
if (document.documentElement.scrollWidth > arguments[0] + 1) out.push('page wider than the paper');
window.dispatchEvent(new Event('afterprint'));
return out;"""

TABLES = """
const out = [];
if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('the page scrolls sideways');
for (const table of document.querySelectorAll('#main-content table')) {
  if (!table.offsetParent) continue;  // inside a closed "View as table"
  const box = table.closest('.usa-table-container--scrollable');
  const column = (box || table).parentElement.getBoundingClientRect();
  if (!box) {
    if (table.getBoundingClientRect().right > column.right + 1) out.push('clipped: ' + table.id);
    continue;
  }
  const wide = box.scrollWidth > box.clientWidth + 1;
  const cue = getComputedStyle(box, '::before').content;
  if (wide && !(box.hasAttribute('data-overflows') && cue.includes(arguments[0]))) out.push('no cue: ' + table.id);
  if (!wide && box.hasAttribute('data-overflows')) out.push('cue on a table that fits: ' + table.id);
}
return out;"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory, catalogue):
    """Every shipped sample source, loaded as configured and computed (what 'cxdash demo' shows)."""
    entries = [s.model_dump(mode="json", exclude_none=True) for s in load_sources(paths.config_file("sources.yaml"))]
    engine, sources = configured_sources(tmp_path_factory.mktemp("demo"), catalogue, entries, check=False)
    yield engine, sources
    engine.dispose()


def _open(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element("#main-content h1", timeout=20)
    dash_duo.wait_for_no_elements("._dash-loading", timeout=30)
    dash_duo.driver.execute_script("return new Promise(r => setTimeout(r, 1500));")  # charts settle


@pytest.mark.parametrize("width", [1440, 390])
def test_no_page_scrolls_sideways_and_wide_tables_say_they_scroll(dash_duo, demo, catalogue, width):
    engine, sources = demo
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(width, 1000)
    wide_tables = 0
    for _label, path in NAV:
        _open(dash_duo, path)
        for details in dash_duo.find_elements("details.cx-chart__table:not([open]) > summary"):
            dash_duo.driver.execute_script("arguments[0].click();", details)  # every chart's table shown
        dash_duo.driver.execute_script("return new Promise(r => setTimeout(r, 300));")
        assert dash_duo.driver.execute_script(TABLES, CUE) == [], path
        wide_tables += dash_duo.driver.execute_script(
            "return document.querySelectorAll('#main-content [data-overflows]').length;")
    assert wide_tables > 0  # the check above met at least one table too wide for its column


def test_every_page_prints_within_the_paper_without_screen_controls(dash_duo, demo, catalogue):
    engine, sources = demo
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1440, 1000)
    for _label, path in NAV:
        _open(dash_duo, path)
        title = dash_duo.find_element("#main-content h1").text
        driver = dash_duo.driver
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": PAPER, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        try:
            assert driver.execute_script(ON_PAPER, PAPER) == [], path
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        printed = dash_duo.driver.execute_cdp_cmd("Page.printToPDF", {
            "printBackground": True, "paperWidth": 8.5, "paperHeight": 11,
            "marginTop": 0.5, "marginBottom": 0.5, "marginLeft": 0.5, "marginRight": 0.5})
        with pdfplumber.open(io.BytesIO(base64.b64decode(printed["data"]))) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
            beyond = [(page.page_number, c["text"], round(c["x1"]))
                      for page in pdf.pages for c in page.chars
                      if c["x0"] < 0 or c["x1"] > page.width or c["top"] < 0 or c["bottom"] > page.height]
        assert beyond == [], (path, beyond[:10])
        flat = " ".join(text.split())
        assert title.split(",")[0] in flat, path
        for scope in dash_duo.find_elements("#main-content .cx-scope"):  # "Showing FY2023 Q1 · ..."
            assert " ".join(scope.text.split()) in flat, path
        for screen_only in ("Skip to main content", "Sign-in is off", "PNG image", CUE):
            assert screen_only not in text, (path, screen_only)
        navigation = [line for line in text.splitlines() if sum(name in line for name, _ in NAV) >= 3]
        assert navigation == [], (path, navigation)  # the site's navigation bar is not printed
