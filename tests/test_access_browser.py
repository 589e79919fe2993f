"""Roles and grants as people see them, in a real headless Chromium signed in through the sign-in
page: a viewer who tries to save commentary or mark the review held is told, on the page, that
their role cannot; a contributor granted one provider finds only that provider in the filter lists
and on the pages, even when a link names another; an administrator reads the audit trail, where
the contributor's commentary is listed under their name."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from cxdash.dashboard.app import create_app

from .accessibility import axe_violations
from .conftest import QUARTERLY, quarterly_sqlite
from .signing import add_account, fill_sign_in_form

pytestmark = pytest.mark.browser

VHA = "Veterans Health Administration"
MEASURE = "vha-outpatient-trust"


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("access-browser") / "cx.db", catalogue, QUARTERLY)
    add_account(eng, "vee.viewer", name="Vee Viewer", role="viewer")
    add_account(eng, "cee.vha", name="Cee Contributor", role="contributor", grants=[(VHA, "all")])
    add_account(eng, "ada.admin", name="Ada Admin", role="administrator", grants=[])
    yield eng
    eng.dispose()


def _pattern(kind: str, measure: str) -> str:
    return f'[id=\'{{"measure":"{measure}","type":"{kind}"}}\']'


def _sign_in(dash_duo, path: str, username: str) -> None:
    url = dash_duo.server.url.rstrip("/")
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(f"{url}{path}")
    fill_sign_in_form(dash_duo.driver, username, "test-only password, not a secret")
    dash_duo.server_url = url  # (waits for Dash's renderer on the home page)
    dash_duo.driver.get(f"{url}{path}")


def _options(dash_duo, dropdown: str) -> list[str]:
    """The option texts of a Dash dropdown, opened as a person does (and closed again)."""
    dash_duo.find_element(dropdown).click()
    dash_duo.wait_for_element(f"{dropdown}[aria-expanded='true']", timeout=10)
    texts = dash_duo.driver.execute_script(  # the open list's options (not the radio lists drawn alike)
        "return Array.from(document.querySelectorAll('.dash-options-list-option'))"
        ".filter(function(o) { return !o.closest('.cx-radios'); }).map(function(o) { return o.innerText.trim(); });")
    dash_duo.find_element(dropdown).click()
    return texts


def test_roles_and_grants_in_the_browser(dash_duo, engine, catalogue):
    others = sorted({s.provider for s in catalogue.services if s.provider != VHA})
    dash_duo.start_server(create_app(engine, catalogue), navigate=False)
    dash_duo.driver.set_window_size(1280, 1400)

    # A viewer: the forms are there, a save is refused with the reason, in place, nothing stored.
    _sign_in(dash_duo, "/review?quarter=FY2023Q1", "vee.viewer")
    dash_duo.wait_for_text_to_equal("#review-title", "Quarterly review, FY2023 Q1", timeout=30)
    dash_duo.find_element(f"#review-form-{MEASURE} summary").click()
    dash_duo.find_element(_pattern("review-what-happened", MEASURE)).send_keys("Trust fell.")
    dash_duo.find_element(_pattern("review-commentary-save", MEASURE)).click()
    dash_duo.wait_for_contains_text(_pattern("review-commentary-feedback", MEASURE),
                                    "Not saved: your role (viewer) cannot save commentary", timeout=15)
    assert dash_duo.find_element(_pattern("review-what-happened", MEASURE)).get_attribute("value") == "Trust fell."
    dash_duo.find_element("#review-freeze").click()
    dash_duo.wait_for_contains_text("#review-freeze-feedback",
                                    "Not marked as held: your role (viewer) cannot mark a review as held", timeout=15)
    assert dash_duo.find_element("#review-freeze-feedback [role=alert]")
    assert axe_violations(dash_duo.driver) == []

    # A contributor of VHA: a link to everything, or to another provider, opens VHA; the lists hold only VHA.
    _sign_in(dash_duo, "/?provider=Veterans+Benefits+Administration", "cee.vha")
    dash_duo.wait_for_element(f"#card-{MEASURE}", timeout=30)
    dash_duo.wait_for_contains_text("#scorecard-status-takeaway", "Of 1 measure in FY2023 Q1")
    assert _options(dash_duo, "#filter-provider") == [VHA]  # no "All providers", no other provider
    page = dash_duo.find_element("body").text
    assert [p for p in others if p in page] == []
    assert dash_duo.find_elements("#card-vba-contact-trust") == []
    for path, prefix in (("/journey", "journey"), ("/service", "service"), ("/operations", "operations"),
                         ("/voice", "voice"), ("/equity", "equity"), ("/review", "review")):
        dash_duo.driver.get(f"{dash_duo.server_url}{path}?provider=Internal+Revenue+Service")
        dash_duo.wait_for_element(f"#{prefix}-provider", timeout=30)
        # VHA where the page has VHA's data; where it has none (no case or contact data is loaded
        # here), nothing at all: never the provider the link asked for.
        assert "Internal Revenue Service" not in dash_duo.find_element(f"#{prefix}-provider").text, path
        assert set(_options(dash_duo, f"#{prefix}-provider")) <= {VHA}, path
        body = dash_duo.find_element("body").text
        assert [p for p in others if p in body] == [], path
    assert VHA in dash_duo.find_element("#review-provider").text
    # Their own measure's commentary is saved, under their name.
    dash_duo.driver.get(f"{dash_duo.server_url}/review?quarter=FY2023Q1")
    dash_duo.wait_for_element(f"#review-form-{MEASURE} summary", timeout=30).click()
    dash_duo.find_element(_pattern("review-what-happened", MEASURE)).send_keys("Waits fell after new clinics.")
    dash_duo.find_element(_pattern("review-commentary-save", MEASURE)).click()
    dash_duo.wait_for_contains_text(f"#review-measure-section-{MEASURE} .cx-review-notice", "Commentary saved",
                                    timeout=15)

    # An administrator reads the trail: the contributor's commentary, under their username.
    _sign_in(dash_duo, "/audit", "ada.admin")
    dash_duo.wait_for_element("#audit-table", timeout=30)
    rows = [tr.text for tr in dash_duo.find_elements("#audit-table tbody tr")]
    assert any("cee.vha" in r and "commentary.save" in r and MEASURE in r for r in rows), rows
    assert not any("vee.viewer" in r for r in rows)  # refused writes change nothing and record nothing
    assert axe_violations(dash_duo.driver) == []
    # The viewer is told the trail is not theirs to read.
    _sign_in(dash_duo, "/audit", "vee.viewer")
    dash_duo.wait_for_contains_text("#audit-refused", "your role (viewer) cannot read the audit trail", timeout=30)
    assert dash_duo.driver.find_elements(By.ID, "audit-table") == []
