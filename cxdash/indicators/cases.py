"""Case indicators: volume, digital share and cases whose channel was not reported, time to complete
(in days, or hours where the mapping says so), on-time rate, cancelled and duplicate cases, backlog
and its age."""
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

    The backlog's days run, per source, from its first case's quarter's end to its data's as-of
    day (its latest created or closed date): its last quarter is counted on that day, not at an
    end still to come, and says so (``backlog_as_of``); no later quarter counts its cases. Within ``window`` (default: the plausible
    dates as of ``now``): a stored date the loaders would now reject (9999-01-01) cannot stretch
    the computation to thousands of quarters."""
    window = window or DateWindow(today=now.date())
    keys = KEYS
    rows: list[dict] = []

    def emit(frame, indicator: str, value: str, n: str, unit: str) -> None:
        rows.extend(records(frame, indicator, value, n, unit, now))

    with engine.connect() as conn:
        hist = with_hours(queries.case_completion_histogram(conn))
        created = queries.case_created_counts(conn)
        ended = queries.case_outcome_counts(conn)
        found = [_open_by_day(conn, source, first, last, window)
                 for source, (first, last) in sorted(queries.case_date_ranges(conn).items())]
    found = [f for f in found if not f.empty]
    open_cases = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    for kept in rollup_levels():
        if not hist.empty:
            done = operations.completion(rolled(hist, kept), keys)
            for unit, part in done.groupby("unit"):
                emit(part, "time_to_complete_median", "median", "closed", unit)
                emit(part, "time_to_complete_p90", "p90", "closed", unit)
            emit(done[done["with_due"] > 0], "on_time_rate", "on_time_rate", "with_due", "percent")
        if not created.empty:
            volume = rolled(created, kept).groupby(keys, sort=True)["n"].sum().reset_index()
            emit(volume.assign(value=volume["n"]), "volume", "value", "n", "cases")
            if "channel" not in kept:
                share = operations.digital_share(rolled(created, [*kept, "channel"]), [c for c in keys if c != "channel"])
                share = share.assign(channel=ROLLED)
                emit(share[share["reported"] > 0], "digital_share", "digital_share", "reported", "percent")
                emit(share.assign(value=share["not_reported"]), "channel_not_reported", "value", "n", "cases")
        for outcome, part in ended.groupby("outcome"):
            count = rolled(part, kept).groupby(keys, sort=True)["n"].sum().reset_index()
            emit(count.assign(value=count["n"]), outcome, "value", "n", "cases")
        if not open_cases.empty:  # every day at once: a quarter with nothing open has no row
            stock = operations.backlog(rolled(open_cases, kept), keys)
            emit(stock, "backlog", "backlog", "backlog", "cases")
            emit(stock, "backlog_age_median", "median_age_days", "backlog", "days")
            # A quarter counted before its end (a source's data end within it) says on which day:
            # the earliest day any of the group's sources was counted on.
            counted_on = rolled(open_cases, kept).groupby(keys, sort=True)["day"].min().reset_index()
            early = stock.merge(counted_on, on=keys, validate="one_to_one")
            early = early[[d != FiscalQuarter(y, q).end for d, y, q in
                           zip(early["day"], early["fiscal_year"], early["fiscal_quarter"])]]
            emit(early.assign(value=[d.toordinal() for d in early["day"]]), "backlog_as_of", "value", "backlog", "date")
    return rows


def _open_by_day(conn, source: str, first: dt.date, last: dt.date, window: DateWindow) -> pd.DataFrame:
    """One source's open cases at every quarter end from its first case's quarter, then on its
    data's as-of day (its latest date, within ``window``): after that day nothing is known of
    them, so they count in no later quarter. Columns: the cell, day, age, n and the quarter."""
    days = []  # (day, quarter)
    quarter = FiscalQuarter.of_date(max(first, window.earliest))
    as_of = min(last, window.latest)
    if quarter.start > as_of:  # every case dated after the plausible window: nothing to count
        return pd.DataFrame()
    while quarter.end < as_of:
        days.append((quarter.end, quarter))
        quarter = quarter.next()
    days.append((as_of, quarter))
    ends = [d for d, q in days if d == q.end]
    partial = [d for d, q in days if d != q.end]
    found = queries.case_open_by_day(conn, ends, partial[0] if partial else None, source=source)  # one pass
    calendar = pd.DataFrame({"day": [d for d, _ in days], "fiscal_year": [q.year for _, q in days],
                             "fiscal_quarter": [q.quarter for _, q in days]})
    return found.merge(calendar, on="day", how="inner", validate="many_to_one") if not found.empty else found


def with_hours(hist: pd.DataFrame) -> pd.DataFrame:
    """The completion histogram with ``hours_to_close`` for the cases counted in hours (NaN for
    the others): time_unit hours, or auto where a service's median case (of one source, over all
    its quarters) completes in under two days (operations.in_hours). So a service that works in
    hours is shown in hours, every quarter alike, and a roll-up with any service in days is in days."""
    if hist.empty:
        return hist.assign(hours_to_close=pd.Series(dtype=float))
    unit_of = ["source", "time_unit", "provider", "service"]
    timed = hist[hist["minutes_to_close"].notna()]
    hourly = set()
    for group, part in timed.groupby(unit_of, sort=False):
        median = operations.weighted_percentile(part["minutes_to_close"], part["n"], 50)
        if group[1] == "hours" or operations.in_hours(median):
            hourly.add(group)
    counted = pd.Series([g in hourly for g in zip(*(hist[c] for c in unit_of))], index=hist.index, dtype=bool)
    hours = (pd.to_numeric(hist["minutes_to_close"]) / 60).where(counted)
    return hist.assign(hours_to_close=hours).drop(columns=["source", "time_unit", "minutes_to_close"])
