"""Case indicators: volume, digital share, time to complete, on-time rate, backlog and its age."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from cxdash.cells import ROLLED, rolled, rollup_levels
from cxdash.db import queries
from cxdash.indicators.common import KEYS, records
from cxdash.loaders.fields import DateWindow
from cxdash.metrics import operations
from cxdash.metrics.fiscal import FiscalQuarter


def rows(engine: Engine, now: dt.datetime, window: DateWindow | None = None) -> list[dict]:
    """Operational indicators from case records, per fiscal quarter and every roll-up level.

    The backlog's quarter ends run from the first case's quarter to the data's latest, within
    ``window`` (default: the plausible dates as of ``now``): a stored date the loaders would now
    reject (9999-01-01) cannot stretch the computation to thousands of quarters."""
    window = window or DateWindow(today=now.date())
    keys = KEYS
    rows: list[dict] = []

    def emit(frame, indicator: str, value: str, n: str, unit: str) -> None:
        rows.extend(records(frame, indicator, value, n, unit, now))

    with engine.connect() as conn:
        hist = queries.case_completion_histogram(conn)
        created = queries.case_created_counts(conn)
        first, last = queries.case_date_range(conn)
        quarters = []  # every quarter from the first case's to the data's latest date
        if first is not None:
            quarter = FiscalQuarter.of_date(max(first, window.earliest))
            final = FiscalQuarter.of_date(min(last, window.latest))
            while quarter <= final:
                quarters.append(quarter)
                quarter = quarter.next()
        open_cases = queries.case_open_by_day(conn, [q.end for q in quarters])  # one pass for them all
    if not open_cases.empty:
        calendar = pd.DataFrame({"day": [q.end for q in quarters], "fiscal_year": [q.year for q in quarters],
                                 "fiscal_quarter": [q.quarter for q in quarters]})
        open_cases = open_cases.merge(calendar, on="day", how="inner", validate="many_to_one")
    for kept in rollup_levels():
        if not hist.empty:
            done = operations.completion(rolled(hist, kept), keys)
            emit(done, "time_to_complete_median", "median_days", "closed", "days")
            emit(done, "time_to_complete_p90", "p90_days", "closed", "days")
            emit(done[done["with_due"] > 0], "on_time_rate", "on_time_rate", "with_due", "percent")
        if not created.empty:
            volume = rolled(created, kept).groupby(keys, sort=True)["n"].sum().reset_index()
            emit(volume.assign(value=volume["n"]), "volume", "value", "n", "cases")
            if "channel" not in kept:
                share = operations.digital_share(rolled(created, [*kept, "channel"]), [c for c in keys if c != "channel"])
                emit(share.assign(channel=ROLLED), "digital_share", "digital_share", "n", "percent")
        if not open_cases.empty:  # every quarter end at once: a quarter with nothing open has no row
            stock = operations.backlog(rolled(open_cases, kept), keys)
            emit(stock, "backlog", "backlog", "backlog", "cases")
            emit(stock, "backlog_age_median", "median_age_days", "backlog", "days")
    return rows
