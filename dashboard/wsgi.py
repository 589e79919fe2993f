"""The dashboard for production WSGI servers: a factory that takes no arguments and reads every
setting from the environment, as process managers, containers and PaaS platforms expect.

    waitress-serve --listen=0.0.0.0:8050 --threads=8 --call cxdash.dashboard.wsgi:create_app
    gunicorn --workers 4 --bind 0.0.0.0:8050 'cxdash.dashboard.wsgi:create_app()'

Environment:
  CXDASH_DATABASE_URL  SQLAlchemy URL (default: ./var/cxdash.db); must be at the newest schema.
  CXDASH_CONFIG_DIR    the agency's configuration folder (files it lacks fall back to the defaults).
  CXDASH_SECRET_KEY    Flask's secret key; without it each process makes a random one.
  CXDASH_CACHE_TYPE    SimpleCache (default: per process), FileSystemCache (with CXDASH_CACHE_DIR,
                       shared by every worker on one machine), RedisCache (with
                       CXDASH_CACHE_REDIS_URL, shared by every machine) or NullCache.
  CXDASH_CACHE_TIMEOUT seconds a cached read is kept (default 3600; reads are also keyed by the
                       compute version, so a new compute is seen at once).
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
from pathlib import Path

import flask
from dash import Dash
from sqlalchemy import Engine

from cxdash import paths
from cxdash.catalogue import Catalogue
from cxdash.errors import UserError
from cxdash.sources import Sources

log = logging.getLogger(__name__)

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
             warn_secret: bool = True) -> Dash:
    """The Dash app with the secret key and cache the environment names: what the factory
    returns the server of, and what `cxdash serve` runs, so both behave alike."""
    from cxdash.dashboard.app import create_app as create_dash_app

    cache = cache_config()  # a bad setting is named before the (slower) app is built
    try:
        app = create_dash_app(engine, catalogue, sources, catalogue_path, cache_config=cache or None)
    except ImportError as exc:
        if not cache:
            raise
        raise UserError(f"CXDASH_CACHE_TYPE={cache['CACHE_TYPE']} needs the Python package {exc.name!r}: "
                        f"pip install {exc.name}") from None
    app.server.secret_key = secret_key(warn=warn_secret)
    return app


def secret_key(*, warn: bool = True) -> str:
    """CXDASH_SECRET_KEY, or a random key for this process only (then sessions signed by one
    worker fail in another and do not survive a restart, which is said in the log)."""
    key = os.environ.get("CXDASH_SECRET_KEY")
    if key:
        return key
    if warn:
        log.warning("CXDASH_SECRET_KEY is not set: using a random secret key for this process; "
                    "sessions will not survive restarts or be shared between workers")
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
