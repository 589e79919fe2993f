"""Loaders of the mapped kinds (cases, contacts, feedback, employee): a mapping in config says
how a file's columns become rows, so a new export of a known kind needs config, not code.

Each such loader module has ``load(engine, path, mapping, source=None) -> LoadReport``.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import Engine

from cxdash.errors import UserError
from cxdash.mappings import load_any_mapping
from loaders.runner import LoadReport

MAPPED_KINDS = {"cases": "loaders.cases", "contacts": "loaders.contacts", "feedback": "loaders.feedback",
                "employee": "loaders.employee"}


def mapped_loader(kind: str, mapping_name: str | Path):
    """Check the mapping once and return ``load(engine, path, source=None) -> LoadReport``."""
    mapping = load_any_mapping(mapping_name)
    if mapping.kind != kind:
        raise UserError(f"mapping {mapping_name!r} is of kind {mapping.kind!r}, not {kind!r}")
    module = importlib.import_module(MAPPED_KINDS[kind])

    def load(engine: Engine, path: Path, source: str | None = None) -> LoadReport:
        return module.load(engine, path, mapping, source=source)

    return load
