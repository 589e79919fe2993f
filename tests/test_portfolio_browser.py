"""The Portfolio page in a real headless Chromium over the real A-11 quarterly file, computed, with
the shipped register synced: the ranked list loads; the what-if weights are reachable with the
keyboard and labelled; setting time criticality's weight to 0 reorders the list (a new first
row) and says so in a live region; Reset restores the order; axe-core finds nothing serious."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.initiatives import load_register, sync

from .accessibility import axe_violations
from .conftest import CONFIG, QUARTERLY, quarterly_sqlite
from .waiting import wait_until

pytestmark = pytest.mark.browser

PASSPORT = "Passport application status alerts"
VBA = "Callback at peak hours in the VBA contact center"
WEIGHTS = ["customer_value", "mission_value", "time_criticality", "risk_reduction"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("portfolio-browser") / "cx.db", catalogue, QUARTERLY)
    sync(eng, load_register(CONFIG / "initiatives.yaml", catalogue))
    yield eng
    eng.dispose()


def _first_name(dash_duo) -> str:
    return dash_duo.find_element("#portfolio-ranked-table tbody tr .cx-portfolio-name").text


def _wait_first(dash_duo, name: str, timeout: float = 15) -> None:
    wait_until(lambda: _first_name(dash_duo) == name,
               lambda: f"the first row never became {name!r}; it is {_first_name(dash_duo)!r}", timeout)


def test_portfolio_page_ranks_reorders_on_a_what_if_and_is_accessible(dash_duo, engine, catalogue):
    dash_duo.start_server(create_app(engine, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 1400)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio?quarter=FY2023Q1")
    dash_duo.wait_for_text_to_equal("#portfolio-title", "Initiative portfolio", timeout=30)
    names = [e.text for e in dash_duo.find_elements("#portfolio-ranked-table tbody tr .cx-portfolio-name")]
    assert names == [PASSPORT, VBA, "Plain-language rewrite of the top IRS.gov answers", "Simplified FAFSA form",
                     "Simpler sign-in for Social Security online accounts"]
    assert "from data" in dash_duo.find_element("#portfolio-ranked-table tbody tr:nth-child(3)").text
    assert "No initiative addresses this measure" in dash_duo.find_element("#portfolio-offtrack-table").text
    assert "Moved up (significant)" in dash_duo.find_element("#portfolio-finished-table").text
    assert axe_violations(dash_duo.driver) == []

    # Every weight input is labelled and reachable with Tab, in order.
    driver = dash_duo.driver
    first = dash_duo.find_element(f"#portfolio-weight-{WEIGHTS[0]}")
    for key in WEIGHTS:
        label = dash_duo.find_element(f"label[for='portfolio-weight-{key}']")
        assert label.text.startswith("Weight of ")
    first.click()
    reached, steppers = [driver.switch_to.active_element.get_attribute("id")], []
    for _ in range(3 * len(WEIGHTS) - 3):  # Dash 4 puts labelled -/+ stepper buttons after each input
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        if focused.tag_name == "input":
            reached.append(focused.get_attribute("id"))
        else:
            steppers.append(focused.get_attribute("aria-label"))
    assert reached == [f"portfolio-weight-{k}" for k in WEIGHTS]
    assert steppers == ["Decrease value", "Increase value"] * (len(WEIGHTS) - 1)

    # Time criticality counts for nothing: the VBA callback (21/5 = 4.2) overtakes the passport alerts (11/3).
    criticality = dash_duo.find_element("#portfolio-weight-time_criticality")
    criticality.send_keys(Keys.CONTROL, "a")
    criticality.send_keys("0")
    _wait_first(dash_duo, VBA)
    dash_duo.wait_for_contains_text("#portfolio-whatif-sentence", f"{VBA} moves from 2nd to 1st", timeout=10)
    assert dash_duo.find_element("#portfolio-whatif-sentence").get_attribute("aria-live") == "polite"
    assert axe_violations(dash_duo.driver) == []

    # The keyboard steps a weight too: ArrowUp on time criticality (0 -> 0.5) keeps VBA first
    # (VBA 25/5 = 5.0, passport 15/3 = 5.0: a tie goes to the smaller job: passport).
    criticality = dash_duo.find_element("#portfolio-weight-time_criticality")
    criticality.send_keys(Keys.ARROW_UP)
    _wait_first(dash_duo, PASSPORT)

    dash_duo.find_element("#portfolio-reset").click()
    _wait_first(dash_duo, PASSPORT)
    dash_duo.wait_for_contains_text("#portfolio-whatif-sentence", "order is unchanged", timeout=10)
    assert dash_duo.find_element("#portfolio-weight-time_criticality").get_attribute("value") == "1"
    assert dash_duo.get_logs() == []
