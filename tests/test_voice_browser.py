"""The Customer voice page in a real headless Chromium: theme counts and the negative-share trend
against pandas on the stored feedback, the stage and theme filters in the URL, no personal
detail of the complaints sample anywhere on the page, and axe-core."""
from __future__ import annotations

import re
import urllib.parse

import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import voice
from cxdash.metrics.themes import OTHER_LABEL

from .accessibility import axe_violations
from .test_voice_view import load_feedback, personal_details, stored_items

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    engine, sources = load_feedback(tmp_path_factory.mktemp("voice-browser"), catalogue)
    yield engine, sources
    engine.dispose()


def _rows(dash_duo, table_id) -> dict[str, list[str]]:
    out = {}
    for tr in dash_duo.find_elements(f"#{table_id} tbody tr"):
        cells = [td.get_attribute("textContent").strip() for td in tr.find_elements("css selector", "td")]
        out[cells[0]] = cells
    return out


def test_voice_shows_themes_trend_and_redacted_comments_and_follows_the_filters(dash_duo, loaded, catalogue):
    engine, sources = loaded
    items = stored_items(engine)
    dash_duo.start_server(create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 2000)
    dash_duo.driver.get(dash_duo.server_url + "/voice?quarter=FY2022Q2&stage=process")
    dash_duo.wait_for_element("#voice-themes-table", timeout=20)

    # Items and negative items per theme at the process stage, counted by pandas.
    scope = items[(items.fiscal_year == 2022) & (items.fiscal_quarter == 2) & (items.stage == "process")]
    expected = scope.groupby("label").agg(n=("id", "size"), negative=("negative", "sum"))
    rows = _rows(dash_duo, "voice-themes-table")
    assert set(rows) == set(expected.index)
    for label, row in expected.iterrows():
        assert (rows[label][2], rows[label][5]) == (str(int(row["negative"])), str(int(row["n"])))
    # The negative share of the process stage per quarter, from the stored items.
    process = items[items.stage == "process"].groupby(["fiscal_year", "fiscal_quarter"])["negative"].mean()
    trend = _rows(dash_duo, "voice-trend-table")
    assert trend["FY2022 Q2"][2] == f"{process[(2022, 2)] * 100:.1f}%"
    assert "removed before the text was stored" in dash_duo.find_element("#voice-redaction-note").text

    # Another stage: the themes, the URL and the comments follow.
    dash_duo.select_dcc_dropdown("#voice-stage", value="End")
    end = items[(items.fiscal_year == 2022) & (items.fiscal_quarter == 2) & (items.stage == "end")]
    sizes = end.groupby("label").size()
    top = sizes.drop(OTHER_LABEL, errors="ignore").sort_values(ascending=False)
    dash_duo.wait_for_contains_text("#voice-scope", "End", timeout=10)
    assert set(_rows(dash_duo, "voice-themes-table")) == set(sizes.index)
    assert "stage=end" in dash_duo.driver.current_url
    # A chosen theme: its comments are its own stored (redacted) texts at that stage and quarter.
    chosen = top.index[-1] if len(top) > 1 else top.index[0]
    dash_duo.select_dcc_dropdown("#voice-theme", value=voice.quoted(chosen))
    dash_duo.wait_for_contains_text("#voice-verbatims-title", voice.quoted(chosen), timeout=10)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(dash_duo.driver.current_url).query)
    # The one service shown (the only one with feedback) is named in the address too.
    assert query == {"quarter": ["FY2022Q2"], "provider": ["Synthetic example provider"],
                     "service": ["Example web contact form (synthetic)"], "stage": ["end"], "theme": [chosen]}
    shown = [e.text for e in dash_duo.find_elements("#voice-verbatims blockquote")]
    assert shown and set(shown) <= set(end.loc[end["label"] == chosen, "text_redacted"])

    # Each comment's sentiment with how sure the model is, or "Mixed / unclear"; themes are named, not listed.
    metas = [e.text for e in dash_duo.find_elements("#voice-verbatims .cx-verbatim__meta")]
    assert metas and all(re.match(r"(Negative|Positive) \((strong|mild), score [+−]\d\.\d\d\)|Mixed / unclear", m)
                         for m in metas), metas
    assert all(", " not in name for name in _rows(dash_duo, "voice-themes-table"))
    page = dash_duo.find_element("body").get_attribute("textContent") + dash_duo.driver.page_source
    assert personal_details(page) == []
    assert axe_violations(dash_duo.driver) == []
