"""Non-survey indicators, one module per kind of source; each returns indicator_value rows
(indicator, fiscal quarter, provider, service, channel, stage, value, n, unit) for every
roll-up level. Compute calls them all, in one place."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine


def indicator_rows(engine: Engine, now: dt.datetime, window=None) -> list[dict]:
    """``window`` (a loaders.fields.DateWindow) bounds the quarters computed one by one."""
    from cxdash.indicators import cases, contacts, employee, feedback, published
    return [*cases.rows(engine, now, window),
            *[row for module in (contacts, feedback, employee, published) for row in module.rows(engine, now)]]
