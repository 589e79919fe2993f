"""What a request needs: the database and the catalogue, held by the Flask app, not globals."""
from __future__ import annotations

from dataclasses import dataclass

import flask
from sqlalchemy import Engine

from cxdash.catalogue import Catalogue

EXTENSION = "cxdash"


@dataclass(frozen=True)
class DashboardContext:
    engine: Engine
    catalogue: Catalogue


def install(server: flask.Flask, context: DashboardContext) -> None:
    server.extensions[EXTENSION] = context


def current() -> DashboardContext:
    return flask.current_app.extensions[EXTENSION]
