"""Rate limits on the expensive endpoints (Flask-Limiter): pack build requests and chart or CSV
downloads per signed-in user, sign-in attempts per client address.

Sign-in is a Flask route: past its limit it answers 429 with a page that says so. Builds and
downloads are Dash callbacks on the one /_dash-update-component route, so each callback asks
``limited()`` before its work and, past the limit, shows its message in the page (a 429 there
would leave the page silently broken). Counters live in memory by default (per process); set
CXDASH_RATELIMIT_STORAGE_URI (e.g. redis://host:6379) to share them between workers.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import flask
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse

from cxdash.dashboard.sign_in import SIGN_IN, current_user

log = logging.getLogger(__name__)

STORAGE_ENV = "CXDASH_RATELIMIT_STORAGE_URI"


@dataclass(frozen=True)
class RateLimits:
    """Limits in Flask-Limiter's notation ("10 per minute", "5/minute;50/hour")."""
    pack_builds: str = "6 per minute;30 per hour"
    exports: str = "30 per minute"
    sign_in: str = "10 per minute"
    storage_uri: str = "memory://"

    @classmethod
    def from_env(cls) -> RateLimits:
        """CXDASH_RATELIMIT_PACK_BUILDS, _EXPORTS, _SIGN_IN and _STORAGE_URI override the defaults."""
        defaults = cls()
        values = {name: os.environ.get(f"CXDASH_RATELIMIT_{name.upper()}") or getattr(defaults, name)
                  for name in ("pack_builds", "exports", "sign_in", "storage_uri")}
        for name in ("pack_builds", "exports", "sign_in"):
            try:
                _items(values[name])
            except ValueError as exc:
                raise ValueError(f"CXDASH_RATELIMIT_{name.upper()}: {values[name]!r}: {exc}") from None
        return cls(**values)


def _items(text: str) -> list:
    return [parse(part) for part in text.split(";") if part.strip()]


def user_key() -> str:
    """Whom a limit counts: the signed-in user, else the client's address."""
    user = current_user()
    return f"user:{user.username}" if user else f"address:{get_remote_address()}"


def install(server: flask.Flask, rate_limits: RateLimits | None = None) -> Limiter:
    """The limiter on the server, before the sign-in guard is installed (its check runs first)."""
    rate_limits = rate_limits or RateLimits.from_env()
    limiter = Limiter(user_key, app=server, storage_uri=rate_limits.storage_uri, headers_enabled=True,
                      key_prefix="cxdash")
    server.extensions["cxdash_rate_limits"] = (limiter, rate_limits)

    @server.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded):
        log.warning("rate limit %s exceeded on %s by %s", exc.limit.limit, flask.request.path, user_key())
        response = flask.make_response(
            "<!doctype html><html lang=\"en\"><title>Too many attempts · cxdash</title>"
            "<main><h1>Too many attempts</h1><p>Please wait a minute, then try again.</p>"
            f"<p><a href=\"{SIGN_IN}\">Back to sign in</a></p></main></html>", 429)
        response.headers.setdefault("Retry-After", "60")  # Flask-Limiter sets the exact wait
        return response

    return limiter


def limit_sign_in(server: flask.Flask) -> None:
    """Failed sign-in attempts (the form's POST) per client address; past the limit every attempt
    is refused, the right password too, until the window passes. A sign-in that succeeds is not
    counted. Call once the sign-in route exists."""
    limiter, rate_limits = server.extensions["cxdash_rate_limits"]
    endpoint = next((rule.endpoint for rule in server.url_map.iter_rules() if rule.rule == SIGN_IN), None)
    if endpoint is None:
        return
    server.view_functions[endpoint] = limiter.limit(rate_limits.sign_in, key_func=get_remote_address,
                                                    methods=["POST"], scope="sign-in",
                                                    deduct_when=lambda response: response.status_code != 302)(
        server.view_functions[endpoint])


def limited(kind: str, what: str) -> str | None:
    """Count one ``kind`` ("pack_builds" or "exports") for who is asking: None while within the
    limit, else the message the page shows instead of doing the work."""
    found = flask.current_app.extensions.get("cxdash_rate_limits") if flask.has_request_context() else None
    if found is None:  # not a web request (a test calling the page's function): nobody to count
        return None
    limiter, rate_limits = found
    key = user_key()
    for item in _items(getattr(rate_limits, kind)):
        if not limiter.limiter.hit(item, "cxdash", kind, key):
            log.warning("rate limit %s on %s exceeded by %s", item, kind, key)
            return (f"Too many {what}s: at most {item} for each person. Please wait, then try again.")
    return None
