"""Case indicators: volume, digital share, time to complete, on-time rate, backlog and its age."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from cxdash.cells import CELL_COLUMNS, ROLLED, rolled, rollup_levels
from cxdash.db import queries
from cxdash.indicators.common import KEYS, records
from cxdash.metrics import operations
from cxdash.metrics.fiscal import FiscalQuarter


def rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """Operational indicators from case records, per fiscal quarter and every roll-up level."""
    keys = KEYS
    rows: list[dict] = []

    def emit(frame, indicator: str, value: str, n: str, unit: str) -> None:
        rows.extend(records(frame, indicator, value, n, unit, now))

    with engine.connect() as conn:
        hist = queries.case_completion_histogram(conn)
        created = queries.case_created_counts(conn)
        first, last = queries.case_date_range(conn)
        quarter_ends = []
        if first is not None:
            quarter, final = FiscalQuarter.of_date(first), FiscalQuarter.of_date(last)
            while quarter <= final:
                quarter_ends.append((quarter, queries.case_open_by_day(conn, quarter.end)))
                quarter = quarter.next()
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
        for quarter, open_cases in quarter_ends:
            if open_cases.empty:
                continue
            stock = operations.backlog(rolled(open_cases, kept), list(CELL_COLUMNS), quarter.end)
            stock = stock.assign(fiscal_year=quarter.year, fiscal_quarter=quarter.quarter)
            emit(stock, "backlog", "backlog", "backlog", "cases")
            emit(stock, "backlog_age_median", "median_age_days", "backlog", "days")
    return rows
