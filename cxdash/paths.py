"""Where the project's own files live (config, assets, sample data), overridable by env."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def config_dir() -> Path:
    return Path(os.environ.get("CXDASH_CONFIG_DIR", ROOT / "config"))


def catalogue_path() -> Path:
    return Path(os.environ.get("CXDASH_CATALOGUE", config_dir() / "catalogue.yaml"))


def sources_path() -> Path:
    return Path(os.environ.get("CXDASH_SOURCES", config_dir() / "sources.yaml"))


def mappings_dir() -> Path:
    return config_dir() / "mappings"


def assets_dir() -> Path:
    return ROOT / "assets"


def sample_dir() -> Path:
    return ROOT / "data" / "sample"


def default_database_url() -> str:
    home = Path(os.environ.get("CXDASH_HOME", Path.cwd() / "var"))
    return f"sqlite:///{home / 'cxdash.db'}"


def database_url(explicit: str | None = None) -> str:
    """--db beats CXDASH_DATABASE_URL beats the embedded SQLite file under ./var."""
    return explicit or os.environ.get("CXDASH_DATABASE_URL") or default_database_url()
