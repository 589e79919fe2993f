"""Contact-centre interval records (calls offered, answered, abandoned per queue and interval).

One CSV row is one queue's interval (half hour, day, ...), identified by the mapping's key
columns. Only mapped columns are read. Counts are whole numbers, possibly printed with
thousands separators. The answer time is stored as a total (seconds summed over answered
contacts), whatever the export prints, so every roll-up of the average speed of answer is
exact. A row is rejected, naming its line, column and reason, when its key or start time is
missing, unreadable or outside the plausible dates (fields.DateWindow), a count is negative,
not whole or too large, a value is too long for its column, answered + abandoned exceeds offered,
more contacts were resolved at first contact than have a known resolution, or its channel or
stage value is not in the mapping.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.channels import MAPPED_CHANNELS, normalise_channel
from cxdash.db.models import ContactInterval
from cxdash.loaders import natural_keys
from cxdash.loaders.fields import DateWindow, local_time, whole_number
from cxdash.loaders.mapped_rows import (
    RowProblem,
    fitted,
    keyed_chunks,
    load_mapped,
    mapped_value,
)
from cxdash.loaders.runner import Chunk, LoadReport
from cxdash.mappings import AnswerTime, ContactMapping
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "contacts"
KEY_SEPARATOR = "|"
CHUNK_ROWS = 5000
MAX_SECONDS = 1e9  # an answer time (or a total) past 30 years is a broken cell


def _count(values: dict, column: str, required: bool = True) -> int | None:
    raw = values.get(column, "")
    try:
        number = whole_number(raw)
    except ValueError as exc:
        raise RowProblem(column, str(exc)) from None
    if number is None:
        if required:
            raise RowProblem(column, "missing count")
        return None
    if number < 0:
        raise RowProblem(column, f"negative count {raw.strip()!r}")
    return number


def duration_seconds(raw: str, unit: str) -> float:
    """Seconds in a cell written in ``unit``: seconds, minutes, or hh:mm:ss text (hours may exceed 24)."""
    text = raw.strip()
    if unit == "hh:mm:ss":
        parts = text.split(":")
        try:
            if len(parts) != 3:
                raise ValueError
            hours, minutes, seconds = int(parts[0]), int(parts[1]), float(parts[2])
        except ValueError:
            raise ValueError(f"cannot read {text!r} as hh:mm:ss") from None
        if min(hours, minutes, seconds) < 0 or minutes >= 60 or not seconds < 60:
            raise ValueError(f"cannot read {text!r} as hh:mm:ss")
        return hours * 3600 + minutes * 60 + seconds
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"expected a number of {unit}, got {text!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"expected a non-negative number of {unit}, got {text!r}")
    return number * 60 if unit == "minutes" else number


def _answer_seconds(values: dict, spec: AnswerTime | None, answered: int) -> float | None:
    """Total answer seconds of the row; None when the export leaves the time blank (unknown)."""
    if spec is None:
        return None
    raw = values.get(spec.column, "").strip()
    if not raw:
        return None
    try:
        seconds = duration_seconds(raw, spec.unit)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None
    total = seconds * answered if spec.measure == "average" else seconds
    if seconds > MAX_SECONDS or total > MAX_SECONDS * 1e6:  # beyond any real queue: a broken cell, not a time
        raise RowProblem(spec.column, f"answer time {raw!r} is too large")
    return total


def parse_row(mapping: ContactMapping, line: int, values: dict, window: DateWindow | None = None) -> dict:
    key_parts = []
    for column in mapping.interval_key:
        part = values.get(column, "").strip()
        if not part:
            raise RowProblem(column, "missing interval key")
        key_parts.append(part)
    spec = mapping.interval_start
    raw_start = values.get(spec.column, "").strip()
    if not raw_start:
        raise RowProblem(spec.column, "missing: every interval needs its start time")
    try:
        start, local_date = local_time(raw_start, spec.date_format, spec.timezone, spec.input_timezone, window)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None
    offered, answered, abandoned = (_count(values, c) for c in (mapping.offered, mapping.answered, mapping.abandoned))
    if answered + abandoned > offered:
        raise RowProblem(mapping.offered, f"answered ({answered}) + abandoned ({abandoned}) is more than offered ({offered})")
    resolved = known = None
    if mapping.resolved_first_contact:
        resolved = _count(values, mapping.resolved_first_contact, required=False)
        known = _count(values, mapping.resolution_known, required=False)
        if (resolved is None) != (known is None):
            blank = mapping.resolved_first_contact if resolved is None else mapping.resolution_known
            raise RowProblem(blank, "missing: first-contact resolution needs both counts, or neither")
        if resolved is not None and resolved > known:
            raise RowProblem(mapping.resolved_first_contact,
                             f"resolved at first contact ({resolved}) is more than resolution known ({known})")
    channel = normalise_channel(mapped_value(values, mapping.channel, "channel"), MAPPED_CHANNELS)
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(local_date)
    queue = " ".join(values.get(mapping.queue, "").split()) or None if mapping.queue else None
    return fitted({
        "interval_key": KEY_SEPARATOR.join(key_parts), "line": line,
        "provider": mapped_value(values, mapping.provider, "provider"), "service": mapped_value(values, mapping.service, "service"),
        "channel": channel, "stage": mapped_value(values, mapping.stage, "stage"), "queue": queue,
        "interval_start": start, "interval_date": local_date,
        "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "offered": offered, "answered": answered, "abandoned": abandoned,
        "answer_seconds": _answer_seconds(values, mapping.answer_time, answered),
        "resolved_first_contact": resolved, "resolution_known": known,
    }, ContactInterval, {"interval_key": " + ".join(mapping.interval_key), "provider": mapping.provider.column,
                         "service": mapping.service.column, "stage": mapping.stage.column, "queue": mapping.queue})


def chunks(path: Path, mapping: ContactMapping, window: DateWindow | None = None) -> Iterator[Chunk]:
    return keyed_chunks(path, mapping.read_columns(), lambda line, raw: parse_row(mapping, line, raw, window),
                        key="interval_key", key_field=" + ".join(mapping.interval_key), chunk_rows=CHUNK_ROWS,
                        as_of=lambda row: row["interval_date"])


def write(conn: Connection, source: str, run_id: int, rows: list[dict], _mapping=None) -> int:
    """Replace the rows with the same natural key, whoever delivered them: never add a second copy."""
    return natural_keys.replace(conn, ContactInterval, source, run_id, rows)


def load(engine: Engine, path: Path, mapping: ContactMapping | str | Path, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    return load_mapped(engine, path, mapping, ContactMapping, kind=KIND, chunks=chunks, write=write, source=source,
                       window=window)

