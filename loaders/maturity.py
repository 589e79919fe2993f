"""CX maturity self-assessments from a file (kind: maturity): one row per fiscal year, dimension
and level, with fixed columns (no mapping).

Columns: fiscal_year (2023 or FY2023), dimension (id or name from config/maturity.yaml), level
(1-5 or its name), status (met, partial or partly met, not met), and optionally evidence and
assessed_by. A row is rejected, naming its line, column and reason, when a value is not one of the
model's, the evidence is longer than 4000 characters, the row does not line up with the header,
or the same year, dimension and level was already given on an earlier line. Evidence is redacted
before it is stored or kept in a rejection. A rating replaces the stored one of the same year,
dimension and level, whoever rated it (the page or any file), so neither a re-run nor another
source name duplicates.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.db import maturity_queries
from cxdash.errors import FieldError
from cxdash.loaders.csv_reader import iter_rows, read_header, require_columns, row_problem_field, row_width_problem
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.mapped_rows import window_parameters
from cxdash.loaders.runner import Chunk, LoadReport, Rejection, run_load
from cxdash.maturity import MaturityModel, checked_rating, load_model
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.redaction import redact

KIND = "maturity"
REQUIRED = ["fiscal_year", "dimension", "level", "status"]
OPTIONAL = ["evidence", "assessed_by"]


def _raw(row: dict) -> dict:
    """What a rejection keeps: the known columns, evidence redacted."""
    raw = {c: row.get(c, "") for c in (*REQUIRED, *OPTIONAL) if c in row}
    if raw.get("evidence"):
        raw["evidence"] = redact(raw["evidence"][:5000]).text
    return raw


def chunks(path: Path, model: MaturityModel, window: DateWindow | None = None) -> Iterator[Chunk]:
    """One chunk: a self-assessment is a few dozen rows. A fiscal year wholly outside ``window``
    (default DateWindow()) rejects its row."""
    window = window or DateWindow()
    require_columns(path, read_header(path), REQUIRED)
    chunk = Chunk()
    first_seen: dict[tuple, int] = {}
    for line, row in iter_rows(path):
        chunk.rows_read += 1
        width = row_width_problem(row)
        if width:
            field = row_problem_field(row)
            chunk.rejections.append(Rejection(line, field, width, _raw(row) if field == "(row)" else {}))
            continue
        try:
            values = checked_rating(model, row.get("fiscal_year"), row.get("dimension"), row.get("level"),
                                    row.get("status"), row.get("evidence"), row.get("assessed_by"), source="file")
        except FieldError as problem:
            chunk.rejections.append(Rejection(line, problem.field, problem.reason, _raw(row)))
            continue
        outside = window.quarter_problem(FiscalQuarter(values["fiscal_year"], 1).start,
                                         FiscalQuarter(values["fiscal_year"], 4).end)
        if outside:
            chunk.rejections.append(Rejection(line, "fiscal_year", f"FY{values['fiscal_year']}: {outside}", _raw(row)))
            continue
        key = (values["fiscal_year"], values["dimension"], values["level"])
        if key in first_seen:
            chunk.rejections.append(Rejection(line, "level", f"FY{key[0]} {key[1]} level {key[2]} is already "
                                                             f"rated on line {first_seen[key]}", _raw(row)))
            continue
        first_seen[key] = line
        chunk.rows.append(values)
        end = FiscalQuarter(values["fiscal_year"], 4).end
        chunk.as_of = max(chunk.as_of or end, end)
    yield chunk


def write(conn: Connection, rows: list[dict]) -> int:
    for values in rows:
        maturity_queries.upsert_rating(conn, **values)
    return len(rows)


def load(engine: Engine, path: Path, model: MaturityModel | None = None, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    """Load a self-assessment file against ``model`` (default: config/maturity.yaml)."""
    model = model or load_model()
    window = window or DateWindow()
    return run_load(engine, source=source or KIND, kind=KIND, path=Path(path),
                    parameters={"model": model.model_dump(mode="json"), **window_parameters(window)},
                    chunks=lambda p: chunks(p, model, window), write=lambda conn, _run_id, rows: write(conn, rows))
