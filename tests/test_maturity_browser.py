"""The Maturity page in a real headless Chromium, over the real A-11 quarterly sample and the
synthetic self-assessment: the loaded profile is shown (overall level, each dimension, the data's
evidence for Measurement); a rating recorded through the form raises the level on the page; the
fiscal year is in the address; axe-core finds nothing serious before and after."""
from __future__ import annotations

import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.loaders import maturity as loader

from .accessibility import axe_violations
from .conftest import SAMPLE, quarterly_sqlite
from .waiting import wait_until

pytestmark = pytest.mark.browser

MATURITY_CSV = SAMPLE / "maturity_self_assessment_SYNTHETIC.csv"
QUARTERLY_SAMPLE = SAMPLE / "hisp_a11_quarterly_fy2021_fy2023q1.csv"
TAKEAWAY = ("In FY2023 the organization is at level 1, Reactive, overall; Measurement reached Strategic; "
            "Service Design is the weakest at Reactive; 3 dimensions improved since FY2022.")
EVIDENCE = "Every new service is usability-tested with customers before launch since March."


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("maturity-browser") / "cx.db", catalogue, QUARTERLY_SAMPLE)
    loader.load(eng, MATURITY_CSV)
    yield eng
    eng.dispose()


def _wait_url(dash_duo, fragment: str, timeout: float = 10) -> None:
    wait_until(lambda: fragment in dash_duo.driver.current_url,
               lambda: f"the address never showed {fragment!r}: {dash_duo.driver.current_url}", timeout)


def test_maturity_page_shows_the_profile_and_records_a_rating(dash_duo, engine, catalogue):
    dash_duo.start_server(create_app(engine, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 1400)
    dash_duo.driver.get(dash_duo.server_url + "/maturity?year=FY2023")
    dash_duo.wait_for_contains_text("#maturity-overall", "Level 1 of 5", timeout=30)
    assert dash_duo.find_element("#maturity-overall").text.split() == ["Level", "1", "of", "5", "Reactive"]
    assert dash_duo.find_element("#maturity-overall-change").text == "No change since FY2022"
    assert dash_duo.find_element("#maturity-profile-chart-takeaway").text == TAKEAWAY
    assert dash_duo.find_element("#maturity-level-measurement").text == "Level 3 Strategic. Up 1 level since FY2022."
    assert dash_duo.find_element("#maturity-level-service-design").text == "Level 1 Reactive. No change since FY2022."
    design = [row.text for row in dash_duo.find_elements("#maturity-levels-service-design-table tbody tr")]
    assert design[1].startswith("2 Tactical Partly met No Usability testing")
    assert design[2].startswith("3 Strategic Met No: level 2 is not fully met")
    measurement = dash_duo.find_element("#maturity-measurement-table").text
    assert "73% (8 of 11)" in measurement and "100% (10 of 10)" in measurement
    assert axe_violations(dash_duo.driver) == []

    # Record Service Design level 2 as met: its level 3 (already met) now counts too, and the
    # overall level rises from 1 (Service Design's) to 2 (the other dimensions' lowest).
    dash_duo.select_dcc_dropdown("#maturity-dimension", value="Service Design")
    dash_duo.select_dcc_dropdown("#maturity-level", value="2 Tactical")
    dash_duo.find_element("#maturity-status input[value='met']").click()
    dash_duo.find_element("#maturity-evidence").send_keys(EVIDENCE)
    # No "assessed by" field: the rating is recorded under who is signed in (here the local administrator).
    assert dash_duo.find_element(".cx-maturity-form .cx-saved-as").text == "Saved under Local administrator."
    dash_duo.find_element("#maturity-save").click()
    dash_duo.wait_for_text_to_equal("#maturity-feedback", "Saved: FY2023 Service Design, level 2 Tactical, met.",
                                    timeout=15)
    assert dash_duo.find_element("#maturity-feedback .usa-alert").get_attribute("role") == "status"
    dash_duo.wait_for_contains_text("#maturity-overall", "Level 2 of 5", timeout=15)
    assert dash_duo.find_element("#maturity-overall").text.split() == ["Level", "2", "of", "5", "Tactical"]
    assert dash_duo.find_element("#maturity-overall-change").text == "Up 1 level since FY2022"
    assert dash_duo.find_element("#maturity-level-service-design").text == (
        "Level 3 Strategic. Up 2 levels since FY2022.")
    assert EVIDENCE in dash_duo.find_element("#maturity-levels-service-design-table").text
    assert "Local administrator" in dash_duo.find_element("#maturity-levels-service-design-table").text
    assert axe_violations(dash_duo.driver) == []

    # The fiscal year is in the address; FY2022 has no earlier year to compare with.
    dash_duo.select_dcc_dropdown("#maturity-year", value="FY2022")
    dash_duo.wait_for_text_to_equal("#maturity-form-title", "Record a rating for FY2022", timeout=15)
    _wait_url(dash_duo, "year=FY2022")
    assert dash_duo.find_element("#maturity-overall-change").text == "No assessment of FY2021 to compare with"
    dash_duo.driver.get(dash_duo.server_url + "/maturity?year=FY2023")
    dash_duo.wait_for_contains_text("#maturity-overall", "Level 2 of 5", timeout=30)  # the rating was kept
