"""Where cxdash finds its files: the defaults shipped inside the package, the agency's own
configuration folder that overrides them file by file, and the database.

The defaults (config/, assets/, data/sample/ in the repository) install as package data
(cxdash.config, cxdash.assets, cxdash.sample_data) and are found with importlib.resources,
so a wheel works from any folder. An agency names its folder with --config-dir or
CXDASH_CONFIG_DIR; any file it holds (catalogue.yaml, sources.yaml, mappings/NAME.yaml,
templates/review-pack.pptx, ...) is used instead of the shipped one, and every file it does
not hold falls back to the default. `cxdash config init DIR` copies the defaults there.
"""
from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

CONFIG_DIR_ENV = "CXDASH_CONFIG_DIR"
SAMPLE_PREFIX = "sample:"  # sources.yaml: files: "sample:NAME" names a file of the shipped sample data
EXAMPLES_FOLDER = "examples"  # shipped example configurations (config/examples/NAME), e.g. a city's 311


def _package_dir(package: str) -> Path:
    """A data package's folder on disk (installed wheels and editable checkouts are folders)."""
    return Path(str(files(package)))


def default_config_dir() -> Path:
    return _package_dir("cxdash.config")


def assets_dir() -> Path:
    return _package_dir("cxdash.assets")


def sample_dir() -> Path:
    return _package_dir("cxdash.sample_data")


def examples() -> list[str]:
    """The names of the shipped example configurations (`cxdash demo --example NAME`)."""
    root = default_config_dir() / EXAMPLES_FOLDER
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def example_dir(name: str) -> Path:
    """A shipped example's folder: used as a configuration folder, so the files it lacks (the
    mappings, the templates) fall back to the defaults like any agency's folder."""
    return default_config_dir() / EXAMPLES_FOLDER / name


def config_dir() -> Path | None:
    """The agency's configuration folder, when one is named."""
    named = os.environ.get(CONFIG_DIR_ENV)
    return Path(named) if named else None


def config_file(relative: str) -> Path:
    """The agency's copy of a configuration file when its folder holds one, else the default."""
    own = config_dir()
    if own is not None and (own / relative).is_file():
        return own / relative
    return default_config_dir() / relative


def default_config_files() -> list[str]:
    """Every shipped configuration file, relative to its folder (what `cxdash config init` copies):
    the YAML, the mappings and the templates, not the package's own Python files nor the examples."""
    root = default_config_dir()
    found = (p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    return sorted(p.as_posix() for p in found
                  if p.parts[0] != EXAMPLES_FOLDER and not any(part.startswith((".", "__")) for part in p.parts))


def config_dirs() -> list[Path]:
    """The folders configuration is read from, the agency's first."""
    own = config_dir()
    return ([own] if own is not None else []) + [default_config_dir()]


def catalogue_path() -> Path:
    return Path(os.environ.get("CXDASH_CATALOG") or os.environ.get("CXDASH_CATALOGUE") or config_file("catalogue.yaml"))


def sources_path() -> Path:
    return Path(os.environ.get("CXDASH_SOURCES") or config_file("sources.yaml"))


def sample_file(location: str) -> Path | None:
    """The shipped sample file that a "sample:NAME" location names (None for other locations)."""
    if not location.startswith(SAMPLE_PREFIX):
        return None
    return sample_dir() / location[len(SAMPLE_PREFIX):]


def default_database_url() -> str:
    home = Path(os.environ.get("CXDASH_HOME", Path.cwd() / "var"))
    return f"sqlite:///{home / 'cxdash.db'}"


def database_url(explicit: str | None = None) -> str:
    """--db beats CXDASH_DATABASE_URL beats the embedded SQLite file under ./var."""
    return explicit or os.environ.get("CXDASH_DATABASE_URL") or default_database_url()
