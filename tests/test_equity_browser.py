"""The Equity page in a real headless Chromium: a link with filters opens a comparison whose numbers
match the raw synthetic export (pandas, the z test and Holm written out) and the stored results;
changing the dimension and the question updates the content and the address bar; an overview link
opens its comparison; axe-core finds nothing serious."""
from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF

from .accessibility import axe_violations
from .test_equity_view import SYNTHETIC, expected_rows, load_equity, segment_counts, unlabelled

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    engine, sources = load_equity(tmp_path_factory.mktemp("equity-browser"), catalogue)
    yield engine, sources
    engine.dispose()


def _rows(dash_duo, table_id) -> dict[str, list[str]]:
    out = {}
    for tr in dash_duo.find_elements(f"#{table_id} tbody tr"):
        cells = [td.get_attribute("textContent").strip() for td in tr.find_elements("css selector", "td")]
        out[cells[0]] = cells
    return out


def _stored(engine, dimension: str, question: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(
            "SELECT segment, n, pct, suppressed FROM segment_result WHERE provider = ? AND service = ? "
            "AND fiscal_year = 2022 AND fiscal_quarter = 4 AND dimension = ? AND question = ?",
            conn, params=(*SYNTHETIC, dimension, question)).set_index("segment")


def _query(dash_duo) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(dash_duo.driver.current_url).query)


def test_equity_shows_a_comparison_follows_the_filters_and_links_the_overview(dash_duo, loaded, catalogue):
    engine, sources = loaded
    provider, service = SYNTHETIC
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + "/equity?" + urllib.parse.urlencode(
        {"quarter": "FY2022Q4", "service": service, "dimension": "UserGroup"}))
    dash_duo.wait_for_element("#equity-family-table", timeout=30)

    # User groups: every printed number against the raw export, and n against the stored results;
    # the synthetic codes (Group1 ...) have no label in the catalog, and the page says so.
    expected = expected_rows(segment_counts(2022, 4, "UserGroup", "Trust/Confidence"), unlabelled)
    rows = _rows(dash_duo, "equity-family-table")
    assert set(rows) == set(expected)
    stored = _stored(engine, "UserGroup", "trust").rename(index=unlabelled)
    for name, exp in expected.items():
        assert rows[name][1:8] == [exp[k] for k in ("n", "pct", "interval", "gap", "p", "p_adjusted", "significant")]
        assert rows[name][1] == f"{int(stored.loc[name, 'n']):,}"
    hidden = sorted(n for n, e in expected.items() if e["pct"].startswith("Suppressed"))
    assert hidden and all(n in dash_duo.find_element("#equity-suppressed").text for n in hidden)
    takeaway = dash_duo.find_element("#equity-family-chart-takeaway").text
    assert takeaway.startswith(f"For trust in FY2022 Q4 ({service}),") and "user group" in takeaway
    dash_duo.wait_for_element("#equity-family-chart .main-svg", timeout=20)
    chart_words = dash_duo.find_element("#equity-family-chart").text
    assert "best" in chart_words and "significant" in chart_words  # the status in words, not colour alone
    dash_duo.driver.execute_script("document.getElementById('equity-overview-title').scrollIntoView();")
    assert axe_violations(dash_duo.driver) == []

    # Another dimension: the table and the address bar follow.
    dash_duo.select_dcc_dropdown("#equity-dimension", value="Region")
    dash_duo.wait_for_contains_text("#equity-family-chart-title", "Trust by region", timeout=15)
    regions = _stored(engine, "Region", "trust")
    assert set(_rows(dash_duo, "equity-family-table")) == set(map(unlabelled, regions.index))
    assert _query(dash_duo) == {"quarter": ["FY2022Q4"], "provider": [provider], "service": [service],
                                "dimension": ["Region"]}
    # Another question: satisfaction by region against the raw export.
    dash_duo.select_dcc_dropdown("#equity-question", value="Satisfaction")
    dash_duo.wait_for_contains_text("#equity-family-chart-title", "Satisfaction by region", timeout=15)
    satisfied = expected_rows(segment_counts(2022, 4, "Region", "Satisfaction"), unlabelled)
    rows = _rows(dash_duo, "equity-family-table")
    assert {n: r[2] for n, r in rows.items()} == {n: e["pct"] for n, e in satisfied.items()}
    assert _query(dash_duo)["question"] == ["satisfaction"]

    # The overview's first row (the largest gap) opens that comparison.
    link = dash_duo.find_element("#equity-overview-table tbody tr:first-child a")
    name = link.text
    link.click()
    dash_duo.wait_for_contains_text("#equity-family-chart-title", name, timeout=15)
    assert "quarter=FY2022Q4" in dash_duo.driver.current_url
    assert axe_violations(dash_duo.driver) == []
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []
