"""Sign-in, on by default (issue 15): nothing answers an anonymous request but the sign-in page;
local accounts sign in through the form (a wrong password, an unknown name and a disabled
account are refused alike, and a disabled account's session stops); the agency's OpenID Connect
provider signs in through its real login page; `--no-sign-in` is one local administrator, said
on every page; and what a person writes is recorded under who is signed in, never what the
browser sends."""
from __future__ import annotations

import logging
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from dash import html as dash_html
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from cxdash import accounts
from cxdash.cli import main
from cxdash.dashboard.app import create_app
from cxdash.dashboard.components import gov_banner
from cxdash.dashboard.sign_in import SIGN_IN_OFF, OidcSettings, SignIn
from cxdash.db import account_queries, review_queries

from .accessibility import axe_violations
from .signing import NAME, PASSWORD, USERNAME, add_account, fill_sign_in_form, form_token, signed_in_client
from .test_components import find, text
from .waiting import wait_until

HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def db(computed_sqlite):
    add_account(computed_sqlite)
    return computed_sqlite


@pytest.fixture(scope="module")
def app(db, catalogue):
    return create_app(db, catalogue)  # the default: sign-in on


def _headers_ok(response, what):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (what, name)
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), what


# --- anonymous requests ---------------------------------------------------------------------

def test_anonymous_requests_get_the_sign_in_page_or_401_with_the_security_headers(app):
    client = app.server.test_client()
    page = client.get("/", headers=HTML)
    assert page.status_code == 302 and page.headers["Location"] == "/sign-in?next=/"
    deep = client.get("/journey?service=Passport+Services", headers=HTML)
    assert deep.status_code == 302 and deep.headers["Location"].startswith("/sign-in?next=/journey%3Fservice")
    answers = {"GET /": page, "GET /journey": deep}
    for path in ("/_dash-layout", "/_dash-dependencies", "/assets/zz-cxdash/review.css", "/review"):
        answers[f"GET {path}"] = client.get(path)  # no Accept: text/html, a machine's request
    answers["GET /_dash-layout (html)"] = client.get("/_dash-layout", headers=HTML)
    answers["POST /_dash-update-component"] = client.post("/_dash-update-component", json={"output": "x", "inputs": []})
    answers["POST /"] = client.post("/", data={"x": 1})
    for what, response in answers.items():
        _headers_ok(response, what)
        if what not in ("GET /", "GET /journey"):
            assert response.status_code == 401, (what, response.status_code)
            assert response.json == {"error": "sign in first"} and "cxdash" not in response.text.lower()
    sign_in = client.get("/sign-in")
    assert sign_in.status_code == 200 and 'id="sign-in-form"' in sign_in.text and "<script" not in sign_in.text
    _headers_ok(sign_in, "GET /sign-in")
    for opened in ("/assets/uswds/css/uswds.min.css", "/assets/zz-cxdash/cxdash.css", "/assets/uswds/img/lock.svg"):
        assert client.get(opened).status_code == 200, opened  # what the sign-in page itself loads


class _Banner(HTMLParser):
    """The official banner of a page's HTML: its words, what a screen reader skips of them, and its images."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside the banner's <section> when > 0
        self.hidden_at = None  # the depth of an aria-hidden element being read
        self.words, self.spoken, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "usa-banner" in (attrs.get("class") or "").split():
            self.depth = 1
            return
        if self.depth and tag not in ("img", "br"):
            self.depth += 1
            if self.hidden_at is None and attrs.get("aria-hidden") == "true":
                self.hidden_at = self.depth
        if self.depth and tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if self.depth and tag not in ("img", "br"):
            if self.hidden_at == self.depth:
                self.hidden_at = None
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.words.append(data)
            if self.hidden_at is None:
                self.spoken.append(data)


def test_the_sign_in_page_carries_the_official_banner_of_every_page(app):
    """The same words as the Dash pages' banner (gov_banner), read from the page as served, with
    its images open to a visitor not signed in yet; the "Here's how you know" toggle works without
    script (a <details>), and a screen reader hears the toggle's words once."""
    client = app.server.test_client()
    page = client.get("/sign-in").text
    banner = _Banner()
    banner.feed(page)
    dash_banner = gov_banner()
    assert " ".join("".join(banner.words).split()) == " ".join(text(dash_banner).split())
    assert "An official website of the United States government" in banner.words
    assert "Secure .gov websites use HTTPS" in banner.words
    assert "".join(banner.spoken).count("Here’s how you know") == 1  # the visible action is aria-hidden
    assert page.index('class="usa-banner"') < page.index('id="main-content"')
    assert "<details" in page and "<summary" in page and "<script" not in page
    assert sorted(banner.images) == sorted(n.src for n in find(dash_banner, type_=dash_html.Img))
    css = client.get("/assets/zz-cxdash/cxdash.css").text
    icons = re.findall(r"url\(\.\./(uswds/img/[^)]+)\)", css[css.index(".cx-static-banner"):])
    assert icons and all(client.get(f"/assets/{icon}").status_code == 200 for icon in icons)
    for image in banner.images:
        assert client.get(image).status_code == 200, image


def test_a_local_account_signs_in_through_the_form(app, caplog):
    client = app.server.test_client()
    token = form_token(client.get("/sign-in").text)
    with caplog.at_level(logging.INFO, logger="cxdash.dashboard.sign_in"):
        signed = client.post("/sign-in", data={"csrf_token": token, "username": USERNAME, "password": PASSWORD,
                                               "next": "/review?quarter=FY2023Q1"})
    assert signed.status_code == 302 and signed.headers["Location"] == "/review?quarter=FY2023Q1"
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain http to this machine
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and NAME in layout.text and "Sign out" in layout.text
    assert any(f"signed in: {USERNAME} (local account)" in r.getMessage() for r in caplog.records)
    # Signing out ends the session (a form with the session's token).
    assert client.post("/sign-out", data={"csrf_token": "forged"}).status_code == 400
    with client.session_transaction() as session:
        token = session["csrf"]
    out = client.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 302 and client.get("/_dash-layout").status_code == 401


def test_the_session_cookie_is_secure_off_this_machine(app):
    client = app.server.test_client()
    token = form_token(client.get("/sign-in", base_url="http://cx.example.gov").text)
    signed = client.post("/sign-in", base_url="http://cx.example.gov",
                         data={"csrf_token": token, "username": USERNAME, "password": PASSWORD})
    assert signed.status_code == 302 and "Secure" in signed.headers["Set-Cookie"]


@pytest.mark.parametrize("username, password", [(USERNAME, "wrong password entirely"), ("nobody", PASSWORD),
                                                (USERNAME, ""), ("", "")])
def test_a_wrong_password_or_name_is_refused_alike_and_logged(app, caplog, username, password):
    client = app.server.test_client()
    token = form_token(client.get("/sign-in").text)
    with caplog.at_level(logging.WARNING, logger="cxdash.dashboard.sign_in"):
        refused = client.post("/sign-in", data={"csrf_token": token, "username": username, "password": password})
    assert refused.status_code == 401 and "The username or password is wrong." in refused.text
    assert client.get("/_dash-layout").status_code == 401
    assert any(r.getMessage().startswith(f"sign-in failed for username {username!r}") for r in caplog.records)
    assert password == "" or password not in caplog.text


def test_the_form_needs_its_token_and_never_redirects_off_the_server(app):
    client = app.server.test_client()
    client.get("/sign-in")
    stale = client.post("/sign-in", data={"csrf_token": "forged", "username": USERNAME, "password": PASSWORD})
    assert stale.status_code == 400 and "expired" in stale.text and client.get("/_dash-layout").status_code == 401
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client = app.server.test_client()
        token = form_token(client.get("/sign-in").text)
        signed = client.post("/sign-in", data={"csrf_token": token, "username": USERNAME, "password": PASSWORD,
                                               "next": target})
        assert signed.headers["Location"] == "/", target


def test_a_disabled_account_cannot_sign_in_and_its_session_stops(db, catalogue):
    add_account(db, "leaver", name="Lee Leaver")
    app = create_app(db, catalogue)
    client = signed_in_client(app, "leaver")
    assert client.get("/_dash-layout").status_code == 200
    result = CliRunner().invoke(main, ["users", "disable", "leaver", "--db", db.url.render_as_string(False)])
    assert result.exit_code == 0 and "disabled" in result.output
    assert client.get("/_dash-layout").status_code == 401  # at its next request
    assert client.get("/", headers=HTML).headers["Location"] == "/sign-in?next=/"
    again = app.server.test_client()
    token = form_token(again.get("/sign-in").text)
    refused = again.post("/sign-in", data={"csrf_token": token, "username": "leaver", "password": PASSWORD})
    assert refused.status_code == 401 and "The username or password is wrong." in refused.text


def test_an_openid_connect_answer_that_does_not_check_out_is_a_failed_sign_in(db, catalogue, free_tcp_port):
    """A callback whose state this browser never started, and a provider that does not answer:
    a message on the sign-in page (and the reason in the log), never a 500 or a session."""
    unreachable = OidcSettings(issuer=f"http://127.0.0.1:{free_tcp_port}", client_id="x", client_secret="y")
    app = create_app(db, catalogue, sign_in=SignIn(oidc=unreachable))
    client = app.server.test_client()
    page = client.get("/sign-in")
    assert 'id="sign-in-oidc"' in page.text and 'id="sign-in-form"' in page.text
    forged = client.get("/sign-in/callback?code=stolen&state=not-mine")
    assert forged.status_code == 401 and "Signing in with your agency account failed" in forged.text
    assert client.get("/_dash-layout").status_code == 401
    down = client.get("/sign-in/oidc?next=/journey")
    assert down.status_code == 502 and "not answering" in down.text


# --- the CLI ---------------------------------------------------------------------------------

def test_users_add_list_disable(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    added = runner.invoke(main, ["users", "add", "rivera", "--name", "A. Rivera", "--role", "review_lead",
                                 "--password-stdin", "--db", url], input="a long enough password\n")
    assert added.exit_code == 0 and added.output.strip() == "account 'rivera' added (review_lead)"
    prompted = runner.invoke(main, ["users", "add", "kim", "--db", url],
                             input="another long password\nanother long password\n")
    assert prompted.exit_code == 0, prompted.output
    for args, message in ((["rivera", "--password-stdin"], "an account named 'rivera' already exists"),
                          (["short", "--password-stdin"], "password: at least 12 characters"),
                          (["bad name", "--password-stdin"], "username 'bad name': use 1-150 letters")):
        failed = runner.invoke(main, ["users", "add", *args, "--db", url], input="short\n" if "short" in args
                               else "a long enough password\n")
        assert failed.exit_code == 1 and message in failed.output, failed.output
    listed = runner.invoke(main, ["users", "list", "--db", url]).output.splitlines()
    assert listed[0].split() == ["username", "name", "role", "status", "sees", "last_sign_in"]
    assert listed[1].split() == ["kim", "viewer", "active", "nothing"] and listed[2].split()[:6] == [
        "rivera", "A.", "Rivera", "review_lead", "active", "nothing"]
    assert runner.invoke(main, ["users", "disable", "kim", "--db", url]).exit_code == 0
    missing = runner.invoke(main, ["users", "disable", "nobody", "--db", url])
    assert missing.exit_code == 1 and missing.output.strip() == "Error: no account named 'nobody'"
    assert "kim,,viewer,disabled,nothing," in runner.invoke(main, ["users", "list", "--format", "csv", "--db", url]).output
    # Only an Argon2 hash is stored, never the password.
    from cxdash.db.engine import make_engine
    engine = make_engine(url)
    stored = account_queries.for_sign_in(engine, "rivera")["password_hash"]
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert accounts.authenticate(engine, "rivera", "a long enough password").display_name == "A. Rivera"
    assert accounts.authenticate(engine, "kim", "another long password") is None  # disabled
    engine.dispose()


# --- without sign-in ---------------------------------------------------------------------------

def test_without_sign_in_everyone_is_the_local_administrator_and_every_page_says_so(db, catalogue):
    app = create_app(db, catalogue, sign_in=SIGN_IN_OFF)
    client = app.server.test_client()
    assert client.get("/", headers=HTML).status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and "Sign-in is off: anyone on this computer can change the review record." in (
        layout.text)
    assert client.get("/sign-in").headers["Location"] == "/"
    # Only this computer: a request from another address is refused even if something forwarded it.
    far = client.get("/_dash-layout", environ_overrides={"REMOTE_ADDR": "203.0.113.9"})
    assert far.status_code == 403
    _headers_ok(far, "403")


# --- writes are attributed to who is signed in ------------------------------------------------

def _commentary_request(output: str) -> dict:
    """What the Review page's browser sends when the commentary on one measure is saved: the three
    texts and the filters, and no author (the page has no author field)."""
    measure = "vba-contact-trust"
    texts = [[{"id": {"measure": measure, "type": t}, "property": "value", "value": v}]
             for t, v in (("review-what-happened", "Trust fell."), ("review-why", "Hold times doubled."),
                          ("review-what-next", "Callbacks at peak hours."))]
    filters = [{"id": f"review-{k}", "property": "value", "value": v}
               for k, v in (("quarter", "FY2023Q1"), ("provider", "all"), ("service", "all"))]
    return {"output": output,
            "outputs": [[{"id": {"measure": measure, "type": "review-commentary-feedback"}, "property": "children"}],
                        {"id": "review-version", "property": "data"}],
            "inputs": [[{"id": {"measure": measure, "type": "review-commentary-save"}, "property": "n_clicks",
                         "value": 1}]],
            "state": [*texts, *filters, {"id": "review-version", "property": "data", "value": None}],
            "changedPropIds": ['{"measure":"vba-contact-trust","type":"review-commentary-save"}.n_clicks']}


def test_commentary_is_recorded_under_the_signed_in_user(db, app):
    client = signed_in_client(app)
    saving = next(d for d in client.get("/_dash-dependencies").json if "review-commentary-save" in str(d["inputs"]))
    assert "review-author" not in str(saving["state"])  # nothing the browser sends names the author
    assert app.server.test_client().post("/_dash-update-component",
                                         json=_commentary_request(saving["output"])).status_code == 401
    answer = client.post("/_dash-update-component", json=_commentary_request(saving["output"]))
    assert answer.status_code == 200, answer.text[:2000]
    stored = review_queries.commentary(db, 2023, 1)["vba-contact-trust"]
    assert stored["author"] == NAME and stored["what_happened"] == "Trust fell."


# --- in the browser --------------------------------------------------------------------------

@pytest.mark.browser
def test_sign_in_page_in_the_browser(dash_duo, db, catalogue):
    add_account(db, "disabled.one", name="Dee Disabled")
    accounts.disable(db, "disabled.one")
    dash_duo.start_server(create_app(db, catalogue), navigate=False)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url + "/operations")
    wait_until(lambda: "/sign-in" in driver.current_url, lambda: driver.current_url)
    assert driver.title == "Sign in · cxdash"
    assert axe_violations(driver) == []
    # The official banner opens and closes with no script: by mouse, then by keyboard.
    summary = driver.find_element(By.CSS_SELECTOR, ".usa-banner summary")
    content = driver.find_element(By.ID, "gov-banner")
    assert not content.is_displayed()
    summary.click()
    wait_until(content.is_displayed, "the banner did not open")
    assert "Official websites use .gov" in content.text
    assert axe_violations(driver) == []
    summary.send_keys(Keys.ENTER)
    wait_until(lambda: not content.is_displayed(), "the banner did not close")
    for username, password in ((USERNAME, "wrong password entirely"), ("disabled.one", PASSWORD)):
        fill_sign_in_form(driver, username, password)
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".usa-alert--error"), "no error shown")
        assert driver.find_element(By.CSS_SELECTOR, ".usa-alert--error").text == "The username or password is wrong."
        assert axe_violations(driver) == []
    fill_sign_in_form(driver, USERNAME, PASSWORD)
    dash_duo.wait_for_text_to_equal("#signed-in-as", NAME, timeout=30)
    # Back on the page asked for; the page may then write its filters into the query string.
    assert urllib.parse.urlparse(driver.current_url).path == "/operations"
    driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=30)  # the scorecard
    assert axe_violations(driver) == []
    logs = dash_duo.get_logs() or []
    assert [e for e in logs if "Content Security Policy" in e["message"]] == []
    dash_duo.find_element("#sign-out").click()
    wait_until(lambda: "/sign-in" in driver.current_url, lambda: driver.current_url)
    driver.get(dash_duo.server.url + "/")
    wait_until(lambda: "/sign-in" in driver.current_url, lambda: driver.current_url)

    # An account disabled while its page is open: the page's next request is refused and the
    # browser goes to the sign-in page (assets/zz-cxdash/session-ended.js), not a dead page.
    add_account(db, "short.stay", name="Sam Shortstay")
    fill_sign_in_form(driver, "short.stay", PASSWORD)
    dash_duo.wait_for_element("#card-vba-contact-trust", timeout=30)
    accounts.disable(db, "short.stay")
    dash_duo.select_dcc_dropdown("#filter-provider", value="Veterans Health Administration")
    wait_until(lambda: "/sign-in?next=%2F" in driver.current_url, lambda: driver.current_url, timeout=20)
    assert driver.find_elements(By.ID, "sign-in-form")


@pytest.mark.browser
def test_sign_in_through_the_real_openid_connect_provider(dash_duo, db, catalogue, oidc_provider, tmp_path,
                                                          monkeypatch):
    port = oidc_provider["app_port"]
    # The provider's groups claim, mapped in the agency's access.yaml: the test user is in vha-contributors.
    (tmp_path / "access.yaml").write_text("groups:\n  vha-contributors:\n    role: contributor\n"
                                          "    providers: [Veterans Health Administration]\n", encoding="utf-8")
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    settings = SignIn(oidc=OidcSettings(issuer=oidc_provider["issuer"], client_id=oidc_provider["client_id"],
                                        client_secret=oidc_provider["client_secret"]))
    app = create_app(db, catalogue, sign_in=settings)
    dash_duo.start_server(app, navigate=False, port=port)
    driver = dash_duo.driver
    driver.get(f"http://localhost:{port}/journey")
    wait_until(lambda: driver.find_elements(By.ID, "sign-in-oidc"), lambda: driver.page_source[:2000])
    assert axe_violations(driver) == []
    driver.find_element(By.ID, "sign-in-oidc").click()
    # The provider's own login page, on its own address: a wrong password is refused there.
    wait_until(lambda: driver.current_url.startswith(oidc_provider["issuer"] + "/interaction/"),
               lambda: driver.current_url)
    user = oidc_provider["user"]
    for password in ("not the password", user["password"]):
        driver.find_element(By.ID, "provider-username").send_keys(user["username"])
        driver.find_element(By.ID, "provider-password").send_keys(password)
        driver.find_element(By.ID, "provider-submit").click()
        if password != user["password"]:
            wait_until(lambda: driver.find_elements(By.ID, "provider-error"), lambda: driver.page_source[:2000])
    dash_duo.wait_for_text_to_equal("#signed-in-as", user["name"], timeout=30)
    address = urllib.parse.urlparse(driver.current_url)
    assert (address.netloc, address.path) == (f"localhost:{port}", "/journey")
    # Once the page writes its filters into the address, they name the granted provider only.
    assert urllib.parse.parse_qs(address.query).get("provider", ["Veterans Health Administration"]) == [
        "Veterans Health Administration"]
    dash_duo.wait_for_element("#journey-scope", timeout=30)  # the page it asked for, drawn
    # Their groups grant VHA only (access.yaml): the page opens on it, never on every provider.
    assert "Veterans Health Administration" in dash_duo.find_element("#journey-scope").text
    assert "All providers" not in dash_duo.find_element("#journey-provider").text
    # The session keeps who it is and the provider's groups (mapped to a role and providers on each request).
    cookie = driver.get_cookie("cxdash_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    session = app.server.session_interface.get_signing_serializer(app.server).loads(cookie["value"])
    assert session["user"] == {"username": user["username"], "name": user["name"], "via": "oidc", "role": "viewer",
                               "email": user["email"], "subject": user["username"], "issuer": oidc_provider["issuer"],
                               "groups": user["groups"]}
