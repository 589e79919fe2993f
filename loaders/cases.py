"""Case and service-request records (transactional and operational data), through a mapping.

One CSV row is one case. Only mapped columns are read. A case needs a key and a readable
created time; a missing due or closed time is allowed (open cases count in backlog, not in
time to complete). A closed time before the created time, an unreadable time or an unmapped
channel or stage value rejects the row with its line, column and reason.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.channels import normalise_channel
from cxdash.db.models import CaseRecord
from cxdash.mappings import CaseMapping, load_case_mapping
from loaders.csv_reader import iter_records, read_header, require_columns
from loaders.mapped_rows import RowProblem, mapped_time, mapped_value, replace_by_key
from loaders.runner import Chunk, LoadReport, Rejection, run_load
from metrics.fiscal import FiscalQuarter

KIND = "cases"
CHUNK_ROWS = 5000


def parse_row(mapping: CaseMapping, line: int, values: dict) -> dict:
    key = values.get(mapping.case_key, "").strip()
    if not key:
        raise RowProblem(mapping.case_key, "missing case key")
    created_at, created = mapped_time(values, mapping.created_at, required=True)
    _, due = mapped_time(values, mapping.due_at, required=False)
    closed_at, closed = mapped_time(values, mapping.closed_at, required=False)
    if closed is not None and closed_at < created_at:
        raise RowProblem(mapping.closed_at.column, "closed before it was created")
    channel = normalise_channel(mapped_value(values, mapping.channel, "channel"))
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(created)
    closed_quarter = FiscalQuarter.of_date(closed) if closed else None
    return {
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
    return replace_by_key(conn, CaseRecord, "case_key", source, run_id, rows)


def load(engine: Engine, path: Path, mapping: CaseMapping | str | Path, source: str | None = None) -> LoadReport:
    if not isinstance(mapping, CaseMapping):
        mapping = load_case_mapping(mapping)
    source = source or mapping.key_source
    return run_load(engine, source=source, kind=KIND, path=Path(path),
                    parameters={"mapping": mapping.model_dump(mode="json")},
                    chunks=lambda p: chunks(p, mapping),
                    write=lambda conn, run_id, rows: write(conn, source, run_id, rows))
