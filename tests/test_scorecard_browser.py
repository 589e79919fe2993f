"""The scorecard in a real headless Chromium: numbers shown, a filter change updates the cards
and the address bar, and a link with filters reproduces the view."""
from __future__ import annotations

import pandas as pd
import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.db import queries
from cxdash.presentation.formatting import format_value

from .conftest import QUARTERLY
from .test_benchmark import _pandas_cross_agency

pytestmark = pytest.mark.browser


def _value(engine, measure_id, year, quarter, **scope):
    frame = queries.measure_results(engine, measure_ids=[measure_id], **scope)
    return frame[(frame.fiscal_year == year) & (frame.fiscal_quarter == quarter)].iloc[0]


def test_filter_change_updates_cards_and_url(dash_duo, computed_sqlite, catalogue):
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    row = _value(computed_sqlite, "vba-contact-trust", 2023, 1)
    dash_duo.wait_for_contains_text("#card-vba-contact-trust", format_value(row.value, "percent"))
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 10 measures in FY2023 Q1")
    assert dash_duo.find_element("#card-vba-contact-trust").get_attribute("data-status") == row.status

    dash_duo.select_dcc_dropdown("#filter-provider", value="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")
    assert dash_duo.find_elements("#card-vba-contact-trust") == []
    vha = _value(computed_sqlite, "vha-outpatient-trust", 2023, 1, provider="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#card-vha-outpatient-trust", format_value(vha.value, "percent"))
    assert "provider=Veterans+Health+Administration" in dash_duo.driver.current_url
    # Beside it, every loaded agency's trust that quarter, worked out here from the raw file.
    agree, _mean, n, providers = _pandas_cross_agency(pd.read_csv(QUARTERLY), 2023, 1, "trust")
    assert dash_duo.find_element("#card-vha-outpatient-trust-benchmarks").text == (
        f"All loaded agencies (response-weighted): {agree * 100:.1f}% ({providers} providers, n = {n:,})")

    dash_duo.select_dcc_dropdown("#filter-quarter", value="FY2022 Q2")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "FY2022 Q2")
    earlier = _value(computed_sqlite, "vha-outpatient-trust", 2022, 2, provider="Veterans Health Administration")
    dash_duo.wait_for_contains_text("#card-vha-outpatient-trust", format_value(earlier.value, "percent"))
    assert "quarter=FY2022Q2" in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []

    # Back returns to the view before each filter change, within the app; Forward comes again
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")
    dash_duo.wait_for_contains_text("#card-vha-outpatient-trust", format_value(vha.value, "percent"))
    assert "quarter=FY2022Q2" not in dash_duo.driver.current_url
    dash_duo.driver.back()
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 10 measures in FY2023 Q1")
    assert dash_duo.driver.current_url.startswith(dash_duo.server_url)
    dash_duo.driver.forward()
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")


def test_a_link_with_filters_reproduces_the_view(dash_duo, computed_sqlite, catalogue):
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    dash_duo.driver.get(dash_duo.server_url + "/?quarter=FY2021Q2&channel=email")
    dash_duo.wait_for_contains_text("#scorecard-scope", "FY2021 Q2")
    dash_duo.wait_for_contains_text("#scorecard-scope", "Email")
    row = _value(computed_sqlite, "vba-contact-trust", 2021, 2, channel="email")
    overall = _value(computed_sqlite, "vba-contact-trust", 2021, 2)
    assert row.n < overall.n  # the email scope is a real subset, not the overall figure
    dash_duo.wait_for_contains_text("#card-vba-contact-trust", format_value(row.value, "percent"))
    dash_duo.wait_for_contains_text("#card-vba-contact-trust", f"{int(row.n):,}")


def test_scorecard_has_no_serious_accessibility_violations(dash_duo, computed_sqlite, catalogue):
    from .accessibility import axe_violations
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    dash_duo.wait_for_element(".cx-sparkline .main-svg", timeout=15)  # charts drawn
    assert axe_violations(dash_duo.driver) == []
    # Also after a filter change, with the table views opened.
    dash_duo.select_dcc_dropdown("#filter-provider", value="Internal Revenue Service")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 2 measures")
    for summary in dash_duo.find_elements("details > summary"):
        summary.click()
    assert axe_violations(dash_duo.driver) == []


def test_filters_are_named_by_their_labels_and_work_by_keyboard(dash_duo, computed_sqlite, catalogue):
    from selenium.webdriver.common.keys import Keys
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    quarter = dash_duo.find_element("#filter-quarter")
    dash_duo.wait_for_element("#filter-quarter[aria-labelledby='filter-quarter-label filter-quarter-value']")
    assert quarter.accessible_name == "Fiscal quarter FY2023 Q1"
    # Tab from the last nav link reaches the quarter filter; Enter opens it, arrow and Enter choose.
    dash_duo.driver.set_window_size(1280, 1000)  # desktop layout: the nav links are in the tab order
    from cxdash.dashboard.navigation import NAV
    dash_duo.find_element(f"a.usa-nav-link[href='{NAV[-1][1]}']").send_keys(Keys.TAB)
    active = dash_duo.driver.switch_to.active_element
    assert active.get_attribute("id") == "filter-quarter"
    active.send_keys(Keys.ENTER)
    dash_duo.wait_for_element("#filter-quarter[aria-expanded='true']")
    # The open list takes focus on its first option (the current quarter); wait for that, then
    # move down one option and choose it.
    from selenium.webdriver.support.ui import WebDriverWait

    def focused_option(driver):
        element = driver.switch_to.active_element
        return element if "dash-options-list-option" in (element.get_attribute("class") or "") else False

    first = WebDriverWait(dash_duo.driver, 5).until(focused_option)
    first.send_keys(Keys.ARROW_DOWN)
    second = WebDriverWait(dash_duo.driver, 5).until(lambda d: (o := focused_option(d)) and o != first and o)
    second.send_keys(Keys.ENTER)
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "FY2022 Q4")
    assert "quarter=FY2022Q4" in dash_duo.driver.current_url


def test_choosing_a_service_sets_its_provider(dash_duo, computed_sqlite, catalogue):
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=15)
    dash_duo.select_dcc_dropdown("#filter-service", value="Visiting IRS.gov")
    dash_duo.wait_for_contains_text("#filter-provider", "Internal Revenue Service")
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")
    row = _value(computed_sqlite, "irs-gov-trust", 2023, 1, provider="Internal Revenue Service",
                 service="Visiting IRS.gov")
    dash_duo.wait_for_contains_text("#card-irs-gov-trust", format_value(row.value, "percent"))
    assert "service=Visiting+IRS.gov" in dash_duo.driver.current_url
