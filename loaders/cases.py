"""Case and service-request records (transactional and operational data), through a mapping.

One CSV row is one case. Only mapped columns are read. A case needs a key and a readable
created time; a missing due or closed time is allowed (open cases count in backlog, not in
time to complete). A closed time before the created time, an unreadable time or an unmapped
channel or stage value rejects the row with its line, column and reason.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert

from cxdash.channels import normalise_channel
from cxdash.db.models import CaseRecord
from cxdash.mappings import CaseMapping, Source, SubmittedAt, load_case_mapping
from loaders.csv_reader import iter_records, read_header, require_columns
from loaders.fields import local_time
from loaders.runner import Chunk, LoadReport, Rejection, run_load
from metrics.fiscal import FiscalQuarter

KIND = "cases"
CHUNK_ROWS = 5000
DELETE_BATCH = 500


class RowProblem(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def _time(values: dict, spec: SubmittedAt | None, required: bool) -> tuple[dt.datetime | None, dt.date | None]:
    """(UTC time, local date) of a mapped timestamp cell."""
    if spec is None:
        return None, None
    raw = values.get(spec.column, "").strip()
    if not raw:
        if required:
            raise RowProblem(spec.column, "missing: every case needs this time")
        return None, None
    try:
        return local_time(raw, spec.date_format, spec.timezone, spec.input_timezone)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None


def _mapped(values: dict, source: Source, what: str) -> str:
    if source.value is not None:
        return source.value
    raw = values.get(source.column, "").strip()
    if not raw:
        raise RowProblem(source.column, f"missing {what}")
    if source.values is None:
        return " ".join(raw.split())
    if raw not in source.values:
        raise RowProblem(source.column, f"{what} value {raw!r} is not in the mapping's values ({', '.join(source.values)})")
    return source.values[raw]


def parse_row(mapping: CaseMapping, line: int, values: dict) -> dict:
    key = values.get(mapping.case_key, "").strip()
    if not key:
        raise RowProblem(mapping.case_key, "missing case key")
    created_at, created = _time(values, mapping.created_at, required=True)
    _, due = _time(values, mapping.due_at, required=False)
    closed_at, closed = _time(values, mapping.closed_at, required=False)
    if closed is not None and closed_at < created_at:
        raise RowProblem(mapping.closed_at.column, "closed before it was created")
    channel = normalise_channel(_mapped(values, mapping.channel, "channel"))
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(created)
    closed_quarter = FiscalQuarter.of_date(closed) if closed else None
    return {
        "case_key": key, "line": line,
        "provider": _mapped(values, mapping.provider, "provider"), "service": _mapped(values, mapping.service, "service"),
        "channel": channel, "stage": _mapped(values, mapping.stage, "stage"),
        "status": values.get(mapping.status, "").strip() or None if mapping.status else None,
        "created_at": created_at, "created_date": created, "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "due_date": due, "closed_at": closed_at, "closed_date": closed,
        "closed_fiscal_year": closed_quarter.year if closed_quarter else None,
        "closed_fiscal_quarter": closed_quarter.quarter if closed_quarter else None,
        "days_to_close": (closed - created).days if closed else None,
        "closed_on_time": (closed <= due) if closed and due else None,
    }


def chunks(path: Path, mapping: CaseMapping) -> Iterator[Chunk]:
    header = read_header(path)
    require_columns(path, header, mapping.read_columns())
    kept = set(mapping.read_columns())
    first_seen: dict[str, int] = {}
    chunk = Chunk()
    for line, cells in iter_records(path):
        chunk.rows_read += 1
        raw = {c: v for c, v in zip(header, cells) if c in kept}  # only mapped columns, even in a rejection
        if len(cells) != len(header):
            chunk.rejections.append(Rejection(line, "(row)", f"expected {len(header)} values, got {len(cells)}", raw))
        else:
            try:
                row = parse_row(mapping, line, raw)
            except RowProblem as problem:
                chunk.rejections.append(Rejection(line, problem.column, problem.reason, raw))
            else:
                if row["case_key"] in first_seen:
                    chunk.rejections.append(Rejection(line, mapping.case_key, f"duplicate case key {row['case_key']!r}, "
                                                      f"first on line {first_seen[row['case_key']]}", raw))
                else:
                    first_seen[row["case_key"]] = line
                    chunk.rows.append(row)
                    latest = row["closed_date"] or row["created_date"]
                    chunk.as_of = max(chunk.as_of or latest, latest)
        if chunk.rows_read >= CHUNK_ROWS:
            yield chunk
            chunk = Chunk()
    yield chunk


def write(conn: Connection, source: str, run_id: int, rows: list[dict]) -> int:
    """Replace cases with the same (source, key), then insert: a re-run never duplicates."""
    keys = [r["case_key"] for r in rows]
    for start in range(0, len(keys), DELETE_BATCH):
        conn.execute(delete(CaseRecord).where(CaseRecord.source == source,
                                              CaseRecord.case_key.in_(keys[start:start + DELETE_BATCH])))
    conn.execute(insert(CaseRecord), [{**r, "source": source, "load_run_id": run_id} for r in rows])
    return len(rows)


def load(engine: Engine, path: Path, mapping: CaseMapping | str | Path, source: str | None = None) -> LoadReport:
    if not isinstance(mapping, CaseMapping):
        mapping = load_case_mapping(mapping)
    source = source or mapping.key_source
    return run_load(engine, source=source, kind=KIND, path=Path(path),
                    parameters={"mapping": mapping.model_dump(mode="json")},
                    chunks=lambda p: chunks(p, mapping),
                    write=lambda conn, run_id, rows: write(conn, source, run_id, rows))
