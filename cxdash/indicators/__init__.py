"""Non-survey indicators, one module per kind of source; each returns indicator_value rows
(indicator, fiscal quarter, provider, service, channel, stage, value, n, unit) for every
roll-up level. Compute calls them all, in one place."""
from __future__ import annotations

import datetime as dt
import importlib

from sqlalchemy import Connection, Engine

from cxdash import fingerprints, redaction, theme_labels
from cxdash.db import queries

# The loads the indicators are computed from.
KINDS = ("cases", "contacts", "feedback", "employee", "published")
MODULES = tuple(f"cxdash.indicators.{kind}" for kind in KINDS)
# The code that computes them: the kinds' modules and every cxdash module they use
# (tests/test_incremental_compute.py checks the list is complete).
CODE = (*MODULES, "cxdash.indicators.common", "cxdash.cells", "cxdash.channels", "cxdash.metrics.operations",
        "cxdash.metrics.contact_centre", "cxdash.metrics.sentiment", "cxdash.metrics.themes",
        "cxdash.metrics.theme_names", "cxdash.theme_labels", "cxdash.metrics.fiscal",
        "cxdash.db.queries", "cxdash.db.contact_queries", "cxdash.db.employee_queries", "cxdash.db.feedback_queries",
        "cxdash.db.published_queries", "cxdash.loaders.fields")
WINDOWED = {"cxdash.indicators.cases"}  # take the date window


def indicator_rows(engine: Engine, now: dt.datetime, window=None) -> list[dict]:
    """``window`` (a loaders.fields.DateWindow) bounds the quarters the case indicators compute one
    by one (the backlog at every quarter end)."""
    return [row for name in MODULES for row in (importlib.import_module(name).rows(engine, now, window) if name in WINDOWED
                                                else importlib.import_module(name).rows(engine, now))]


def inputs(conn: Connection | Engine, window=None) -> str:
    """What the indicators would be computed from, as a fingerprint: the successful loads of
    their kinds, the date window's settings (``window``, as indicator_rows gets it), the redaction
    rules (feedback themes read redacted text), the configured theme names (themes.yaml) and the
    code that computes them. Equal fingerprints mean the stored indicators are still the answer."""
    return (f"loads {queries.loads_fingerprint(conn, KINDS)}; redaction {redaction.VERSION}; "
            f"theme names {theme_labels.fingerprint()}; "
            f"code {fingerprints.code(*CODE)}; dates {window.settings if window is not None else None}")
