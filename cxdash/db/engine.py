"""Engines and schema upgrades. Every command goes through here, so --db works everywhere."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from cxdash.errors import UserError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A SQLite writer waits this long for another writer's transaction to end (a load, a compute)
# before "database is locked", instead of sqlite3's default 5 s.
SQLITE_BUSY_SECONDS = 30.0


def _parse(url: str | URL) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        raise UserError(f"not a database URL: {url!r} (expected e.g. sqlite:///cxdash.db or postgresql+psycopg://...)") from None


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names (None for other databases and in-memory SQLite)."""
    parsed = _parse(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):  # a SQLite URI (?uri=true): the path is before any query
        return Path(parsed.database[len("file:"):].split("?", 1)[0])
    return Path(parsed.database)


@contextmanager
def transaction(bind: Connection | Engine) -> Iterator[Connection]:
    """A write's transaction: its own on an Engine; on a Connection, the caller's (begun if need be).
    So a change and the audit event that attributes it commit together or not at all."""
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            yield conn
    elif bind.in_transaction():
        yield bind
    else:
        with bind.begin():
            yield bind


def make_engine(url: str) -> Engine:
    parsed = _parse(url)
    database = sqlite_file(parsed)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    connect_args = {}
    if parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query:
        connect_args["timeout"] = SQLITE_BUSY_SECONDS  # sqlite3's busy timeout (a URL's ?timeout= wins)
    try:
        engine = create_engine(parsed, future=True, connect_args=connect_args)
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


def schema_revisions(engine: Engine) -> tuple[set[str], set[str], set[str]]:
    """(the database's Alembic revisions, the newest this cxdash has, every revision it knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current, set(script.get_heads()), {r.revision for r in script.walk_revisions()}


def require_schema(engine: Engine) -> None:
    """The database must be at the newest revision: a page or command on an older schema would
    fail later on a missing table or column, far from the cause."""
    name = engine.url.render_as_string(hide_password=True)
    database = sqlite_file(engine.url)
    if database is not None and not database.is_file():  # never create an empty file just to look inside
        raise UserError(f"database {name} does not exist: run 'cxdash init' first")
    current, heads, known = schema_revisions(engine)
    if not current:
        raise UserError(f"database {name} is not initialised: run 'cxdash init' first")
    if current == heads:
        return
    at, newest = ", ".join(sorted(current)), ", ".join(sorted(heads))
    if current - known:
        raise UserError(f"database {name} is at schema revision {at}, newer than this cxdash knows ({newest}): "
                        "upgrade cxdash")
    raise UserError(f"database {name} is at schema revision {at}, not the newest ({newest}): "
                    "run 'cxdash init' to upgrade it")
