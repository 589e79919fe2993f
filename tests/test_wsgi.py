"""The WSGI factory as a deployment runs it: `waitress-serve --call` in a process of its own,
every setting from the environment, an older schema refused with one line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest
from alembic import command

from cxdash import paths
from cxdash.db.engine import alembic_config, make_engine

from .conftest import quarterly_sqlite
from .serving import first_page, free_port, get
from .signing import add_account, http_sign_in

WAITRESS = Path(sys.executable).parent / "waitress-serve"
FACTORY = "cxdash.dashboard.wsgi:create_app"
SECRET = "test-only-secret-key-of-this-suite"


@pytest.fixture(scope="module")
def computed_url(tmp_path_factory, catalogue, real_quarterly_path) -> str:
    path = tmp_path_factory.mktemp("wsgi") / "cxdash.db"
    engine = quarterly_sqlite(path, catalogue, real_quarterly_path)
    add_account(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def _env(**settings) -> dict[str, str]:
    """This environment without any setting of ours, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXDASH_")}
    return {**env, **settings}


def test_waitress_serves_the_factory(tmp_path, computed_url):
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(WAITRESS), "--call", f"--listen=127.0.0.1:{port}", FACTORY], cwd=tmp_path,
                                env=_env(CXDASH_DATABASE_URL=computed_url, CXDASH_SECRET_KEY=SECRET), stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        status, page = first_page(f"http://127.0.0.1:{port}/", proc, 90, log.read_text)
        assert status == 200 and "cxdash" in page and 'id="sign-in-form"' in page  # anonymous: the sign-in page
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            get(f"http://127.0.0.1:{port}/_dash-layout")
        assert anonymous.value.code == 401
        signed_in = http_sign_in(f"http://127.0.0.1:{port}")
        with signed_in.open(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert response.status == 200 and "_dash-config" in response.read().decode()
        with signed_in.open(f"http://127.0.0.1:{port}/_dash-layout", timeout=30) as response:
            assert response.status == 200 and "shell-header" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


PROBE = """
import json
from cxdash.dashboard import data
from cxdash.dashboard.context import current
from cxdash.dashboard.wsgi import create_app
server = create_app()
with server.app_context():
    options = data.options()
    print(json.dumps({"secret_key": server.secret_key, "agency": current().catalogue.agency,
                      "cache": type(server.extensions["cache"][data.cache]).__name__,
                      "quarters": int(len(options))}))
"""


def _probe(cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_factory_reads_its_settings_from_the_environment(tmp_path, computed_url):
    folder = tmp_path / "agency"
    folder.mkdir()
    shipped = (paths.default_config_dir() / "catalogue.yaml").read_text(encoding="utf-8")
    (folder / "catalogue.yaml").write_text(shipped.replace('agency: "Example cross-agency CX portfolio"',
                                                           'agency: "Our agency"', 1), encoding="utf-8")
    cache = tmp_path / "cache"
    done = _probe(tmp_path, _env(CXDASH_DATABASE_URL=computed_url, CXDASH_CONFIG_DIR=str(folder),
                                 CXDASH_SECRET_KEY=SECRET, CXDASH_CACHE_TYPE="FileSystemCache",
                                 CXDASH_CACHE_DIR=str(cache)))
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts == {"secret_key": SECRET, "agency": "Our agency", "cache": "FileSystemCache",
                     "quarters": facts["quarters"]} and facts["quarters"] > 0
    assert any(cache.iterdir()), "the cached read went to the shared cache folder"
    assert "CXDASH_SECRET_KEY" not in done.stderr


def test_without_a_secret_key_the_factory_refuses_to_start(tmp_path, computed_url):
    """Sign-in sessions are signed with CXDASH_SECRET_KEY: a served app never makes up its own."""
    for settings in ({}, {"CXDASH_SECRET_KEY": "short"}):
        done = _probe(tmp_path, _env(CXDASH_DATABASE_URL=computed_url, **settings))
        assert done.returncode == 3 and "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith("cxdash: CXDASH_SECRET_KEY is ")
    done = _probe(tmp_path, _env(CXDASH_DATABASE_URL=computed_url, CXDASH_SECRET_KEY=SECRET))
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["cache"] == "SimpleCache" and facts["agency"] == "Example cross-agency CX portfolio"


def test_an_older_schema_stops_the_server_with_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0005")
    engine.dispose()
    done = subprocess.run([str(WAITRESS), "--call", f"--listen=127.0.0.1:{free_port()}", FACTORY], cwd=tmp_path,
                          env=_env(CXDASH_DATABASE_URL=url), capture_output=True, text=True, timeout=300)
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(
        f"cxdash: database {url} is at schema revision 0005, not the newest (")
    assert done.stderr.strip().endswith("run 'cxdash init' to upgrade it")


@pytest.mark.parametrize("settings, message", [
    ({"CXDASH_CACHE_TYPE": "Memcache"}, "CXDASH_CACHE_TYPE='Memcache': expected one of SimpleCache, FileSystemCache"),
    ({"CXDASH_CACHE_TYPE": "FileSystemCache"}, "CXDASH_CACHE_TYPE=FileSystemCache needs CXDASH_CACHE_DIR"),
    ({"CXDASH_CACHE_TIMEOUT": "an hour"}, "CXDASH_CACHE_TIMEOUT='an hour': expected a whole number of seconds"),
    ({"CXDASH_CONFIG_DIR": "/no/such/folder"}, "CXDASH_CONFIG_DIR=/no/such/folder: no such folder"),
    ({"CXDASH_OIDC_ISSUER": "https://login.example.gov/realms/agency"},
     "OpenID Connect needs CXDASH_OIDC_ISSUER, CXDASH_OIDC_CLIENT_ID, CXDASH_OIDC_CLIENT_SECRET: CXDASH_OIDC_CLIENT_ID"),
    ({"CXDASH_OIDC_ISSUER": "http://login.example.gov", "CXDASH_OIDC_CLIENT_ID": "x", "CXDASH_OIDC_CLIENT_SECRET": "y"},
     "CXDASH_OIDC_ISSUER='http://login.example.gov': use https"),
])
def test_a_bad_setting_is_named(tmp_path, computed_url, settings, message):
    done = _probe(tmp_path, _env(CXDASH_DATABASE_URL=computed_url, **settings))
    assert done.returncode == 3 and "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]
