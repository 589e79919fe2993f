"""Which process is doing a recorded piece of work, and whether it is gone.

A job run or a review pack build is recorded before its work starts, so a killed process leaves
its record 'running'. The record keeps the process id and host; a record whose process is no
longer alive (checked on the same host only) or that started longer ago than a limit is stale.
"""
from __future__ import annotations

import datetime as dt
import os
import socket

STOPPED = "the process stopped before finishing"


def this_process() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname()[:255]}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def stale(pid: int | None, host: str | None, started: dt.datetime | None, limit: dt.timedelta,
          now: dt.datetime | None = None) -> bool:
    """A 'running' record's process is gone (same host, pid not alive) or it started over ``limit`` ago."""
    if pid is not None and host == socket.gethostname()[:255] and not alive(int(pid)):
        return True
    if started is None:
        return False
    if started.tzinfo is None:  # SQLite returns naive UTC
        started = started.replace(tzinfo=dt.UTC)
    return (now or dt.datetime.now(dt.UTC)) - started > limit
