"""Case and service-request records (transactional and operational data), through a mapping.

One CSV row is one case. Only mapped columns are read. A case needs a key and a readable
created time; a missing due or closed time is allowed (open cases count in backlog, not in
time to complete). A closed time before the created time, an unreadable time, a date outside
the plausible window (fields.DateWindow), a value too long for its column or an unmapped
channel or stage value rejects the row with its line, column and reason.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.channels import normalise_channel
from cxdash.db.models import CaseRecord
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
    closed_at, closed = mapped_time(values, mapping.closed_at, required=False, window=window)
    if closed is not None and closed_at < created_at:
        raise RowProblem(mapping.closed_at.column, "closed before it was created")
    channel = normalise_channel(mapped_value(values, mapping.channel, "channel"))
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(created)
    closed_quarter = FiscalQuarter.of_date(closed) if closed else None
    return fitted({
        "case_key": key, "line": line,
        "provider": mapped_value(values, mapping.provider, "provider"), "service": mapped_value(values, mapping.service, "service"),
        "channel": channel, "stage": mapped_value(values, mapping.stage, "stage"),
        "status": values.get(mapping.status, "").strip() or None if mapping.status else None,
        "created_at": created_at, "created_date": created, "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "due_date": due, "closed_at": closed_at, "closed_date": closed,
        "closed_fiscal_year": closed_quarter.year if closed_quarter else None,
        "closed_fiscal_quarter": closed_quarter.quarter if closed_quarter else None,
        "days_to_close": (closed - created).days if closed else None,
        "closed_on_time": (closed <= due) if closed and due else None,
    }, CaseRecord, {"case_key": mapping.case_key, "provider": mapping.provider.column, "service": mapping.service.column,
                    "stage": mapping.stage.column, "status": mapping.status})


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
