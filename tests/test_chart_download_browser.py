"""Chart downloads in a real headless Chromium: one Download menu under a chart (PNG, SVG, CSV),
used with the keyboard, gives files named for the service, the chart and the quarter; the images
at slide size carry the title and the filters chosen on the page; axe finds nothing at 1440 and
390 px with the menu open."""
from __future__ import annotations

import csv
import io
import struct
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.exports.chart_image import SLIDE

from .accessibility import axe_violations
from .waiting import downloaded, wait_until

pytestmark = pytest.mark.browser
MENU = "#scorecard-status-figure details.cx-download"
STEM = "veterans-health-administration-measure-status-fy2023-q1"


def _open(dash_duo) -> bool:
    return dash_duo.driver.execute_script(f"return document.querySelector('{MENU}').open;")


def _focused(dash_duo) -> str:
    return dash_duo.driver.execute_script("return document.activeElement.textContent.trim();")


def _take(folder: Path, suffix: str) -> Path:
    """The downloaded file, moved aside so the next download of the same kind is told apart."""
    found = downloaded(folder, suffix)
    return found.rename(folder.parent / found.name)


def test_download_menu_by_keyboard_gives_named_png_svg_and_csv(dash_duo, computed_sqlite, catalogue):
    folder = Path(dash_duo.download_path)
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1440, 900)
    dash_duo.driver.get(dash_duo.server_url + "/?quarter=FY2023Q1")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 10 measures in FY2023 Q1", timeout=20)
    dash_duo.select_dcc_dropdown("#filter-provider", value="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")

    # One Download button per chart; its menu is closed until asked for.
    figures = dash_duo.find_elements(".cx-chart")
    assert len(dash_duo.find_elements(".cx-chart .cx-download")) == len(figures) > 0
    assert dash_duo.find_elements(".cx-chart__downloads > button") == []
    summary = dash_duo.find_element(f"{MENU} > summary")
    assert summary.text.startswith("Download") and not _open(dash_duo)
    assert not dash_duo.find_element(f"{MENU} .cx-download__menu").is_displayed()

    # Keyboard: Enter opens, Tab reaches the first format, Enter takes it; the menu closes.
    summary.send_keys(Keys.ENTER)
    wait_until(lambda: _open(dash_duo), "Enter did not open the menu")
    items = dash_duo.find_elements(f"{MENU} .cx-download__item")
    assert [i.text for i in items] == ["PNG image", "SVG image", "Data (CSV)"]
    assert items[0].get_attribute("aria-label") == "Download Where the measures stand against target as PNG image"
    dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert _focused(dash_duo) == "PNG image"
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    png_file = _take(folder, ".png")
    assert png_file.name == f"{STEM}.png"
    png = png_file.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == SLIDE
    wait_until(lambda: not _open(dash_duo), "the menu stayed open after a choice")

    # Escape closes an open menu and gives focus back to its button.
    summary.send_keys(Keys.ENTER)
    wait_until(lambda: _open(dash_duo), "Enter did not open the menu again")
    dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_until(lambda: not _open(dash_duo), "Escape did not close the menu")
    assert _focused(dash_duo).startswith("Download")

    summary.click()
    dash_duo.find_elements(f"{MENU} .cx-download__item")[1].click()
    svg_file = _take(folder, ".svg")
    assert svg_file.name == f"{STEM}.svg"
    svg = svg_file.read_text(encoding="utf-8")
    assert "Where the measures stand against target" in svg and "Of 1 measure in FY2023 Q1" in svg
    assert "provider Veterans Health Administration" in svg  # the filter chosen after the page loaded
    assert "Data as of 31 Dec 2022" in svg

    summary.click()
    dash_duo.find_elements(f"{MENU} .cx-download__item")[2].click()
    csv_file = _take(folder, ".csv")
    assert csv_file.name == f"{STEM}.csv"
    rows = list(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    shown = [[c.get_attribute("textContent").strip() for c in r.find_elements("css selector", "th, td")]
             for r in dash_duo.find_elements("#status-table-table tr")]  # inside a closed <details>
    assert rows[0] == ["Status", "Measures (count)"] and shown[0] == ["Status", "Measures"]
    assert rows[1:] == shown[1:] and all(count.isdigit() for _, count in rows[1:])

    # Accessible with the menu open, wide and on a phone; the open menu stays on the screen.
    for width in (1440, 390):
        dash_duo.driver.set_window_size(width, 900)
        if not _open(dash_duo):
            summary.click()
        wait_until(lambda: _open(dash_duo), "the menu did not open")
        box = dash_duo.driver.execute_script(
            f"var r = document.querySelector('{MENU} .cx-download__menu').getBoundingClientRect();"
            "return [r.left, r.right, document.documentElement.clientWidth];")
        assert 0 <= box[0] and box[1] <= box[2], (width, box)
        assert axe_violations(dash_duo.driver) == [], width


def test_export_this_page_to_powerpoint_from_the_scorecard_and_a_service(dash_duo, computed_sqlite, catalogue):
    from pptx import Presentation
    folder = Path(dash_duo.download_path)
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    for width in (1440, 390):
        dash_duo.driver.set_window_size(width, 900)
        dash_duo.driver.get(dash_duo.server_url + "/?quarter=FY2023Q1&provider=Veterans+Health+Administration")
        dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1", timeout=20)
        assert axe_violations(dash_duo.driver) == [], width
    button = dash_duo.find_element("#scorecard-pptx")
    assert button.text == "Export this page to PowerPoint"
    button.send_keys(Keys.ENTER)  # a real button: the keyboard works
    deck = _take(folder, ".pptx")
    assert deck.name == "veterans-health-administration-scorecard-fy2023-q1.pptx"
    dash_duo.wait_for_contains_text("#scorecard-pptx-message", f"Saved {deck.name}")
    prs = Presentation(str(deck))
    assert prs.slides[0].shapes.title.text.endswith(": CX scorecard")
    assert "Veterans Health Administration" in "".join(
        s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame)

    link = "/service?quarter=FY2023Q1&provider=Veterans+Health+Administration&service=Receiving+outpatient+services"
    for width in (1440, 390):
        dash_duo.driver.set_window_size(width, 900)
        dash_duo.driver.get(dash_duo.server_url + link)
        dash_duo.wait_for_element("#service-trend-takeaway", timeout=20)
        assert axe_violations(dash_duo.driver) == [], width
    dash_duo.find_element("#service-pptx").click()
    deck = _take(folder, ".pptx")
    assert deck.name == "vha-outpatient-service-fy2023-q1.pptx"
    titles = [slide.shapes.title.text for slide in Presentation(str(deck)).slides]
    assert titles[0].endswith(": Service drivers")
    assert any(t.startswith("Veterans trust VA after an outpatient visit") for t in titles)
