"""The operations page in a real headless Chromium: a link with filters opens the quarter's case and
contact-center indicators (the shipped Boston 311 sample, whose Public Works service a city's catalogue
names, and the synthetic contact center), a filter change updates the content and the address bar, and
axe-core finds nothing serious."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxdash.channels import label as channel_label
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.db import queries
from cxdash.presentation.formatting import format_indicator

from . import boston
from .accessibility import axe_violations
from .conftest import SAMPLE, configured_sources

pytestmark = pytest.mark.browser
PROVIDER = boston.PROVIDER
SERVICE = boston.SERVICE
MIN_N = 30


@pytest.fixture(scope="module")
def city(catalogue):
    return boston.city_catalogue(catalogue)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, city):
    folder = tmp_path_factory.mktemp("operations-browser")
    engine, sources = configured_sources(folder, city, [
        boston.source("311"),
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(SAMPLE / "contact_centre_SYNTHETIC.csv")}},
    ])
    yield engine, sources
    engine.dispose()


def _indicator(engine, name, provider, service, year=2019, quarter=3, channel="all"):
    frame = queries.indicators(engine, year, quarter)
    return frame[(frame.indicator == name) & (frame.provider == provider) & (frame.service == service)
                 & (frame.channel == channel) & (frame.stage == "all")].iloc[0]


def _channel_rows(provider: str) -> dict[str, list[str]]:
    """The time table's channel rows for the provider's cases closed in FY2019 Q3 (April to June 2019),
    straight from the file: label -> median, 90th percentile, cases closed, completed on time."""
    raw = boston.read_raw()
    raw = raw[(raw["provider"] == provider) & raw["closed"].between(pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 6, 30))]
    rows = {}
    for channel, part in raw.groupby("channel"):
        days = (part["closed"] - part["created"]).dt.days
        due = part[part["due"].notna()]
        shown = len(days) >= MIN_N
        rows[channel_label(channel)] = [
            format_indicator(float(np.percentile(days, q, method="inverted_cdf")), "days") if shown
            else f"Suppressed (n < {MIN_N})" for q in (50, 90)] + [
            f"{len(days):,}",
            format_indicator((due["closed"] <= due["due"]).mean(), "percent") if len(due) >= MIN_N
            else f"Suppressed (n < {MIN_N})"]
    return rows


def _choose(dash_duo, selector: str, label: str) -> None:
    dash_duo.find_element(selector).click()
    dash_duo.wait_for_element(".dash-dropdown-search").send_keys(label)
    next(o for o in dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option") if o.text == label).click()


def test_operations_shows_the_quarter_and_follows_the_filters(dash_duo, loaded, city):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, city, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + "/operations?quarter=FY2019Q3&provider=Public+Works+Department")
    dash_duo.wait_for_element("#operations-time-data-table", timeout=30)
    backlog = _indicator(engine, "backlog", PROVIDER, SERVICE)
    dash_duo.wait_for_contains_text("#operations-kpi-backlog", f"{int(backlog.value)} cases")
    assert "from FY2019 Q2" in dash_duo.find_element("#operations-kpi-backlog").text
    median = _indicator(engine, "time_to_complete_median", PROVIDER, SERVICE)
    assert format_indicator(median.value, "days") in dash_duo.find_element("#operations-kpi-time_to_complete_median").text
    rows = {cells[1]: cells for cells in ([td.get_attribute("textContent") for td in r.find_elements("css selector", "td")]
                                          for r in dash_duo.find_elements("#operations-time-data-table tbody tr"))}
    expected = _channel_rows(PROVIDER)
    assert "Phone" in expected and any(cells[0] == "Suppressed (n < 30)" for cells in expected.values())
    assert {label for label, cells in rows.items() if cells[0] == "By channel"} == set(expected)
    for label, cells in expected.items():  # median, 90th percentile, cases closed, completed on time
        assert rows[label][2:6] == cells, label
    assert "No contact-center data for FY2019 Q3" in dash_duo.find_element("#operations-contacts-takeaway").text
    dash_duo.wait_for_element("#operations-backlog .main-svg", timeout=20)  # charts drawn
    assert axe_violations(dash_duo.driver) == []

    dash_duo.select_dcc_dropdown("#operations-channel", value="Phone")
    phone = _indicator(engine, "backlog", PROVIDER, SERVICE, channel="phone")
    assert phone.value != backlog.value
    dash_duo.wait_for_contains_text("#operations-backlog-takeaway", f"{int(phone.value)} cases were open")
    dash_duo.wait_for_contains_text("#operations-scope", f"{PROVIDER}, {SERVICE}, Phone")
    assert "channel=phone" in dash_duo.driver.current_url
    assert "provider=Public+Works+Department" in dash_duo.driver.current_url

    _choose(dash_duo, "#operations-quarter", "FY2022 Q2")  # a long list: search it, as a keyboard user would
    dash_duo.wait_for_contains_text("#operations-scope", "FY2022 Q2")
    dash_duo.select_dcc_dropdown("#operations-provider", value="Synthetic example provider")
    abandoned = _indicator(engine, "abandonment_rate", "Synthetic example provider",
                           "Example web contact form (synthetic)", 2022, 2, "phone")
    dash_duo.wait_for_contains_text("#operations-kpi-abandonment_rate", format_indicator(abandoned.value, "percent"))
    dash_duo.wait_for_contains_text("#operations-time-takeaway", "No closed cases for FY2022 Q2 in this scope")
    assert "quarter=FY2022Q2" in dash_duo.driver.current_url
    dash_duo.driver.execute_script("document.querySelectorAll('details').forEach(d => { d.open = true; });")
    dash_duo.wait_for_element("#operations-contacts .main-svg", timeout=20)
    dash_duo.driver.set_window_size(1280, 4200)
    assert axe_violations(dash_duo.driver) == []
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []
