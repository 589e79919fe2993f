"""The agency's configuration folder: `cxdash config init` copies the defaults, --config-dir (or
CXDASH_CONFIG_DIR) makes every command read the folder's files, and a file the folder lacks
falls back to the shipped default."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from cxdash import paths
from cxdash.cli import main
from cxdash.db.engine import make_engine

from .conftest import CONFIG, SAMPLE

SHIPPED = ["catalogue.yaml", "sources.yaml", "maturity.yaml", "initiatives.yaml", "access.yaml",
           "mappings/touchpoints-form-a11.yaml",
           "mappings/example-contact-centre.yaml", "templates/review-pack.pptx", "templates/README.md"]


@pytest.fixture(autouse=True)
def no_config_dir_outside(monkeypatch):
    """Each test names its folder itself (and checks the CLI leaves the variable as it found it)."""
    monkeypatch.setenv(paths.CONFIG_DIR_ENV, "placeholder")
    monkeypatch.delenv(paths.CONFIG_DIR_ENV)


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_config_init_copies_every_default(tmp_path):
    folder = tmp_path / "agency"
    out = run("config", "init", folder).output
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(CONFIG).as_posix() for p in CONFIG.rglob("*")
                     if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
                     and "examples" not in p.parts)  # the shipped examples: config init --example
    assert written == shipped and set(SHIPPED) <= set(written)
    for name in written:
        assert (folder / name).read_bytes() == (CONFIG / name).read_bytes(), name
        assert f"  {name}\n" in out
    assert out.startswith(f"wrote {len(written)} files to {folder.resolve()}:\n")
    assert f"cxdash --config-dir {folder.resolve()} COMMAND" in out
    assert f"export CXDASH_CONFIG_DIR={folder.resolve()}" in out


def test_config_init_from_the_city_example(tmp_path):
    folder = tmp_path / "city"
    run("config", "init", folder, "--example", "city")
    example = CONFIG / "examples" / "city"
    for name in ("catalogue.yaml", "sources.yaml", "initiatives.yaml"):  # the example's own ...
        assert (folder / name).read_bytes() == (example / name).read_bytes(), name
    for name in ("maturity.yaml", "mappings/boston-311.yaml", "templates/review-pack.pptx"):  # ... and the defaults
        assert (folder / name).read_bytes() == (CONFIG / name).read_bytes(), name
    assert not (folder / "examples").exists()


def test_config_init_never_overwrites_without_force(tmp_path):
    folder = tmp_path / "agency"
    run("config", "init", folder)
    edited = folder / "catalogue.yaml"
    edited.write_text("# ours\n", encoding="utf-8")
    (folder / "maturity.yaml").unlink()
    result = run("config", "init", folder, ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    there = [name for name in paths.default_config_files() if name != "maturity.yaml"]
    assert there[:2] == ["access.yaml", "catalogue.yaml"]
    assert result.output.strip().splitlines() == [
        f"Error: {folder}: already holds {', '.join(there[:3])} and {len(there) - 3} more; "
        "nothing written (--force overwrites them)"]
    assert edited.read_text(encoding="utf-8") == "# ours\n" and not (folder / "maturity.yaml").exists()
    run("config", "init", folder, "--force")
    assert edited.read_bytes() == (CONFIG / "catalogue.yaml").read_bytes() and (folder / "maturity.yaml").is_file()


def _target(db_url: str, measure: str, fiscal_year: int) -> float:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        targets = conn.execute(text("SELECT DISTINCT target FROM measure_result WHERE measure_id = :m "
                                    "AND fiscal_year = :y"), {"m": measure, "y": fiscal_year}).scalars().all()
    engine.dispose()
    assert len(targets) == 1, targets
    return targets[0]


def test_edits_in_the_folder_take_effect_and_missing_files_fall_back(tmp_path, real_quarterly_path):
    folder = tmp_path / "agency"
    run("config", "init", folder)
    catalogue = folder / "catalogue.yaml"
    shipped_targets = "targets: {FY2021: 0.90, FY2022: 0.90, FY2023: 0.91}"
    assert shipped_targets in catalogue.read_text(encoding="utf-8")  # vha-outpatient-trust's
    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace(
        shipped_targets, "targets: {FY2021: 0.50, FY2022: 0.55, FY2023: 0.60}", 1), encoding="utf-8")
    (folder / "mappings" / "example-contact-centre.yaml").unlink()  # falls back to the shipped mapping
    (folder / "mappings" / "example-complaints.yaml").write_text("kind: feedback\n", encoding="utf-8")  # ours, broken
    db_url = f"sqlite:///{tmp_path / 'cx.db'}"

    run("--config-dir", folder, "init", "--db", db_url)
    run("--config-dir", folder, "load", "a11-quarterly", real_quarterly_path, "--db", db_url)
    assert _target(db_url, "vha-outpatient-trust", 2022) == 0.55
    assert os.environ.get(paths.CONFIG_DIR_ENV) is None  # the command restored what it set

    contacts = run("--config-dir", folder, "load", "contacts", SAMPLE / "contact_centre_SYNTHETIC.csv",
                   "--mapping", "example-contact-centre", "--db", db_url, "--no-compute").output
    assert "1370 rows loaded" in contacts
    broken = run("--config-dir", folder, "load", "feedback", SAMPLE / "complaints_SYNTHETIC.csv",
                 "--mapping", "example-complaints", "--db", db_url, "--no-compute", ok=False)
    assert broken.exit_code == 1 and str(folder / "mappings" / "example-complaints.yaml") in broken.output

    run("compute", "--db", db_url)  # without the folder: the shipped catalogue's target again
    assert _target(db_url, "vha-outpatient-trust", 2022) == 0.90


def test_the_environment_variable_names_the_folder_too(tmp_path):
    """As a web server or the scheduler gets it: CXDASH_CONFIG_DIR, in a process of its own."""
    folder = tmp_path / "agency"
    run("config", "init", folder)
    sources = folder / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("name: sample-maturity", "name: our-maturity"),
                       encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'cx.db'}"
    run("init", "--db", db_url)
    env = {**os.environ, paths.CONFIG_DIR_ENV: str(folder)}
    listed = subprocess.run([sys.executable, "-m", "cxdash.cli", "sources", "--format", "csv", "--db", db_url],
                            capture_output=True, text=True, env=env)
    assert listed.returncode == 0, listed.stderr
    listed = listed.stdout
    assert "\nour-maturity," in listed and "sample-maturity" not in listed
    assert "\nsample-maturity," in run("sources", "--format", "csv", "--db", db_url).output


def test_a_bad_catalogue_in_the_folder_is_named(tmp_path):
    folder = tmp_path / "agency"
    run("config", "init", folder)
    (folder / "catalogue.yaml").write_text("version: 1\n", encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'cx.db'}"
    run("init", "--db", db_url)
    result = run("--config-dir", folder, "scores", "--db", db_url, ok=False)
    assert result.exit_code == 1 and f"{folder.resolve() / 'catalogue.yaml'}: agency: Field required" in result.output


def test_a_missing_folder_is_one_line(tmp_path):
    result = run("--config-dir", tmp_path / "nowhere", "scores", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: --config-dir {tmp_path / 'nowhere'}: no such folder "
                                     f"(make one with 'cxdash config init {tmp_path / 'nowhere'}')")


def test_the_folders_initiatives_count_without_its_own_catalogue(tmp_path):
    """A folder may hold only the register: it is still the one synced, not the shipped one."""
    folder = tmp_path / "agency"
    folder.mkdir()
    shipped = paths.default_config_dir() / "initiatives.yaml"
    (folder / "initiatives.yaml").write_text(
        shipped.read_text(encoding="utf-8").replace("services: [passports]", "services: [nope]", 1), encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'cx.db'}"
    run("init", "--db", db_url)
    result = run("--config-dir", folder, "initiatives", "sync", "--db", db_url, ok=False)
    assert result.exit_code == 1 and str(folder.resolve() / "initiatives.yaml") in result.output and "nope" in result.output
    assert f"from {shipped} stored" in run("initiatives", "sync", "--db", db_url).output
