"""The journey-stage and Data pages in a real headless Chromium: the stage x indicator heat map
for the chosen quarter, a filter change, a stage's drill-down reached by its link and by the
stage filter, per-panel freshness, and axe-core on every view. The case data are the shipped
Boston 311 sample."""
from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.db import queries
from cxdash.presentation.formatting import format_indicator

from . import boston
from .accessibility import axe_violations
from .conftest import QUARTERLY, SAMPLE, configured_sources
from .test_contacts import _expected, _sample_frame
from .test_voice_view import personal_details, stored_items
from .waiting import wait_until

pytestmark = pytest.mark.browser
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")
QUARTER_END = pd.Timestamp(2019, 6, 30)  # FY2019 Q3: April to June 2019


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
    sample = SAMPLE
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "a11", "kind": "a11-quarterly", "location": {"files": str(QUARTERLY)}, "cadence": "quarterly"},
        boston.source("311"),
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(sample / "contact_centre_SYNTHETIC.csv")}},
        {"name": "complaints", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(sample / "complaints_SYNTHETIC.csv")}},
    ])
    yield engine, sources
    engine.dispose()


def _indicator(engine, name, provider, stage="all"):
    frame = queries.scope_indicators(engine, provider, "all", 2019, 3, indicators=[name])
    return frame[frame.stage == stage].iloc[0]


def _open_at_quarter_end(raw: pd.DataFrame) -> int:
    """Cases created by the end of FY2019 Q3 and not closed by then, counted on the raw file."""
    return int(((raw["created"] <= QUARTER_END) & (raw["closed"].isna() | (raw["closed"] > QUARTER_END))).sum())


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


def _column(dash_duo, table_id, header) -> int:
    headers = [h.get_attribute("textContent").strip() for h in dash_duo.find_elements(f"#{table_id} thead th")]
    return headers.index(header) - 1  # the row header is not among a row's cells


def test_journey_shows_indicators_by_stage_and_follows_the_filters(dash_duo, loaded, catalogue):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.get(dash_duo.server_url + "/journey?quarter=FY2019Q3")
    dash_duo.wait_for_element("#journey-stages-table", timeout=20)
    column = _column(dash_duo, "journey-stages-table", "Backlog at quarter end")
    rows = _rows(dash_duo, "journey-stages-table")
    # Open cases at the quarter's end per stage (Open: process, Closed: end), counted by pandas.
    raw = boston.read_raw()
    stages = {stage: _open_at_quarter_end(part) for stage, part in raw.groupby("stage")}
    assert set(stages) == {"process", "end"} and len(set(stages.values())) == 2
    for stage, value in stages.items():
        assert _indicator(engine, "backlog", "all", stage).value == value
        assert rows[stage.capitalize()][column].startswith(format_indicator(value, "cases"))
    # Lower is better: the stage with the largest backlog is the weakest, the smallest the strongest.
    assert rows[max(stages, key=stages.get).capitalize()][column].endswith("▼ weakest")
    assert rows[min(stages, key=stages.get).capitalize()][column].endswith("▲ strongest")
    assert "Operational data:" in dash_duo.find_element("#journey-content").text
    assert "Feedback data:" in dash_duo.find_element("#journey-content").text  # the failed source says so
    assert dash_duo.find_elements('[data-freshness="failed"]')

    dash_duo.select_dcc_dropdown("#journey-provider", value=boston.PROVIDER)
    works = _open_at_quarter_end(raw[raw["provider"] == boston.PROVIDER])
    assert _indicator(engine, "backlog", boston.PROVIDER).value == works != _open_at_quarter_end(raw)
    _wait_text(dash_duo, "#journey-stages-table", format_indicator(works, "cases"))
    assert "provider=Public+Works+Department" in dash_duo.driver.current_url
    assert axe_violations(dash_duo.driver) == []


def test_journey_heat_map_and_stage_drill_down(dash_duo, journey_loaded, catalogue):
    engine, sources = journey_loaded
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    scope = urllib.parse.urlencode({"quarter": "FY2022Q2", "provider": SYNTHETIC[0], "service": SYNTHETIC[1]})
    dash_duo.driver.get(dash_duo.server_url + "/journey?" + scope)
    dash_duo.wait_for_element("#journey-stages-table", timeout=20)

    # Abandoned calls per stage from the raw contact-center file (pandas): values and standing.
    raw = _sample_frame()
    raw = raw[raw["valid"] & (raw["fiscal_year"] == 2022) & (raw["fiscal_quarter"] == 2)]
    abandoned = {stage: _expected(frame)["abandonment_rate"][0] for stage, frame in raw.groupby("stage")}
    dash_duo.find_element("#journey-stages-figure summary").click()  # "View as table"
    column = _column(dash_duo, "journey-stages-table", "Calls abandoned")
    rows = _rows(dash_duo, "journey-stages-table")
    for stage, value in abandoned.items():
        assert rows[stage.capitalize()][column].startswith(f"{value * 100:.1f}%")
    assert rows[max(abandoned, key=abandoned.get).capitalize()][column].endswith("▼ weakest")
    assert rows[min(abandoned, key=abandoned.get).capitalize()][column].endswith("▲ strongest")
    assert "weakest" in dash_duo.find_element("#journey-stages-takeaway").text
    assert axe_violations(dash_duo.driver) == []

    # A filter change: the next quarter's values and the address follow.
    dash_duo.select_dcc_dropdown("#journey-quarter", value="FY2022 Q3")
    raw3 = _sample_frame()
    raw3 = raw3[raw3["valid"] & (raw3["fiscal_year"] == 2022) & (raw3["fiscal_quarter"] == 3)]
    start = _expected(raw3[raw3["stage"] == "start"])["abandonment_rate"][0]
    dash_duo.wait_for_contains_text("#journey-scope", "FY2022 Q3", timeout=10)
    _wait_text(dash_duo, "#journey-stages-table", f"{start * 100:.1f}%")
    assert "quarter=FY2022Q3" in dash_duo.driver.current_url

    # The stage's link (a plain link, so the keyboard reaches it) opens its drill-down.
    link = next(a for a in dash_duo.find_elements("#journey-stage-links a") if a.text == "End")
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
    onward = [a.get_attribute("href") for a in dash_duo.find_elements("#journey-onward a")]
    assert any("/voice?" in h and "stage=end" in h for h in onward)
    page = dash_duo.find_element("body").get_attribute("textContent")
    assert personal_details(page) == []
    assert axe_violations(dash_duo.driver) == []

    # The stage filter moves the drill-down and the address without a reload.
    dash_duo.select_dcc_dropdown("#journey-stage", value="Process")
    dash_duo.wait_for_contains_text("#journey-content h2", "The Process stage", timeout=10)
    assert "stage=process" in dash_duo.driver.current_url


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
