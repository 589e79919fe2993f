"""The Service drivers page in a real headless Chromium: opened from a scorecard-style link, its
trend, key drivers and channels checked against pandas and statsmodels on the raw CSVs, a filter
change followed by the content and the URL, and axe-core."""
from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from cxdash.channels import label
from cxdash.compute import compute
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.db.engine import make_engine, upgrade
from cxdash.loaders import a11_quarterly, survey_responses

from .accessibility import axe_violations
from .conftest import QUARTERLY
from .independent import two_proportion_p
from .test_benchmark import _pandas_cross_agency
from .test_service_view import (
    DRIVERS,
    RESPONSES,
    SYNTHETIC,
    VBA,
    _raw_counts,
    _vba_target,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('service-browser') / 'cx.db'}")
    upgrade(eng)
    a11_quarterly.load(eng, QUARTERLY, catalogue)
    survey_responses.load(eng, RESPONSES, catalogue, "touchpoints-form-a11")
    compute(eng, catalogue)
    yield eng
    eng.dispose()


def _link(**query) -> str:
    return "/service?" + urllib.parse.urlencode(query)


def _rows(dash_duo, table_id) -> dict[str, list[str]]:
    out = {}
    for tr in dash_duo.find_elements(f"#{table_id} tbody tr"):
        cells = [td.get_attribute("textContent").strip() for td in tr.find_elements("css selector", "td")]
        out[cells[0]] = cells
    return out


def _query(dash_duo) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(dash_duo.driver.current_url).query)


def _direct_importance(outcome: str) -> pd.Series:
    """Standardised OLS betas of every synthetic response (FY2022 Q1-Q4), fitted here."""
    frame = pd.read_csv(RESPONSES).rename(columns={
        "Satisfaction": "satisfaction", "Trust/Confidence": "trust", "Effectiveness/Quality": "effectiveness",
        "Ease/Simplicity": "ease", "Efficiency/Speed": "efficiency", "Equity/Transparency": "transparency",
        "Helpfulness": "employee"})[[outcome, *DRIVERS]].dropna().astype(float)
    fit = smf.ols(f"{outcome} ~ " + " + ".join(DRIVERS), data=frame).fit()
    return (fit.params[DRIVERS] * frame[DRIVERS].std() / frame[outcome].std()).sort_values(ascending=False)


def test_drivers_from_a_scorecard_link_follow_the_outcome(dash_duo, engine, catalogue):
    dash_duo.start_server(create_app(engine, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + _link(quarter="FY2022Q4", provider=SYNTHETIC[0], service=SYNTHETIC[1],
                                                    outcome="trust"))
    dash_duo.wait_for_element("#service-drivers-data-table", timeout=20)
    trust = _direct_importance("trust")
    rows = _rows(dash_duo, "service-drivers-data-table")
    top = "Effectiveness" if trust.index[0] == "effectiveness" else trust.index[0]
    assert next(iter(rows)) == top and rows[top][1] == f"{trust.iloc[0]:.2f}"
    assert dash_duo.find_element("#service-drivers-subtitle").text.startswith("Responses FY2022 Q1 to FY2022 Q4 (n = 639")
    assert "not significant" in dash_duo.find_element("#service-drivers-takeaway").text
    assert "Importance × performance" in dash_duo.find_element("#service-content").text
    dash_duo.driver.set_window_size(1280, 3400)

    dash_duo.select_dcc_dropdown("#service-outcome", value="Satisfaction")
    dash_duo.wait_for_contains_text("#service-drivers-title", "What drives satisfaction", timeout=15)
    satisfaction = _direct_importance("satisfaction")
    dash_duo.wait_for_contains_text("#service-drivers-takeaway", f"({satisfaction.iloc[0]:.2f} standardized",
                                    timeout=10)
    rows = _rows(dash_duo, "service-drivers-data-table")
    assert next(iter(rows.values()))[1] == f"{satisfaction.iloc[0]:.2f}"
    assert dash_duo.find_element("#service-trend-takeaway").text.startswith("Satisfaction (% agree) was")
    assert _query(dash_duo) == {"quarter": ["FY2022Q4"], "provider": [SYNTHETIC[0]], "service": [SYNTHETIC[1]],
                                "outcome": ["satisfaction"]}
    assert axe_violations(dash_duo.driver) == []


def test_real_trend_target_and_channels_follow_the_quarter(dash_duo, engine, catalogue):
    quarterly = pd.read_csv(QUARTERLY)
    by_quarter = _raw_counts(quarterly, *VBA, "trust", ["attributes_collection_year", "attributes_collection_quarter"])
    dash_duo.start_server(create_app(engine, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + _link(quarter="FY2022Q2", provider=VBA[0], service=VBA[1]))
    dash_duo.wait_for_element("#service-trend-data-table", timeout=20)
    agree, n = by_quarter.loc[(2022, 2)]
    before_agree, before_n = by_quarter.loc[(2022, 1)]
    row = _rows(dash_duo, "service-trend-data-table")["FY2022 Q2"]
    change = (agree / n - before_agree / before_n) * 100
    significant = two_proportion_p(agree, n, before_agree, before_n) < 0.05
    assert row[1] == f"{agree / n * 100:.1f}%" and row[3] == f"{n:,}"
    assert row[4].startswith(f"\u2212{abs(change):.1f} pts ({'significant' if significant else 'not significant'}")
    assert row[6] == f"{_vba_target(2022) * 100:.1f}%"
    assert "response-level survey data" in dash_duo.find_element("#service-drivers-takeaway").text
    assert dash_duo.find_element("#service-channels-takeaway").text.startswith("Only one channel, Email")

    dash_duo.select_dcc_dropdown("#service-quarter", value="FY2021 Q2")
    dash_duo.wait_for_element("#service-channels-data-table", timeout=15)
    dash_duo.wait_for_contains_text("#service-channels-title", "FY2021 Q2", timeout=15)
    channels = _raw_counts(quarterly, *VBA, "trust", ["attributes_collection_year", "attributes_collection_quarter",
                                                      "channel"]).loc[(2021, 2)]
    shown = _rows(dash_duo, "service-channels-data-table")
    assert set(shown) == {label(c) for c in channels.index}
    for channel, (c_agree, c_n) in channels.iterrows():
        assert shown[label(channel)][1] == f"{c_agree / c_n * 100:.1f}%"
    assert list(_rows(dash_duo, "service-trend-data-table"))[-1] == "FY2021 Q2"
    assert _query(dash_duo) == {"quarter": ["FY2021Q2"], "provider": [VBA[0]], "service": [VBA[1]]}
    # The service beside every loaded agency (no response-level data before FY2022: the raw file's sums).
    own_agree, own_n = by_quarter.loc[(2021, 2)]
    all_agree, _mean, all_n, providers = _pandas_cross_agency(quarterly, 2021, 2, "trust")
    assert [li.text for li in dash_duo.find_elements("#service-benchmarks li")] == [
        f"This service: {own_agree / own_n * 100:.1f}%",
        f"All loaded agencies (response-weighted): {all_agree * 100:.1f}% ({providers} providers, n = {all_n:,})"]
    equity = dash_duo.find_element("#service-equity-link").get_attribute("href")
    assert equity.endswith("/equity?" + urllib.parse.urlencode({"quarter": "FY2021Q2", "provider": VBA[0],
                                                                 "service": VBA[1]}))
    dash_duo.driver.set_window_size(1280, 2600)
    assert axe_violations(dash_duo.driver) == []
