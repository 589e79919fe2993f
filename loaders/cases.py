"""Case and service-request records (transactional and operational data), through a mapping.

One CSV row is one case. Only mapped columns are read. A case needs a key and a readable
created time; a missing due or closed time is allowed (open cases count in backlog, not in
time to complete). A case ends at its closed time, or, where the mapping lists terminal
statuses, at the status date of a terminal status (cancelled and duplicate cases end without
being completed). An end before the created time, an unreadable time, a date outside the
plausible window (fields.DateWindow), a terminal status without any end time, a value too long
for its column or an unmapped channel or stage value rejects the row with its line, column and
reason.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.channels import MAPPED_CHANNELS, normalise_channel
from cxdash.db.models import CaseRecord
from cxdash.kinds import NOT_COMPLETED
from cxdash.loaders import natural_keys
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.mapped_rows import (
    RowProblem,
    fitted,
    keyed_chunks,
    load_mapped,
    mapped_time,
    mapped_value,
)
from cxdash.loaders.runner import Chunk, LoadReport
from cxdash.mappings import CaseMapping
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "cases"
CHUNK_ROWS = 5000


def parse_row(mapping: CaseMapping, line: int, values: dict, window: DateWindow | None = None) -> dict:
    key = values.get(mapping.case_key, "").strip()
    if not key:
        raise RowProblem(mapping.case_key, "missing case key")
    created_at, created = mapped_time(values, mapping.created_at, required=True, window=window)
    _, due = mapped_time(values, mapping.due_at, required=False, window=window)
    status = values.get(mapping.status, "").strip() or None if mapping.status else None
    ended_at, ended, end_column, outcome = _end(mapping, values, status, window)
    if ended is not None and ended_at < created_at:
        raise RowProblem(end_column, "closed before it was created" if end_column == _column(mapping.closed_at)
                         else "ended before it was created")
    channel = normalise_channel(mapped_value(values, mapping.channel, "channel"), MAPPED_CHANNELS)
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(created)
    closed_quarter = FiscalQuarter.of_date(ended) if ended else None
    completed = ended is not None and outcome not in NOT_COMPLETED
    return fitted({
        "case_key": key, "line": line,
        "provider": mapped_value(values, mapping.provider, "provider"), "service": mapped_value(values, mapping.service, "service"),
        "channel": channel, "stage": mapped_value(values, mapping.stage, "stage"),
        "status": status,
        "created_at": created_at, "created_date": created, "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "due_date": due, "closed_at": ended_at, "closed_date": ended,
        "closed_fiscal_year": closed_quarter.year if closed_quarter else None,
        "closed_fiscal_quarter": closed_quarter.quarter if closed_quarter else None,
        "days_to_close": (ended - created).days if ended else None,
        "closed_on_time": (ended <= due) if completed and due else None,
        "outcome": outcome,
        "minutes_to_close": int((ended_at - created_at).total_seconds() // 60) if ended else None,
        "time_unit": mapping.time_unit,
    }, CaseRecord, {"case_key": mapping.case_key, "provider": mapping.provider.column, "service": mapping.service.column,
                    "stage": mapping.stage.column, "status": mapping.status})


def _column(spec) -> str | None:
    return spec.column if spec is not None else None


def _end(mapping: CaseMapping, values: dict, status: str | None, window: DateWindow | None):
    """(UTC time, local date, file column, outcome) of the case's end, or Nones while it is open.

    Without terminal statuses a closed time ends a case as completed. With them, the status
    decides: a terminal status ends the case at its status date, else at its closed time; any
    other status (a reopened case keeps its old closed time) leaves it open."""
    closed_at, closed = mapped_time(values, mapping.closed_at, required=False, window=window)
    if not mapping.terminal_statuses:
        return closed_at, closed, _column(mapping.closed_at), "completed" if closed else None
    outcome = mapping.terminal_statuses.get(status) if status else None
    if outcome is None:
        return None, None, None, None
    status_at, status_date = mapped_time(values, mapping.status_at, required=False, window=window)
    if status_date is not None:
        return status_at, status_date, mapping.status_at.column, outcome
    if closed is not None:
        return closed_at, closed, mapping.closed_at.column, outcome
    times = " or ".join(c for c in (_column(mapping.status_at), _column(mapping.closed_at)) if c)
    raise RowProblem(mapping.status, f"status {status!r} ends the case, but the row has no time it ended"
                                     + (f" ({times} is blank)" if times else " (the mapping names no status_at or closed_at)"))


def chunks(path: Path, mapping: CaseMapping, window: DateWindow | None = None) -> Iterator[Chunk]:
    return keyed_chunks(path, mapping.read_columns(), lambda line, raw: parse_row(mapping, line, raw, window),
                        key="case_key", key_field=mapping.case_key, chunk_rows=CHUNK_ROWS,
                        as_of=lambda row: row["closed_date"] or row["created_date"])


def write(conn: Connection, source: str, run_id: int, rows: list[dict], _mapping=None) -> int:
    """Replace the rows with the same natural key, whoever delivered them: never add a second copy."""
    return natural_keys.replace(conn, CaseRecord, source, run_id, rows)


def load(engine: Engine, path: Path, mapping: CaseMapping | str | Path, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    return load_mapped(engine, path, mapping, CaseMapping, kind=KIND, chunks=chunks, write=write, source=source,
                       window=window)
