"""Engines and schema upgrades. Every command goes through here, so --db works everywhere."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from cxdash.errors import UserError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(f"not a database URL: {url!r} (expected e.g. sqlite:///cxdash.db or postgresql+psycopg://...)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, future=True)
    except NoSuchModuleError:
        raise UserError(f"no SQLAlchemy dialect for {parsed.drivername!r}") from None
    except ModuleNotFoundError as exc:
        raise UserError(f"the database driver for {parsed.drivername!r} is not installed ({exc.name}); "
                        "for PostgreSQL: pip install 'cxdash[postgres]'") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection_engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def require_schema(engine: Engine) -> None:
    if not inspect(engine).has_table("load_run"):
        raise UserError(f"database {engine.url.render_as_string(hide_password=True)} is not initialised: run 'cxdash init' first")
