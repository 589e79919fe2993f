"""Signing in, as the tests do it honestly: a local account made for the test, then the real
sign-in form (in the browser, or through Flask's test client). The password is a test-only
constant."""
from __future__ import annotations

import re

from cxdash import accounts

PASSWORD = "test-only password, not a secret"
USERNAME = "analyst"
NAME = "Ana Analyst"


EVERYTHING = (("all", "all"),)


def add_account(engine, username: str = USERNAME, *, name: str = NAME, role: str = "contributor",
                password: str = PASSWORD, grants=EVERYTHING) -> tuple[str, str]:
    """A local account (again: the one already there is kept), its username and password, with its
    grants: by default a cross-agency one (every provider); a restricted test names its providers,
    each (provider, service) with service 'all' for every service of the provider."""
    from cxdash.db import account_queries
    if not account_queries.exists(engine, username):
        accounts.add(engine, username, password, name=name, role=role)
        for provider, service in grants:
            accounts.grant(engine, username, provider, service, granted_by="tests")
    return username, password


def form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no form token on the sign-in page"
    return found.group(1)


def signed_in_client(app, username: str = USERNAME, password: str = PASSWORD):
    """Flask's test client of the Dash app, signed in through the sign-in form."""
    client = app.server.test_client()
    page = client.get("/sign-in")
    answer = client.post("/sign-in", data={"csrf_token": form_token(page.text), "username": username,
                                           "password": password, "next": "/"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/", (answer.status_code, answer.text[:500])
    return client


def fill_sign_in_form(driver, username: str, password: str) -> None:
    """Type into the sign-in page's form and submit it; returns once the browser has left that page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 15).until(expected_conditions.presence_of_element_located((By.ID, "username")))
    driver.find_element(By.ID, "username").clear()
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    form = driver.find_element(By.ID, "sign-in-form")
    driver.find_element(By.ID, "sign-in-submit").click()
    # The form posts and the server answers with a new page: wait until this one is gone, so the
    # caller never reads the old page's alert (or finds it stale) after a second attempt.
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(form))


def start_signed_in(dash_duo, app, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Start the app, sign the browser in through the sign-in page, and open the scorecard."""
    dash_duo.start_server(app, navigate=False)
    url = dash_duo.server.url.rstrip("/")
    dash_duo.driver.get(f"{url}/")  # sent to the sign-in page
    assert "/sign-in" in dash_duo.driver.current_url, dash_duo.driver.current_url
    fill_sign_in_form(dash_duo.driver, username, password)
    dash_duo.server_url = url  # waits for Dash's renderer on the page signed in to


def http_sign_in(base_url: str, username: str = USERNAME, password: str = PASSWORD):
    """A urllib opener signed in to a real server through its sign-in form (cookies kept)."""
    import http.cookiejar
    import urllib.parse
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base_url.rstrip('/')}/sign-in", timeout=30) as page:
        token = form_token(page.read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password, "next": "/"})
    with opener.open(f"{base_url.rstrip('/')}/sign-in", data=form.encode(), timeout=60) as answer:
        assert answer.status == 200 and "_dash-config" in answer.read().decode(), "not signed in"
    return opener
