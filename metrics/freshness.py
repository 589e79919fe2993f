"""Is a source's data fresh, late, missing or failed? Judged per source against its expected
cadence, so each panel can say how current its own data is (not one global 'last updated')."""
from __future__ import annotations

import datetime as dt

FRESH, LATE, MISSING, FAILED, UNKNOWN = "fresh", "late", "missing", "failed", "unknown"
SEVERITY = {FRESH: 0, UNKNOWN: 1, LATE: 2, MISSING: 3, FAILED: 4}


def freshness(last_success: dt.datetime | None, latest_status: str | None, late_after: dt.timedelta | None,
              now: dt.datetime) -> str:
    """failed when the latest attempt failed (whatever loaded before); missing when nothing
    ever loaded; late when the last new data arrived longer ago than ``late_after``; fresh
    otherwise. Without a cadence (a file loaded by hand, no source configured): unknown."""
    if latest_status == "failed":
        return FAILED
    if last_success is None:
        return MISSING
    if late_after is None:
        return UNKNOWN
    return LATE if now - last_success > late_after else FRESH


def worst(states) -> str | None:
    """The most severe of several sources' states (a panel is as current as its stalest source)."""
    states = [s for s in states if s]
    return max(states, key=SEVERITY.__getitem__) if states else None
