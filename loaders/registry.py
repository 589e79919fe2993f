"""Every loader by kind, behind one call: the CLI and configured sources both use it.

The mapped kinds (survey-responses, cases, contacts, feedback, employee) read a file through a
mapping in config, so a new export of a known kind needs config, not code. Each mapped loader
module has ``load(engine, path, mapping, source=None) -> LoadReport``.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from cxdash.catalogue import Catalogue
from cxdash.errors import UserError
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.runner import LoadReport
from cxdash.mappings import load_any_mapping

MAPPED_LOADERS = {"cases": "cxdash.loaders.cases", "contacts": "cxdash.loaders.contacts", "feedback": "cxdash.loaders.feedback",
                  "employee": "cxdash.loaders.employee", "published": "cxdash.loaders.published"}


def file_loader(kind: str, engine: Engine, catalogue: Catalogue, *, source: str | None = None,
                mapping: str | Path | None = None, provider: str | None = None, service: str | None = None,
                channel: str | None = None, quarter: str | None = None, stage: str | None = None,
                trust_scale: str = "auto") -> Callable[[Path], LoadReport]:
    """Check the options once (a mistake is named before any file is read); return path -> LoadReport.

    Rows dated outside the catalogue's plausible window (settings earliest_date and
    latest_years_after_load, from the load date) are rejected."""
    window = DateWindow.from_settings(catalogue.settings)
    if kind == "a11-quarterly":
        from cxdash.loaders import a11_quarterly
        return lambda path: a11_quarterly.load(engine, path, catalogue, source=source or kind)
    if kind == "a11-responses":
        from cxdash.loaders import a11_responses
        from cxdash.metrics.fiscal import FiscalQuarter
        missing = [name for name, value in (("provider", provider), ("service", service),
                                            ("channel", channel), ("quarter", quarter)) if not value]
        if missing:
            raise UserError(f"a11-responses files carry no service, channel or date: give {', '.join(missing)}")
        try:
            fq = FiscalQuarter.parse(quarter)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        outside = window.quarter_problem(fq.start, fq.end)
        if outside:
            raise UserError(f"quarter {fq.label}: {outside}")
        return lambda path: a11_responses.load(
            engine, path, catalogue, provider=provider, service=service, channel=channel, quarter=fq,
            stage=stage, source=source or kind, trust_scale=trust_scale)
    if kind == "maturity":
        from cxdash.loaders import maturity
        from cxdash.maturity import load_model
        model = load_model()  # config/maturity.yaml (CXDASH_CONFIG_DIR): checked before any file is read
        return lambda path: maturity.load(engine, path, model, source=source or kind, window=window)
    if not mapping:
        raise UserError(f"{kind} needs a mapping (a file in config/mappings, e.g. baltimore-311)")
    chosen = load_any_mapping(mapping)
    if chosen.kind != kind:
        raise UserError(f"mapping {mapping!r} is of kind {chosen.kind!r}, not {kind!r}")
    if kind == "survey-responses":
        from cxdash.loaders import survey_responses
        return lambda path: survey_responses.load(engine, path, catalogue, chosen, provider=provider, service=service,
                                                  channel=channel, stage=stage, source=source, window=window)
    if kind not in MAPPED_LOADERS:
        raise UserError(f"unknown kind {kind!r}")
    module = importlib.import_module(MAPPED_LOADERS[kind])
    return lambda path: module.load(engine, path, chosen, source=source, window=window)
