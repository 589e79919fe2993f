"""The dashboard for production WSGI servers: a factory that takes no arguments and reads every
setting from the environment, as process managers, containers and PaaS platforms expect.

    waitress-serve --listen=0.0.0.0:8050 --threads=8 --call cxdash.dashboard.wsgi:create_app
    gunicorn --workers 4 --bind 0.0.0.0:8050 'cxdash.dashboard.wsgi:create_app()'

Environment:
  CXDASH_DATABASE_URL  SQLAlchemy URL (default: ./var/cxdash.db); must be at the newest schema.
  CXDASH_CONFIG_DIR    the agency's configuration folder (files it lacks fall back to the defaults).
  CXDASH_SECRET_KEY    Flask's secret key, which signs the sign-in session cookie: required (the same
                       for every worker); the factory refuses to start without it.
  CXDASH_OIDC_ISSUER, CXDASH_OIDC_CLIENT_ID, CXDASH_OIDC_CLIENT_SECRET
                       the agency's OpenID Connect provider (issuer URL, client id and secret); also
                       CXDASH_OIDC_SCOPES, CXDASH_OIDC_GROUPS_CLAIM, CXDASH_OIDC_LABEL,
                       CXDASH_OIDC_REDIRECT_URI (see cxdash.dashboard.sign_in).
  CXDASH_LOCAL_ACCOUNTS on (default) or off: whether local accounts (cxdash users) may sign in.
  CXDASH_CACHE_TYPE    SimpleCache (default: per process), FileSystemCache (with CXDASH_CACHE_DIR,
                       shared by every worker on one machine), RedisCache (with
                       CXDASH_CACHE_REDIS_URL, shared by every machine) or NullCache.
  CXDASH_CACHE_TIMEOUT seconds a cached read is kept (default 3600; reads are also keyed by the
                       compute version, so a new compute is seen at once).
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import flask
from dash import Dash
from sqlalchemy import Engine

from cxdash import paths
from cxdash.catalogue import Catalogue
from cxdash.errors import UserError
from cxdash.sources import Sources

if TYPE_CHECKING:
    from cxdash.dashboard.sign_in import SignIn

CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")
# The exit status of a factory that cannot start: gunicorn's "worker failed to boot", on which it
# stops instead of restarting workers that would fail the same way forever.
BOOT_ERROR = 3


def create_app() -> flask.Flask:
    """The Flask server (a WSGI callable) over the database, configuration and cache the
    environment names. A mistake (no database, an older schema, a bad catalogue or setting)
    stops the server with one line naming it, before any worker answers a request."""
    try:
        return _from_environment().server
    except UserError as exc:
        print(f"cxdash: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(BOOT_ERROR) from None


def _from_environment() -> Dash:
    from cxdash.catalogue import load_catalogue
    from cxdash.db.engine import make_engine, require_schema
    from cxdash.sources import load_sources

    folder = paths.config_dir()
    if folder is not None and not folder.is_dir():
        raise UserError(f"{paths.CONFIG_DIR_ENV}={folder}: no such folder")
    engine = make_engine(paths.database_url())
    require_schema(engine)
    catalogue_path = paths.catalogue_path()
    return dash_app(engine, load_catalogue(catalogue_path), load_sources(paths.sources_path()), catalogue_path)


def dash_app(engine: Engine, catalogue: Catalogue, sources: Sources, catalogue_path: Path, *,
             sign_in: SignIn | None = None, random_secret: bool = False) -> Dash:
    """The Dash app with the sign-in, secret key and cache the environment names: what the
    factory returns the server of, and what `cxdash serve` runs, so both behave alike.
    sign_in: default from the environment (on). random_secret: a key of this process's own is
    enough (the demo, and --no-sign-in); otherwise CXDASH_SECRET_KEY is required."""
    from cxdash.dashboard.app import create_app as create_dash_app
    from cxdash.dashboard.sign_in import SignIn

    cache = cache_config()  # a bad setting is named before the (slower) app is built
    sign_in = sign_in if sign_in is not None else SignIn.from_environment()
    key = secret_key(required=sign_in.enabled and not random_secret)
    try:
        app = create_dash_app(engine, catalogue, sources, catalogue_path, cache_config=cache or None,
                              sign_in=sign_in, secret_key=key)
    except ImportError as exc:
        if not cache:
            raise
        raise UserError(f"CXDASH_CACHE_TYPE={cache['CACHE_TYPE']} needs the Python package {exc.name!r}: "
                        f"pip install {exc.name}") from None
    return app


MIN_SECRET = 16


def secret_key(*, required: bool = True) -> str:
    """CXDASH_SECRET_KEY; where not required (the demo, --no-sign-in), a random key for this
    process only, so a restart signs everyone out."""
    key = os.environ.get("CXDASH_SECRET_KEY", "")
    if key:
        if len(key) < MIN_SECRET:
            raise UserError(f"CXDASH_SECRET_KEY is too short ({len(key)} characters): use at least {MIN_SECRET}, "
                            "e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'")
        return key
    if required:
        raise UserError("CXDASH_SECRET_KEY is not set: sign-in sessions are signed with it. Set it to a long random "
                        "value, the same for every worker (python3 -c 'import secrets; print(secrets.token_hex(32))')")
    return secrets.token_hex(32)


def cache_config() -> dict | None:
    """Flask-Caching settings from CXDASH_CACHE_*; None keeps dashboard/data.py's per-process
    SimpleCache. Settings are checked here, so a typo fails at start, not at the first read."""
    kind = os.environ.get("CXDASH_CACHE_TYPE")
    timeout = os.environ.get("CXDASH_CACHE_TIMEOUT")
    if not kind and not timeout:
        return None
    config: dict = {}
    if timeout:
        if not timeout.isdigit():
            raise UserError(f"CXDASH_CACHE_TIMEOUT={timeout!r}: expected a whole number of seconds")
        config["CACHE_DEFAULT_TIMEOUT"] = int(timeout)
    if not kind:
        return config
    if kind not in CACHE_TYPES:
        raise UserError(f"CXDASH_CACHE_TYPE={kind!r}: expected one of {', '.join(CACHE_TYPES)}")
    config["CACHE_TYPE"] = kind
    if kind == "FileSystemCache":
        folder = os.environ.get("CXDASH_CACHE_DIR")
        if not folder:
            raise UserError("CXDASH_CACHE_TYPE=FileSystemCache needs CXDASH_CACHE_DIR (a folder every worker can write)")
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"CXDASH_CACHE_DIR={folder}: {exc.strerror}") from None
        config["CACHE_DIR"] = folder
    elif kind == "RedisCache":
        url = os.environ.get("CXDASH_CACHE_REDIS_URL")
        if not url:
            raise UserError("CXDASH_CACHE_TYPE=RedisCache needs CXDASH_CACHE_REDIS_URL (e.g. redis://localhost:6379/0)")
        config["CACHE_REDIS_URL"] = url
    elif kind == "NullCache":
        config["CACHE_NO_NULL_WARNING"] = True
    return config
