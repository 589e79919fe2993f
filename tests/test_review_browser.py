"""The Quarterly review page in a real headless Chromium, over the real A-11 quarterly file loaded
and computed: commentary written on the page is kept (after a reload) and lands in the speaker
notes of a PowerPoint pack queued from the page, built by the pack worker and downloaded from the page; an action due in
the past reads Late, then Done; an event is listed; marking the review held freezes it; axe-core
finds nothing serious, in the draft and in the held review."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from selenium.webdriver.common.by import By

from cxdash.dashboard.app import create_app
from cxdash.metrics.fiscal import FiscalQuarter

from .accessibility import axe_violations
from .conftest import QUARTERLY, quarterly_sqlite
from .signing import NAME, add_account, start_signed_in
from .test_review import _trust_text
from .waiting import downloaded, wait_until

pytestmark = pytest.mark.browser

MEASURE = "vba-contact-trust"
HAPPENED = "Trust fell after the phone system migration in November."
WHY = "Hold times doubled while the new queues were tuned."
NEXT = "Add callback at peak hours before the next quarter."
AUTHOR = NAME  # who signed in: the commentary form has no author field
ACTION = "Publish the revised contact center staffing plan"


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    """A SQLite file (the background build opens it too) with the real quarterly file, computed."""
    eng = quarterly_sqlite(tmp_path_factory.mktemp("review-browser") / "cx.db", catalogue, QUARTERLY)
    yield eng
    eng.dispose()


def _pattern(kind: str, measure: str) -> str:
    """A CSS selector for a pattern-matching id's element (Dash writes the id as sorted JSON)."""
    return f'[id=\'{{"measure":"{measure}","type":"{kind}"}}\']'


def _type(dash_duo, selector: str, text: str) -> None:
    element = dash_duo.find_element(selector)
    element.clear()
    element.send_keys(text)


def _row_with(dash_duo, table: str, text: str):
    for tr in dash_duo.find_elements(f"#{table} tbody tr"):
        if text in tr.text:
            return tr
    raise AssertionError(f"no row with {text!r} in #{table}")


def _wait_row_state(dash_duo, text: str, state: str, timeout: float = 15) -> None:
    def reads_state():
        rows = [tr for tr in dash_duo.find_elements("#review-actions-table tbody tr") if text in tr.text]
        return rows and rows[0].find_elements(By.TAG_NAME, "td")[5].text == state
    wait_until(reads_state, f"the action {text!r} never read {state!r}", timeout)


def test_review_page_records_builds_a_pack_and_freezes(dash_duo, engine, catalogue):
    add_account(engine, role="review_lead")  # writes, builds and freezes; signed in through the sign-in page
    start_signed_in(dash_duo, create_app(engine, catalogue))
    dash_duo.driver.set_window_size(1280, 1400)
    url = dash_duo.server_url + "/review?quarter=FY2023Q1"
    dash_duo.driver.get(url)
    dash_duo.wait_for_text_to_equal("#review-title", "Quarterly review, FY2023 Q1", timeout=30)
    dash_duo.wait_for_contains_text("#review-status", "Draft: today's numbers")
    assert [h.text for h in dash_duo.find_elements("#review-content h2")] == [
        "The review meeting", "Measures and commentary", "Services side by side", "Decisions and actions",
        "Events on trend charts"]
    # Every service: one row each with its own trust (from the raw file), never one pooled journey.
    raw = pd.read_csv(QUARTERLY)
    rows = {tr.find_elements(By.TAG_NAME, "td")[0].text: tr.find_elements(By.TAG_NAME, "td")
            for tr in dash_duo.find_elements("#review-services-table tbody tr")}
    header = [th.text for th in dash_duo.find_elements("#review-services-table thead th")]
    vba = catalogue.service("vba-contact-center")
    cells = rows[f"{' '.join(vba.name.split())} ({vba.provider})"]
    assert cells[header.index("Trust (% agree)")].text == _trust_text(raw, vba.provider, " ".join(vba.name.split()),
                                                                         FiscalQuarter(2023, 1))
    assert len(rows) == len(dash_duo.find_elements("#review-services-table tbody tr")) >= 2
    assert axe_violations(dash_duo.driver) == []

    # (a) Commentary: written in the measure's form, saved, shown, and still there after a reload.
    dash_duo.find_element(f"#review-form-{MEASURE} summary").click()
    _type(dash_duo, _pattern("review-what-happened", MEASURE), HAPPENED)
    _type(dash_duo, _pattern("review-why", MEASURE), WHY)
    _type(dash_duo, _pattern("review-what-next", MEASURE), NEXT)
    assert dash_duo.find_element(f"#review-form-{MEASURE} .cx-saved-as").text == f"Saved under {AUTHOR}."
    dash_duo.find_element(_pattern("review-commentary-save", MEASURE)).click()
    dash_duo.wait_for_contains_text(f"#review-measure-section-{MEASURE} .cx-review-notice", "Commentary saved",
                                    timeout=15)
    notice = dash_duo.find_element(f"#review-measure-section-{MEASURE} .cx-review-notice")
    assert notice.get_attribute("role") == "status"
    dash_duo.driver.get(url)
    dash_duo.wait_for_contains_text(f"#review-measure-section-{MEASURE} .cx-review-commentary", HAPPENED,
                                    timeout=30)
    shown = dash_duo.find_element(f"#review-measure-section-{MEASURE}").text
    assert WHY in shown and NEXT in shown and f"By {AUTHOR}" in shown

    # An empty commentary is refused with the field named, in place (role=alert).
    other = "irs-gov-trust"
    dash_duo.find_element(f"#review-form-{other} summary").click()
    dash_duo.find_element(_pattern("review-commentary-save", other)).click()
    dash_duo.wait_for_contains_text(_pattern("review-commentary-feedback", other), "write at least one of",
                                    timeout=15)
    assert dash_duo.find_element(_pattern("review-commentary-feedback", other) + " [role=alert]")

    # (b) An action with an owner, due in the past: Late; marked done: Done.
    dash_duo.select_dcc_dropdown("#review-action-measure", value="Veterans trust VA after contacting the benefits "
                                                                 "contact center")
    _type(dash_duo, "#review-action-description", ACTION)
    _type(dash_duo, "#review-action-owner", "Director, VBA Contact Center Operations")
    dash_duo.find_element("#review-action-due").send_keys("01152020")  # the date input, typed as a person does
    dash_duo.find_element("#review-action-add").click()
    dash_duo.wait_for_element("#review-actions-table", timeout=15)
    _wait_row_state(dash_duo, ACTION, "Late")
    cells = [td.text for td in _row_with(dash_duo, "review-actions-table", ACTION).find_elements(By.TAG_NAME, "td")]
    assert cells[:6] == ["Action", ACTION, "Veterans trust VA after contacting the benefits contact center",
                         "Director, VBA Contact Center Operations", "15 Jan 2020", "Late"]
    _row_with(dash_duo, "review-actions-table", ACTION).find_element(By.TAG_NAME, "button").click()
    _wait_row_state(dash_duo, ACTION, "Done")
    assert "Reopen" in _row_with(dash_duo, "review-actions-table", ACTION).text

    # (c) An event for the trend charts: listed with its date and scope.
    dash_duo.find_element("#review-annotation-date").send_keys("11012022")
    _type(dash_duo, "#review-annotation-label", "Phone system migration")
    _type(dash_duo, "#review-annotation-description", "New contact center queues went live.")
    dash_duo.find_element("#review-annotation-add").click()
    dash_duo.wait_for_element("#review-annotations-table", timeout=15)
    event = _row_with(dash_duo, "review-annotations-table", "Phone system migration").text
    assert "1 Nov 2022" in event and "All providers · All services" in event

    # (d) A PowerPoint pack, built in the background: progress, then a Download button, then the file,
    # whose speaker notes carry the commentary written above.
    dash_duo.driver.execute_script("document.getElementById('review-pack-title').scrollIntoView();")
    powerpoint = dash_duo.find_element("#review-format input[value='pptx']")
    powerpoint.click()
    assert powerpoint.is_selected()
    dash_duo.find_element("#review-build").click()
    bar = dash_duo.wait_for_element("#review-build-progress progress", timeout=15)
    assert bar.get_attribute("max") == "1"
    assert dash_duo.find_element("label[for='review-build-bar']").text == "Build progress"
    live = dash_duo.find_element("#review-build-status")
    assert live.get_attribute("aria-live") == "polite"
    assert "queued" in live.text  # the web server started nothing; no worker runs yet
    # The pack worker (cxdash packs work) claims the queued build and builds it.
    worker = subprocess.run([sys.executable, "-m", "cxdash.cli", "packs", "work", "--once",
                             "--db", engine.url.render_as_string(hide_password=False)],
                            capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0 and "1 review pack build(s) done" in worker.stdout, worker.stdout + worker.stderr
    download = dash_duo.wait_for_element("#review-build-status button", timeout=30)
    assert "Ready" in dash_duo.find_element("#review-history-table").text
    download.click()
    deck = Presentation(io.BytesIO(downloaded(Path(dash_duo.download_path), ".pptx").read_bytes()))
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in deck.slides if s.has_notes_slide)
    assert HAPPENED in notes and WHY in notes and NEXT in notes

    # (e) The review is held: the status says so and nothing has changed since.
    dash_duo.driver.execute_script("document.getElementById('review-freeze-title').scrollIntoView();")
    dash_duo.find_element("#review-freeze").click()
    dash_duo.wait_for_contains_text("#review-status", "Held on", timeout=20)
    assert "the numbers are frozen" in dash_duo.find_element("#review-status").text
    dash_duo.wait_for_text_to_equal("#review-changes-sentence", "No number has changed since the review was held.")

    # (f) axe-core on the held review with its tables, events and the built pack.
    assert axe_violations(dash_duo.driver) == []

    # Another scope is another review: still a draft, and the address bar follows the filter.
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")
    dash_duo.select_dcc_dropdown("#review-provider", value="Veterans Benefits Administration")
    dash_duo.wait_for_contains_text("#review-scope", "Veterans Benefits Administration", timeout=15)
    assert "Draft: today's numbers" in dash_duo.find_element("#review-status").text
    assert "provider=Veterans+Benefits+Administration" in dash_duo.driver.current_url
    assert [s.get_attribute("id") for s in dash_duo.find_elements(".cx-review-measure")] == [
        f"review-measure-section-{MEASURE}"]
    dash_duo.driver.save_screenshot(str(Path(dash_duo.download_path) / "review.png"))
    assert [e for e in dash_duo.get_logs() or [] if e["level"] == "SEVERE"] == []
