"""What a request needs: the database, the catalogue and the sources config, held by the Flask app, not globals."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import flask
from sqlalchemy import Engine

from cxdash.catalogue import Catalogue
from cxdash.sources import Sources, SourcesConfig

EXTENSION = "cxdash"


@dataclass(frozen=True)
class DashboardContext:
    engine: Engine
    catalogue: Catalogue
    sources: Sources = field(default_factory=lambda: Sources(SourcesConfig(), Path(".")))
    catalogue_path: Path | None = None  # what a background job (a review pack) reads the catalogue from


def install(server: flask.Flask, context: DashboardContext) -> None:
    server.extensions[EXTENSION] = context


def current() -> DashboardContext:
    return flask.current_app.extensions[EXTENSION]
