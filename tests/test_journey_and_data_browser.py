"""The journey-stage and Data pages in a real headless Chromium: survey scores and operational
indicators by stage for the chosen quarter, a filter change, per-panel freshness, and axe-core."""
from __future__ import annotations

import pytest
import yaml

from cxdash.db import queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.sources import load_sources, run_source
from dashboard.app import create_app
from dashboard.formatting import format_indicator

from .accessibility import axe_violations
from .conftest import QUARTERLY, REAL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    folder = tmp_path_factory.mktemp("journey")
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [
        {"name": "a11", "kind": "a11-quarterly", "location": {"files": str(QUARTERLY)}, "cadence": "quarterly"},
        {"name": "311", "kind": "cases", "mapping": "baltimore-311", "cadence": "daily",
         "location": {"files": str(REAL / "baltimore_311_sample.csv")}},
        {"name": "gone", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(folder / "missing" / "*.csv")}},
    ]}))
    engine = make_engine(f"sqlite:///{folder / 'cx.db'}")
    upgrade(engine)
    sources = load_sources(path)
    for source in sources:
        run_source(engine, catalogue, sources, source.name)
    yield engine, sources
    engine.dispose()


def _indicator(engine, name, provider, stage="all"):
    frame = queries.scope_indicators(engine, provider, "all", 2018, 3, indicators=[name])
    return frame[frame.stage == stage].iloc[0]


def test_journey_shows_indicators_by_stage_and_follows_the_filters(dash_duo, loaded, catalogue):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources))
    dash_duo.driver.get(dash_duo.server_url + "/journey?quarter=FY2018Q3")
    dash_duo.wait_for_element("#journey-stages-table", timeout=20)
    backlog = _indicator(engine, "backlog", "all", "process")
    rows = {r.find_elements("css selector", "td")[0].text: r.text
            for r in dash_duo.find_elements("#journey-stages-table tbody tr")}
    assert format_indicator(backlog.value, "cases") in rows["Process"]
    assert "Operational data:" in dash_duo.find_element("#journey-content").text
    assert "Feedback data:" in dash_duo.find_element("#journey-content").text  # the failed source says so
    assert dash_duo.find_elements('[data-freshness="failed"]')

    dash_duo.select_dcc_dropdown("#journey-provider", value="Transportation")
    transport = _indicator(engine, "backlog", "Transportation")
    assert transport.value != _indicator(engine, "backlog", "all").value
    dash_duo.wait_for_contains_text("#journey-stages-table", format_indicator(transport.value, "cases"))
    assert "provider=Transportation" in dash_duo.driver.current_url
    assert axe_violations(dash_duo.driver) == []


def test_data_page_lists_sources_health_and_checks(dash_duo, loaded, catalogue):
    engine, sources = loaded
    dash_duo.start_server(create_app(engine, catalogue, sources))
    dash_duo.driver.get(dash_duo.server_url + "/data")
    dash_duo.wait_for_element("#sources-table", timeout=20)
    text = dash_duo.find_element("#sources-table").text
    assert "10,000" in text and "481" in text and "Failed" in text
    dash_duo.wait_for_contains_text("#data-takeaway", "3 sources: 2 fresh, 1 failed")
    assert "no file matches" in dash_duo.find_element("#data-takeaway").text
    assert "Gaps in quarters" in dash_duo.find_element("#src-a11-checks-table").text
    assert axe_violations(dash_duo.driver) == []
