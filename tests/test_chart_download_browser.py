"""Chart downloads in a real headless Chromium: the PNG, SVG and CSV buttons beside a chart give
files, the images at slide size carry the title and the filters chosen on the page."""
from __future__ import annotations

import csv
import io
import struct

import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.exports.chart_image import SLIDE

from .accessibility import axe_violations
from .waiting import downloaded

pytestmark = pytest.mark.browser


def test_png_svg_and_csv_download_from_the_page(dash_duo, computed_sqlite, catalogue):
    from pathlib import Path
    folder = Path(dash_duo.download_path)
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.get(dash_duo.server_url + "/?quarter=FY2023Q1")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 10 measures in FY2023 Q1", timeout=20)
    dash_duo.select_dcc_dropdown("#filter-provider", value="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")

    buttons = {b.text: b for b in dash_duo.find_elements("#scorecard-status-figure .cx-chart__downloads button")}
    assert list(buttons) == ["PNG image", "SVG image", "Data (CSV)"]
    assert buttons["PNG image"].get_attribute("aria-label") == (
        "Download Where the measures stand against target as PNG image")
    buttons["PNG image"].click()  # drawn by Plotly in the browser; the server sends only the words
    png_file = downloaded(folder, ".png")
    assert png_file.name == "where-the-measures-stand-against-target-fy2023q1-veterans-health-administration.png"
    png = png_file.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == SLIDE

    buttons["SVG image"].click()
    svg = downloaded(folder, ".svg").read_text(encoding="utf-8")
    assert "Where the measures stand against target" in svg and "Of 1 measure in FY2023 Q1" in svg
    assert "provider Veterans Health Administration" in svg  # the filter chosen after the page loaded
    assert "Data as of 31 Dec 2022" in svg

    buttons["Data (CSV)"].click()
    rows = list(csv.reader(io.StringIO(downloaded(folder, ".csv").read_text(encoding="utf-8"))))
    shown = [[c.get_attribute("textContent").strip() for c in r.find_elements("css selector", "th, td")]
             for r in dash_duo.find_elements("#status-table-table tr")]  # inside a closed <details>
    assert rows == shown and rows[0] == ["Status", "Measures"]
    assert axe_violations(dash_duo.driver) == []
