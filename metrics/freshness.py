"""Is a source's data fresh, late, out of date, missing or failed? Judged per source against its
expected cadence, on the date the data run to (their as-of date), not on when a file was last
loaded: reloading an old file every night does not make its numbers current. Each panel can so
say how current its own data are (not one global 'last updated')."""
from __future__ import annotations

import datetime as dt

FRESH, LATE, OUT_OF_DATE, MISSING, FAILED, UNKNOWN = "fresh", "late", "out_of_date", "missing", "failed", "unknown"
SEVERITY = {FRESH: 0, UNKNOWN: 1, LATE: 2, OUT_OF_DATE: 3, MISSING: 4, FAILED: 5}
WORDS = {FRESH: "Fresh", LATE: "Late", OUT_OF_DATE: "Out of date", MISSING: "Missing", FAILED: "Failed",
         UNKNOWN: "No cadence set"}


def freshness(last_success: dt.datetime | None, latest_status: str | None, late_after: dt.timedelta | None,
              now: dt.datetime) -> str:
    """Of the loads alone: failed when the latest attempt failed (whatever loaded before); missing
    when nothing ever loaded; late when the last new data arrived longer ago than ``late_after``;
    fresh otherwise. Without a cadence (a file loaded by hand, no source configured): unknown.
    Kept for the load history; a source's health is ``source_state``."""
    if latest_status == "failed":
        return FAILED
    if last_success is None:
        return MISSING
    if late_after is None:
        return UNKNOWN
    return LATE if now - last_success > late_after else FRESH


def data_freshness(as_of: dt.date | None, cadence: dt.timedelta | None, grace: dt.timedelta | None,
                   today: dt.date, shown_until: dt.date | None = None) -> str:
    """How current the data themselves are, on their as-of date (the last day they cover).

    out_of_date: the data end more than one cadence plus the grace period before ``today``: the
    next period's data should have arrived and have not (a quarterly source with 45 days' grace
    whose data end 31 Dec 2022 is out of date from 17 May 2023 on);
    late: not out of date, but the data end before the end of the period shown (``shown_until``,
    e.g. the last day of the quarter on the page), so that period is not covered yet;
    fresh otherwise; unknown without an as-of date or a cadence to judge against."""
    if as_of is None or cadence is None:
        return UNKNOWN
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    if today - as_of > cadence + (grace or dt.timedelta(0)):
        return OUT_OF_DATE
    if shown_until is not None and as_of < shown_until:
        return LATE
    return FRESH


def source_state(latest_status: str | None, last_success: dt.datetime | None, as_of: dt.date | None,
                 cadence: dt.timedelta | None, grace: dt.timedelta | None, today: dt.date,
                 shown_until: dt.date | None = None) -> str:
    """A source's health: failed when its latest attempt failed; missing when nothing ever loaded;
    otherwise its data's freshness (``data_freshness``)."""
    if latest_status == "failed":
        return FAILED
    if last_success is None:
        return MISSING
    return data_freshness(as_of, cadence, grace, today, shown_until)


def due_by(as_of: dt.date, cadence: dt.timedelta, grace: dt.timedelta | None) -> dt.date:
    """The day the next period's data are due: one cadence after the as-of date, plus the grace."""
    return as_of + cadence + (grace or dt.timedelta(0))


def worst(states) -> str | None:
    """The most severe of several sources' states (a panel is as current as its stalest source)."""
    states = [s for s in states if s]
    return max(states, key=SEVERITY.__getitem__) if states else None
