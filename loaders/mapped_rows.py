"""What the mapped loaders (cases, contacts, feedback, employee) share: the row problem they
raise, reading a mapped value or time from a row, and replacing rows by natural key."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, insert

from cxdash.mappings import Source, SubmittedAt
from loaders.fields import local_time

DELETE_BATCH = 500


class RowProblem(ValueError):
    """Why a row is kept aside, and the column it concerns."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def mapped_value(values: dict, source: Source, what: str) -> str:
    """A fixed value, or the column's value through the mapping's value map (if it has one)."""
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


def mapped_time(values: dict, spec: SubmittedAt | None, required: bool) -> tuple[dt.datetime | None, dt.date | None]:
    """(UTC time, local date) of a mapped timestamp cell."""
    if spec is None:
        return None, None
    raw = values.get(spec.column, "").strip()
    if not raw:
        if required:
            raise RowProblem(spec.column, "missing: every row needs this time")
        return None, None
    try:
        return local_time(raw, spec.date_format, spec.timezone, spec.input_timezone)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None


def replace_by_key(conn: Connection, model, key: str, source: str, run_id: int, rows: list[dict]) -> int:
    """Delete the source's rows with the same natural keys, then insert: a re-run never duplicates."""
    keys = [r[key] for r in rows]
    column = getattr(model, key)
    for start in range(0, len(keys), DELETE_BATCH):
        conn.execute(delete(model).where(model.source == source, column.in_(keys[start:start + DELETE_BATCH])))
    conn.execute(insert(model), [{**r, "source": source, "load_run_id": run_id} for r in rows])
    return len(rows)
