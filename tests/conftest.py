"""Shared fixtures: every storage test runs on SQLite and on a real PostgreSQL server.

scripts/test starts the PostgreSQL server and sets CXDASH_TEST_POSTGRES_URL.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from cxdash import paths
from cxdash.catalogue import load_catalogue
from cxdash.db.engine import alembic_config, make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent  # the checkout: tests/data, scripts/
SAMPLE = paths.sample_dir()  # the sample data shipped with cxdash (data/sample/, PROVENANCE.md)
CONFIG = paths.default_config_dir()  # the shipped default configuration (config/)
QUARTERLY = SAMPLE / "hisp_a11_quarterly_fy2021_fy2023q1.csv"
# The shipped samples as items of a sources.yaml: (kind, mapping, cadence, file); see sample_source.
SAMPLE_SOURCES = {
    "a11": ("a11-quarterly", None, "quarterly", QUARTERLY.name),
    "contacts": ("contacts", "example-contact-centre", "daily", "contact_centre_SYNTHETIC.csv"),
    "complaints": ("feedback", "example-complaints", "weekly", "complaints_SYNTHETIC.csv"),
    "responses": ("survey-responses", "touchpoints-form-a11", "weekly", "a11_v2_response_level_SYNTHETIC.csv"),
    "fevs": ("employee", "fevs-index-scores", "yearly", "fevs_index_scores_2015_2022.csv"),
}


def sample_source(key: str, name: str | None = None) -> dict:
    """A shipped sample as an item of a sources.yaml, named ``name`` (default: ``key``)."""
    kind, mapping, cadence, file = SAMPLE_SOURCES[key]
    entry = {"name": name or key, "kind": kind, "cadence": cadence, "location": {"files": str(SAMPLE / file)}}
    return entry | ({"mapping": mapping} if mapping else {})
# Extra checks on real files not shipped with cxdash run only where CXDASH_EXTRA_DATA names a
# folder that holds them; never the only test of a feature.
EXTRA_DATA = Path(os.environ.get("CXDASH_EXTRA_DATA", ROOT / "tests" / "extra-data-not-configured"))


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test session's own on the PostgreSQL server, dropped at the end."""
    base = os.environ.get("CXDASH_TEST_POSTGRES_URL")
    if not base:
        pytest.fail("CXDASH_TEST_POSTGRES_URL is not set: run the suite with scripts/test, which starts PostgreSQL")
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")
    name = f"cxdash_test_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrated_engine(request, folder: Path, revision: str = "head"):
    """A database of request.param migrated to ``revision``: a SQLite file, or an emptied
    PostgreSQL schema (an older revision, for tests of what a migration does to stored rows)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{folder / 'cxdash.db'}")
    else:
        eng = make_engine(request.getfixturevalue("postgres_url"))
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    if revision == "head":
        upgrade(eng)
    else:
        command.upgrade(alembic_config(eng), revision)
    return eng


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    eng = migrated_engine(request, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'cxdash.db'}")
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def busy_port():
    """A port something already listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.fixture
def free_tcp_port():
    """A port nothing listens on (a connection to it is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CONFIG / "catalogue.yaml")


@pytest.fixture(scope="session")
def real_quarterly_path() -> Path:
    assert QUARTERLY.is_file(), f"real data missing: {QUARTERLY}"
    return QUARTERLY


@pytest.fixture(scope="module")
def computed_sqlite(tmp_path_factory, catalogue, real_quarterly_path):
    """A SQLite database with the real quarterly file loaded and computed (read-only use)."""
    eng = quarterly_sqlite(tmp_path_factory.mktemp("computed") / "cxdash.db", catalogue, real_quarterly_path)
    yield eng
    eng.dispose()


def quarterly_sqlite(path: Path, catalogue, csv: Path):
    """A SQLite database at ``path`` with an A-11 quarterly file loaded and computed."""
    from cxdash.compute import compute
    from cxdash.loaders import a11_quarterly
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    a11_quarterly.load(eng, csv, catalogue)
    compute(eng, catalogue)
    return eng


def all_text(eng) -> list[str]:
    """Every value of every text column of every table: where free text must never appear."""
    from sqlalchemy import String, select

    from cxdash.db.models import Base
    out = []
    with eng.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    out += [v for (v,) in conn.execute(select(column)) if v is not None]
    return out


def configured_sources(folder: Path, catalogue, entries: list[dict], *, check: bool = True):
    """A SQLite database loaded from ``entries`` (items of a sources.yaml) through run_source, as
    the scheduler would, then computed once. ``check``: every source must succeed."""
    import yaml

    from cxdash.compute import compute
    from cxdash.sources import load_sources, run_source
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": entries}))
    eng = make_engine(f"sqlite:///{folder / 'cx.db'}")
    upgrade(eng)
    sources = load_sources(path)
    for source in sources:
        outcome = run_source(eng, catalogue, sources, source.name, recompute=False)
        assert not check or outcome.status == "succeeded", (source.name, outcome)
    compute(eng, catalogue)
    return eng, sources


@pytest.fixture(scope="session")
def oidc_provider() -> dict:
    """The throwaway OpenID Connect provider scripts/test starts on 127.0.0.1 (tests/data/oidc):
    its issuer, the client's id and secret, the test user, and the port the app must serve on
    (its registered redirect URI)."""
    import json
    names = ("CXDASH_TEST_OIDC_ISSUER", "CXDASH_TEST_OIDC_CLIENT_ID", "CXDASH_TEST_OIDC_CLIENT_SECRET",
             "CXDASH_TEST_OIDC_APP_PORT")
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not set: run the suite with scripts/test, which starts the OpenID Connect provider")
    config = json.loads((ROOT / "tests" / "data" / "oidc" / "provider.json").read_text(encoding="utf-8"))
    return {"issuer": os.environ[names[0]], "client_id": os.environ[names[1]], "client_secret": os.environ[names[2]],
            "app_port": int(os.environ[names[3]]), "user": config["users"][0]}


@pytest.fixture(scope="session")
def yaml_catalogue():
    """The shipped catalogue as plain YAML: the independent side of the target checks."""
    import yaml
    return yaml.safe_load((CONFIG / "catalogue.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def context(loaded, catalogue):
    """Inside a request of an app over the module's ``loaded`` (engine, sources): the page
    functions read the database and catalogue from there. Yields the engine."""
    from cxdash.dashboard.app import create_app
    from cxdash.dashboard.sign_in import SIGN_IN_OFF
    engine, sources = loaded
    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with app.server.test_request_context("/journey"):
        yield engine
