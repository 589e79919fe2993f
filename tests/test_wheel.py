"""The wheel as a user installs it: built from this checkout, installed (not editable) into a
fresh virtual environment at the pinned versions, then run from an empty folder with nothing
of the checkout in reach: the demo loads every shipped source, the dashboard serves, and a
review pack builds without importing Dash.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from pptx import Presentation
from sqlalchemy import create_engine, text

from .conftest import CONFIG, ROOT
from .serving import first_page, free_port, get
from .signing import http_sign_in


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)], timeout=600)
    (built,) = out.glob("cxdash-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel and its dependencies (pinned), nothing else."""
    venv = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    pins = ROOT / "constraints" / f"py{sys.version_info[0]}.{sys.version_info[1]}.txt"
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(pins), str(wheel)], timeout=1800)
    return venv


@pytest.fixture(scope="module")
def demo(installed, tmp_path_factory) -> tuple[Path, str]:
    """`cxdash demo --no-serve` run in an empty folder: the folder and what the demo printed."""
    folder = tmp_path_factory.mktemp("empty")
    done = _run([str(installed / "bin" / "cxdash"), "demo", "--no-serve"], cwd=folder, env=_env(installed),
                timeout=1800)
    return folder, done.stdout


def _env(venv: Path) -> dict[str, str]:
    """The user's environment: no variable of ours, no checkout on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CXDASH_", "PYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_wheel_carries_the_defaults_and_the_design_folders(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(CONFIG).as_posix() for p in CONFIG.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert {f"cxdash/config/{n}" for n in expected} <= names
    for must in ("cxdash/dashboard/app.py", "cxdash/loaders/cases.py", "cxdash/metrics/a11_scores.py",
                 "cxdash/assets/zz-cxdash/cxdash.css", "cxdash/sample_data/hisp_a11_quarterly_fy2021_fy2023q1.csv",
                 "cxdash/sample_data/PROVENANCE.md", "cxdash/db/migrations/script.py.mako"):
        assert must in names
    # no generic top-level names that another distribution could own
    assert {n.split("/")[0] for n in names} <= {"cxdash", f"cxdash-{wheel.name.split('-')[1]}.dist-info"}


def test_demo_from_an_empty_folder_loads_every_shipped_source(demo):
    folder, printed = demo
    shipped = yaml.safe_load((CONFIG / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    engine = create_engine(f"sqlite:///{folder / 'var' / 'cxdash.db'}")
    with engine.connect() as conn:
        runs = dict(conn.execute(text("SELECT source, status FROM job_run")).all())
        scored = conn.execute(text("SELECT COUNT(*) FROM measure_result")).scalar_one()
    engine.dispose()
    assert runs == {s["name"]: "succeeded" for s in shipped}, printed[-3000:]
    assert scored > 0
    assert sorted(p.name for p in folder.iterdir()) == ["var"], "the demo writes only under ./var"


def test_the_installed_dashboard_serves(installed, demo):
    port = free_port()
    folder, printed = demo
    password = re.search(r"sign in as 'demo' with the password (\S+) ", printed).group(1)
    env = {**_env(installed), "CXDASH_SECRET_KEY": "test-only-secret-key-of-the-wheel-test"}
    proc = subprocess.Popen([str(installed / "bin" / "cxdash"), "serve", "--port", str(port)], cwd=folder,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status, body = first_page(f"http://127.0.0.1:{port}/", proc, 120)
        assert status == 200 and "cxdash" in body  # the sign-in page
        signed_in = http_sign_in(f"http://127.0.0.1:{port}", "demo", password)  # the demo's own account
        with signed_in.open(f"http://127.0.0.1:{port}/_dash-layout", timeout=60) as response:
            status, layout = response.status, response.read().decode()
        assert status == 200 and "shell-header" in layout
        assert get(f"http://127.0.0.1:{port}/assets/zz-cxdash/cxdash.css")[0] == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_review_pack_builds_without_importing_dash(installed, demo):
    folder, _ = demo
    done = _run([str(installed / "bin" / "python"), "-X", "importtime", "-m", "cxdash.cli", "review-pack",
                 "--quarter", "FY2023Q1", "--format", "pptx", "--out", "packs"],
                cwd=folder, env=_env(installed), timeout=900)
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "cxdash.review.assemble" in imported and "pptx" in imported  # importtime did report
    assert not [m for m in imported if m == "dash" or m.startswith("dash.")]
    (deck,) = (folder / "packs").glob("*.pptx")
    assert len(Presentation(str(deck)).slides) > 5


def test_the_city_example_runs_from_the_wheel(installed, tmp_path):
    """`cxdash demo --example city` from the installed package: the example ships as package data and
    loads the three city samples (and nothing federal) into ./var."""
    done = _run([str(installed / "bin" / "cxdash"), "demo", "--example", "city", "--no-serve"], cwd=tmp_path,
                env=_env(installed), timeout=900)
    engine = create_engine(f"sqlite:///{tmp_path / 'var' / 'cxdash.db'}")
    with engine.connect() as conn:
        runs = dict(conn.execute(text("SELECT source, status FROM job_run")).all())
        cases = conn.execute(text("SELECT COUNT(*) FROM case_record")).scalar_one()
    engine.dispose()
    assert runs == {"boston-311": "succeeded", "la-311": "succeeded", "nyc-311": "succeeded"}, done.stdout[-3000:]
    assert cases == 3864 + 3995 + 100  # the three samples' rows, less Los Angeles' 5 rejected
