"""Non-survey indicators, one module per kind of source; each returns indicator_value rows
(indicator, fiscal quarter, provider, service, channel, stage, value, n, unit) for every
roll-up level. Compute calls them all, in one place."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine


def indicator_rows(engine: Engine, now: dt.datetime) -> list[dict]:
    from cxdash.indicators import cases, contacts, employee, feedback, published
    return [row for module in (cases, contacts, feedback, employee, published) for row in module.rows(engine, now)]
