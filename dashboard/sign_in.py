"""Sign-in, on by default: a guard on the Flask server under the Dash app, local accounts (a form),
an agency's OpenID Connect provider (Authlib's Flask client), and the one way around it,
`cxdash serve --no-sign-in` (loopback only, one local administrator).

Nothing but the sign-in page, the OIDC callback, sign-out and the few static files the sign-in
page itself needs answers an anonymous request: a browser's GET of a page is sent to the sign-in
page, anything else (Dash's /_dash-* requests, POSTs, other files) gets 401. Who is signed in is
kept in Flask's signed session cookie (CXDASH_SECRET_KEY): HttpOnly, SameSite=Lax, Secure unless
the request is plain http to this machine. A local account is checked again on every request, so
a disabled account's session stops at once; writes take the person from here, never from the
browser (current_user).
"""
from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import flask
from markupsafe import Markup
from sqlalchemy import Engine

from cxdash import accounts, permissions
from cxdash.dashboard.official_banner import static_banner
from cxdash.errors import UserError
from cxdash.permissions import EVERYTHING, Principal, Refused

log = logging.getLogger("cxdash.dashboard.sign_in")

SIGN_IN = "/sign-in"
OIDC_START = "/sign-in/oidc"
OIDC_CALLBACK = "/sign-in/callback"
SIGN_OUT = "/sign-out"
# What the sign-in page loads: USWDS's stylesheet with its fonts and images, and ours.
OPEN_PREFIXES = ("/assets/uswds/css/", "/assets/uswds/fonts/", "/assets/uswds/img/")
OPEN_PATHS = frozenset({SIGN_IN, OIDC_START, OIDC_CALLBACK, SIGN_OUT, "/assets/zz-cxdash/cxdash.css",
                        "/_favicon.ico"})
WRONG = "The username or password is wrong."
SESSION_HOURS = 8
OFF_NOTICE = "Sign-in is off: anyone on this computer can change the review record."
MAX_GROUPS = 200


@dataclass(frozen=True)
class OidcSettings:
    """An OpenID Connect provider: found by its issuer URL's discovery document."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    groups_claim: str = "groups"
    label: str = "Sign in with your agency account"
    redirect_uri: str | None = None  # default: this server's /sign-in/callback as the request reached it

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> OidcSettings | None:
        """CXDASH_OIDC_ISSUER, CXDASH_OIDC_CLIENT_ID and CXDASH_OIDC_CLIENT_SECRET (all three or none),
        with CXDASH_OIDC_SCOPES, CXDASH_OIDC_GROUPS_CLAIM, CXDASH_OIDC_LABEL, CXDASH_OIDC_REDIRECT_URI."""
        names = ("CXDASH_OIDC_ISSUER", "CXDASH_OIDC_CLIENT_ID", "CXDASH_OIDC_CLIENT_SECRET")
        given = [env.get(n, "").strip() for n in names]
        if not any(given):
            return None
        missing = [n for n, v in zip(names, given) if not v]
        if missing:
            raise UserError(f"OpenID Connect needs {', '.join(names)}: {', '.join(missing)} not set")
        issuer = given[0]
        if urlsplit(issuer).scheme not in ("https", "http") or not urlsplit(issuer).netloc:
            raise UserError(f"CXDASH_OIDC_ISSUER={issuer!r}: expected the provider's issuer URL, e.g. https://login.example.gov/realms/agency")
        if urlsplit(issuer).scheme == "http" and not _loopback(urlsplit(issuer).hostname or ""):
            raise UserError(f"CXDASH_OIDC_ISSUER={issuer!r}: use https (http only for a provider on this machine)")
        return cls(issuer=issuer, client_id=given[1], client_secret=given[2],
                   scopes=env.get("CXDASH_OIDC_SCOPES") or cls.scopes,
                   groups_claim=env.get("CXDASH_OIDC_GROUPS_CLAIM") or cls.groups_claim,
                   label=env.get("CXDASH_OIDC_LABEL") or cls.label,
                   redirect_uri=env.get("CXDASH_OIDC_REDIRECT_URI") or None)


@dataclass(frozen=True)
class SignIn:
    """How the dashboard signs people in. enabled=False is `cxdash serve --no-sign-in`: loopback
    only, everyone is the one local administrator."""

    enabled: bool = True
    oidc: OidcSettings | None = None
    local_accounts: bool = True

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> SignIn:
        local = env.get("CXDASH_LOCAL_ACCOUNTS", "on").strip().lower()
        if local not in ("on", "off"):
            raise UserError(f"CXDASH_LOCAL_ACCOUNTS={local!r}: expected on or off")
        oidc = OidcSettings.from_environment(env)
        if oidc is None and local == "off":
            raise UserError("CXDASH_LOCAL_ACCOUNTS=off needs an OpenID Connect provider (CXDASH_OIDC_ISSUER, ...)")
        return cls(enabled=True, oidc=oidc, local_accounts=local == "on")


SIGN_IN_OFF = SignIn(enabled=False)


@dataclass(frozen=True)
class User:
    """Who is signed in, as the server knows it (from the session, never from a form)."""

    username: str
    name: str = ""
    via: str = "local"  # local, oidc, no-sign-in
    role: str = "viewer"
    email: str = ""
    subject: str = ""
    issuer: str = ""
    groups: tuple[str, ...] = field(default=())

    @property
    def shown_as(self) -> str:
        """How writes record the person: the name, else the username."""
        return self.name or self.username

    def to_session(self) -> dict:
        return {"username": self.username, "name": self.name, "via": self.via, "role": self.role,
                "email": self.email, "subject": self.subject, "issuer": self.issuer, "groups": list(self.groups)}

    @classmethod
    def from_session(cls, data) -> User | None:
        if not isinstance(data, dict) or not data.get("username"):
            return None
        return cls(username=str(data["username"]), name=str(data.get("name") or ""), via=str(data.get("via") or "local"),
                   role=str(data.get("role") or "viewer"), email=str(data.get("email") or ""),
                   subject=str(data.get("subject") or ""), issuer=str(data.get("issuer") or ""),
                   groups=tuple(str(g) for g in data.get("groups") or ()))


LOCAL_ADMINISTRATOR = User(username="local-administrator", name="Local administrator", via="no-sign-in",
                           role="administrator")
LOCAL_PRINCIPAL = Principal(username="local-administrator", role="administrator", scope=EVERYTHING,
                            via="no-sign-in", name="Local administrator")


def current_user() -> User | None:
    """The signed-in user of this request (the local administrator with sign-in off)."""
    if not flask.has_request_context():
        return None
    return flask.g.get("cxdash_user")


def current_principal() -> Principal | None:
    """Who is acting in this request, with their role and scope as the server knows them now (a
    local account's role and grants are read from the database on every request)."""
    if not flask.has_request_context():
        return None
    return flask.g.get("cxdash_principal")


def acting_principal() -> Principal | None:
    """Who acts: the request's person; with sign-in off, the one local administrator (also for
    code run inside the app outside a request); else nobody."""
    who = current_principal()
    if who is None and sign_in_is_off():
        return LOCAL_PRINCIPAL
    return who


def required_principal() -> Principal:
    who = acting_principal()
    if who is None:
        raise Refused("sign in first")
    return who


def signed_in_name() -> str | None:
    user = current_user()
    return user.shown_as if user else None


def required_user() -> User:
    """The signed-in user; a write without one is refused (the guard makes that unreachable)."""
    user = current_user()
    if user is None:
        raise UserError("sign in first")
    return user


def settings() -> SignIn:
    return flask.current_app.config["CXDASH_SIGN_IN"]


def sign_in_is_off() -> bool:
    return flask.has_app_context() and not settings().enabled


def csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = flask.session.get("csrf")
    given = flask.request.form.get("csrf_token", "")
    return bool(expected) and hmac.compare_digest(str(expected), given)


def _loopback(host: str) -> bool:
    host = (host or "").strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _SessionInterface(flask.sessions.SecureCookieSessionInterface):
    """Secure cookies unless the request is plain http to this machine (the demo, the tests)."""

    def get_cookie_secure(self, app: flask.Flask) -> bool:
        if not flask.has_request_context():
            return True
        request = flask.request
        host = request.host.split("]")[0] if request.host.startswith("[") else request.host.rsplit(":", 1)[0]
        return request.is_secure or not _loopback(host)


def install(server: flask.Flask, engine: Engine, sign_in: SignIn) -> None:
    """The guard, the session cookie's settings and the sign-in routes."""
    server.config["CXDASH_SIGN_IN"] = sign_in
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_NAME="cxdash_session",
                         PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS))
    server.session_interface = _SessionInterface()
    oauth = _oauth(server, sign_in.oidc) if sign_in.enabled and sign_in.oidc else None
    access = permissions.access_config() if sign_in.enabled and sign_in.oidc else permissions.AccessConfig()

    @server.errorhandler(Refused)
    def _forbidden(exc):
        return _refused(403, str(exc))

    @server.before_request
    def _guard():
        request = flask.request
        if not sign_in.enabled:
            if not _loopback(request.remote_addr or ""):
                return _refused(403, "sign-in is off: this server answers only this computer")
            flask.g.cxdash_user = LOCAL_ADMINISTRATOR
            flask.g.cxdash_principal = LOCAL_PRINCIPAL
            return None
        found = _session_user(engine, access)
        if found is not None:
            flask.g.cxdash_user, flask.g.cxdash_principal = found
            return None
        if request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES):
            return None
        if (request.method in ("GET", "HEAD") and not request.path.startswith("/_dash-")
                and request.accept_mimetypes.accept_html):
            return flask.redirect(f"{SIGN_IN}?next={_quoted(request.full_path)}", code=302)
        return _refused(401, "sign in first")

    @server.route(SIGN_IN, methods=["GET", "POST"])
    def sign_in_page():
        if not sign_in.enabled:
            return flask.redirect("/")
        target = _safe_next(flask.request.values.get("next"))
        if flask.request.method == "GET":
            if current_user() is not None:
                return flask.redirect(target)
            return _page(sign_in, target)
        if not sign_in.local_accounts:
            return _page(sign_in, target, error="Sign in with your agency account.", status=400)
        if not _csrf_ok():
            log.warning("sign-in form refused: missing or stale form token from %s", flask.request.remote_addr)
            return _page(sign_in, target, error="The sign-in form had expired. Please try again.", status=400)
        username = flask.request.form.get("username", "").strip()[:150]
        account = accounts.authenticate(engine, username, flask.request.form.get("password", ""))
        if account is None:
            log.warning("sign-in failed for username %r from %s", username, flask.request.remote_addr)
            return _page(sign_in, target, error=WRONG, username=username, status=401)
        _start_session(User(username=account.username, name=account.display_name, via="local", role=account.role))
        log.info("signed in: %s (local account) from %s", account.username, flask.request.remote_addr)
        _warn_plain_http()
        return flask.redirect(target)

    @server.route(OIDC_START)
    def oidc_start():
        if oauth is None:
            flask.abort(404)
        target = _safe_next(flask.request.args.get("next"))
        flask.session["next"] = target
        redirect_uri = sign_in.oidc.redirect_uri or flask.url_for("oidc_callback", _external=True)
        try:
            return oauth.oidc.authorize_redirect(redirect_uri)
        except (OSError, ValueError) as exc:  # the provider's discovery document: unreachable or not JSON
            log.error("OpenID Connect provider %s did not answer: %s", sign_in.oidc.issuer, exc)
            return _page(sign_in, target, error="Your agency's sign-in service is not answering. Please try again later.",
                         status=502)

    @server.route(OIDC_CALLBACK)
    def oidc_callback():
        if oauth is None:
            flask.abort(404)
        target = _safe_next(flask.session.pop("next", None))
        try:
            # state, the code exchange (with the PKCE verifier), the ID token's signature and claims
            # (issuer, audience, expiry, nonce): any failure, whatever raised it (Authlib, joserfc,
            # the network), is a failed sign-in, said on the page, with its reason in the log.
            token = oauth.oidc.authorize_access_token()
        except Exception as exc:  # noqa: BLE001
            log.warning("OpenID Connect sign-in failed from %s: %s: %s", flask.request.remote_addr,
                        type(exc).__name__, exc)
            return _page(sign_in, target, error="Signing in with your agency account failed. Please try again.",
                         status=401)
        claims = token.get("userinfo") or {}
        user = _oidc_user(claims, sign_in.oidc)
        if user is None:
            log.warning("OpenID Connect sign-in without a subject from %s", flask.request.remote_addr)
            return _page(sign_in, target, error="Signing in with your agency account failed. Please try again.",
                         status=401)
        _start_session(user)
        log.info("signed in: %s (OpenID Connect, subject %s) from %s", user.username, user.subject,
                 flask.request.remote_addr)
        _warn_plain_http()
        return flask.redirect(target)

    @server.route(SIGN_OUT, methods=["POST"])
    def sign_out():
        if not sign_in.enabled:
            return flask.redirect("/")
        if not _csrf_ok():
            return _refused(400, "the sign-out form had expired")
        user = current_user()
        flask.session.clear()
        if user is not None:
            log.info("signed out: %s", user.username)
        return flask.redirect(SIGN_IN)


def _oauth(server: flask.Flask, oidc: OidcSettings):
    from authlib.integrations.flask_client import OAuth
    oauth = OAuth(server)
    # Authorization code flow; Authlib adds state and (for the openid scope) a nonce, and with
    # code_challenge_method a PKCE verifier, keeps them in the session and checks them and the ID
    # token's signature (the provider's published keys), issuer, audience and expiry on the way back.
    oauth.register("oidc", client_id=oidc.client_id, client_secret=oidc.client_secret,
                   server_metadata_url=oidc.metadata_url,
                   client_kwargs={"scope": oidc.scopes, "code_challenge_method": "S256", "default_timeout": 15})
    return oauth


def _oidc_user(claims: Mapping, oidc: OidcSettings) -> User | None:
    subject = str(claims.get("sub") or "")
    if not subject:
        return None
    groups = claims.get(oidc.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    username = str(claims.get("preferred_username") or claims.get("email") or subject)
    name = str(claims.get("name") or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")).strip())
    return User(username=username[:150], name=name[:200], via="oidc", email=str(claims.get("email") or ""),
                subject=subject, issuer=str(claims.get("iss") or oidc.issuer),
                groups=tuple(str(g) for g in list(groups)[:MAX_GROUPS]))


def _warn_plain_http() -> None:
    """The session cookie is Secure off this computer: over plain http a browser drops it."""
    request = flask.request
    if request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https":
        return
    if flask.current_app.session_interface.get_cookie_secure(flask.current_app):
        log.warning("a sign-in over plain http to %s: browsers keep the Secure session cookie only over https; "
                    "serve cxdash behind https (a proxy that terminates TLS)", request.host)


def _start_session(user: User) -> None:
    """A new session for the user (nothing kept from before signing in, so no fixation)."""
    flask.session.clear()
    flask.session.permanent = True
    flask.session["user"] = user.to_session()
    flask.session["csrf"] = secrets.token_urlsafe(32)
    flask.g.cxdash_user = user


def _session_user(engine: Engine, access: permissions.AccessConfig) -> tuple[User, Principal] | None:
    """The session's user and who they are now: a local account's role and grants from the
    database (a disabled account's session ends), an OIDC user's from their groups (access.yaml)."""
    user = User.from_session(flask.session.get("user"))
    if user is None:
        return None
    if user.via == "local":
        found = accounts.access(engine, user.username)
        if found is None:
            log.warning("session of %s ended: the account is disabled or gone", user.username)
            flask.session.clear()
            return None
        role, scope = found
    else:
        role, scope = access.for_groups(user.groups)
    return user, Principal(username=user.username, role=role, scope=scope, via=user.via, name=user.name)


def _refused(status: int, message: str) -> flask.Response:
    response = flask.jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = f'FormBased realm="cxdash", location="{SIGN_IN}"'
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this server (never //host or a full URL): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if target.startswith(SIGN_IN) or target.startswith(SIGN_OUT):
        return "/"
    return target.rstrip("?") or "/"


def _quoted(path: str) -> str:
    from urllib.parse import quote
    return quote(path.rstrip("?") or "/", safe="/")


def _page(sign_in: SignIn, target: str, *, error: str = "", username: str = "", status: int = 200) -> flask.Response:
    """The sign-in page: USWDS markup with the official banner, no script (it passes the CSP and axe as it is)."""
    alert = Markup("")
    if error:
        alert = Markup('<div class="usa-alert usa-alert--error usa-alert--slim" role="alert">'
                       '<div class="usa-alert__body"><p class="usa-alert__text">{}</p></div></div>').format(error)
    oidc = Markup("")
    if sign_in.oidc is not None:
        oidc = Markup('<p><a class="usa-button" id="sign-in-oidc" href="{}?next={}">{}</a></p>').format(
            OIDC_START, _quoted(target), sign_in.oidc.label)
        if sign_in.local_accounts:
            oidc += Markup('<h2 class="font-heading-md">Or with a local account</h2>')
    form = Markup("")
    if sign_in.local_accounts:
        form = Markup(
            '<form class="usa-form" id="sign-in-form" method="post" action="{action}">'
            '<input type="hidden" name="csrf_token" value="{token}">'
            '<input type="hidden" name="next" value="{target}">'
            '<label class="usa-label" for="username">Username</label>'
            '<input class="usa-input" id="username" name="username" type="text" autocomplete="username" '
            'autocapitalize="none" spellcheck="false" required value="{username}">'
            '<label class="usa-label" for="password">Password</label>'
            '<input class="usa-input" id="password" name="password" type="password" '
            'autocomplete="current-password" required>'
            '<button class="usa-button" id="sign-in-submit" type="submit">Sign in</button>'
            '</form>').format(action=SIGN_IN, token=csrf_token(), target=target, username=username)
    body = Markup(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Sign in · cxdash</title>'
        '<link rel="stylesheet" href="/assets/uswds/css/uswds.min.css">'
        '<link rel="stylesheet" href="/assets/zz-cxdash/cxdash.css"></head><body>'
        '<a class="usa-skipnav" href="#main-content">Skip to main content</a>{banner}'
        '<header class="usa-header usa-header--basic"><div class="usa-nav-container"><div class="usa-navbar">'
        '<div class="usa-logo"><em class="usa-logo__text">cxdash — CX performance</em></div></div></div></header>'
        '<main id="main-content" class="grid-container-widescreen cx-main" tabindex="-1">'
        '<div class="grid-row"><div class="grid-col-12 tablet:grid-col-8 desktop:grid-col-6">'
        '<h1>Sign in</h1>{alert}{oidc}{form}</div></div></main></body></html>').format(
        banner=static_banner(), alert=alert, oidc=oidc, form=form)
    response = flask.make_response(str(body), status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def off_banner_text() -> str:
    return OFF_NOTICE if sign_in_is_off() else ""

