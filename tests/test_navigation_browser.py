"""Every page is reachable from one navigation a first-time reader understands, says which page
is shown, and passes axe-core: the text pages too, not only the analysis pages."""
from __future__ import annotations

import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.navigation import NAV
from cxdash.dashboard.sign_in import SIGN_IN_OFF

from .accessibility import axe_violations

pytestmark = pytest.mark.browser

TEXT_PAGES = [("/about", "About the data"), ("/accessibility", "Accessibility"),
              ("/no-such-page", "Page not found")]


def test_navigation_reaches_every_page_and_text_pages_pass_axe(dash_duo, computed_sqlite, catalogue):
    dash_duo.start_server(create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF))
    dash_duo.driver.set_window_size(1280, 1000)
    for path, heading in TEXT_PAGES:
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_text_to_equal("h1", heading, timeout=15)
        links = dash_duo.find_elements("a.usa-nav-link")
        assert [(a.text.replace("\n", " "), a.get_attribute("pathname")) for a in links] == NAV
        current = [a.get_attribute("pathname") for a in links if a.get_attribute("aria-current") == "page"]
        assert current == ([path] if path in {href for _, href in NAV} else [])
        assert axe_violations(dash_duo.driver) == []
    about = dash_duo.find_elements("a.usa-nav-link")  # from the 404 page, the nav still works
    next(a for a in about if a.get_attribute("pathname") == "/equity").click()
    dash_duo.wait_for_text_to_equal("h1", "Equity", timeout=15)
    assert dash_duo.find_element("a.usa-nav-link[aria-current='page']").get_attribute("pathname") == "/equity"
