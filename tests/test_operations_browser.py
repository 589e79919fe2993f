"""The operations page in a real headless Chromium: a link with filters opens the quarter's case and
contact-centre indicators, a filter change updates the content and the address bar, and axe-core
finds nothing serious."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from cxdash.db import queries
from cxdash.dashboard.app import create_app
from cxdash.dashboard.formatting import format_indicator

from .accessibility import axe_violations
from .conftest import EXTRA_DATA, SAMPLE, configured_sources
from .test_cases import FMT

pytestmark = pytest.mark.browser
BALTIMORE = EXTRA_DATA / "baltimore_311_sample.csv"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    folder = tmp_path_factory.mktemp("operations-browser")
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "311", "kind": "cases", "mapping": "baltimore-311", "cadence": "daily",
         "location": {"files": str(BALTIMORE)}},
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(SAMPLE / "contact_centre_SYNTHETIC.csv")}},
    ])
    yield engine, sources
    engine.dispose()


def _indicator(engine, name, provider, year=2018, quarter=3, channel="all"):
    frame = queries.indicators(engine, year, quarter)
    return frame[(frame.indicator == name) & (frame.provider == provider) & (frame.service == "all")
                 & (frame.channel == channel) & (frame.stage == "all")].iloc[0]


def _phone_median_days(provider: str) -> float:
    """Median days to close of the provider's phone cases closed in FY2018 Q3, straight from the file."""
    raw = pd.read_csv(BALTIMORE, dtype=str)
    raw = raw[(raw["Agency"] == provider) & (raw["MethodReceived"] == "Phone")]
    created, closed = (pd.to_datetime(raw[c], format=FMT).dt.normalize() for c in ("CreatedDate", "CloseDate"))
    days = (closed - created).dt.days[closed.between(pd.Timestamp(2018, 4, 1), pd.Timestamp(2018, 6, 30))]
    return float(np.percentile(days, 50, method="inverted_cdf"))


def _choose(dash_duo, selector: str, label: str) -> None:
    dash_duo.find_element(selector).click()
    dash_duo.wait_for_element(".dash-dropdown-search").send_keys(label)
    next(o for o in dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option") if o.text == label).click()


def test_operations_shows_the_quarter_and_follows_the_filters(dash_duo, loaded, catalogue):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + "/operations?quarter=FY2018Q3&provider=Solid+Waste")
    dash_duo.wait_for_element("#operations-time-data-table", timeout=30)
    backlog = _indicator(engine, "backlog", "Solid Waste")
    dash_duo.wait_for_contains_text("#operations-kpi-backlog", f"{int(backlog.value)} cases")
    assert "from FY2018 Q2" in dash_duo.find_element("#operations-kpi-backlog").text
    median = _indicator(engine, "time_to_complete_median", "Solid Waste")
    assert format_indicator(median.value, "days") in dash_duo.find_element("#operations-kpi-time_to_complete_median").text
    rows = {cells[1]: cells for cells in ([td.get_attribute("textContent") for td in r.find_elements("css selector", "td")]
                                          for r in dash_duo.find_elements("#operations-time-data-table tbody tr"))}
    assert rows["Phone"][2] == format_indicator(_phone_median_days("Solid Waste"), "days")  # the median column
    assert "No contact-centre data for FY2018 Q3" in dash_duo.find_element("#operations-contacts-takeaway").text
    dash_duo.wait_for_element("#operations-backlog .main-svg", timeout=20)  # charts drawn
    assert axe_violations(dash_duo.driver) == []

    dash_duo.select_dcc_dropdown("#operations-channel", value="Phone")
    phone = _indicator(engine, "backlog", "Solid Waste", channel="phone")
    assert phone.value != backlog.value
    dash_duo.wait_for_contains_text("#operations-backlog-takeaway", f"{int(phone.value)} cases were open")
    dash_duo.wait_for_contains_text("#operations-scope", "Solid Waste, all services, Phone")
    assert "channel=phone" in dash_duo.driver.current_url and "provider=Solid+Waste" in dash_duo.driver.current_url

    _choose(dash_duo, "#operations-quarter", "FY2022 Q2")  # a long list: search it, as a keyboard user would
    dash_duo.wait_for_contains_text("#operations-scope", "FY2022 Q2")
    dash_duo.select_dcc_dropdown("#operations-provider", value="Synthetic example provider")
    abandoned = _indicator(engine, "abandonment_rate", "Synthetic example provider", 2022, 2, "phone")
    dash_duo.wait_for_contains_text("#operations-kpi-abandonment_rate", format_indicator(abandoned.value, "percent"))
    dash_duo.wait_for_contains_text("#operations-time-takeaway", "No closed cases for FY2022 Q2 in this scope")
    assert "quarter=FY2022Q2" in dash_duo.driver.current_url
    dash_duo.driver.execute_script("document.querySelectorAll('details').forEach(d => { d.open = true; });")
    dash_duo.wait_for_element("#operations-contacts .main-svg", timeout=20)
    dash_duo.driver.set_window_size(1280, 4200)
    assert axe_violations(dash_duo.driver) == []
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []
