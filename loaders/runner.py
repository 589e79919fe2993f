"""Load-run bookkeeping shared by every loader.

A load is one transaction: the good rows, the rejected rows with their reasons and the run's
totals land together or not at all (a killed load leaves no record). A file with rows but none
good (every row rejected), or with a header and no rows, is a failed run that keeps its rejected
rows, and raises a UserError with the one-line reason. A file whose bytes were already loaded successfully for the
same source is recorded as 'unchanged' and adds nothing; any other load replaces rows by their
natural keys whoever delivered them (natural_keys.py), so neither a re-run nor the same file
under another source name duplicates a fact.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update

from cxdash import redaction
from cxdash.db.models import LoadRun, RejectedRow
from cxdash.errors import UserError


@dataclass
class Rejection:
    line: int
    field: str
    reason: str
    raw: dict


@dataclass
class Chunk:
    """A slice of a file: rows that passed validation and rows kept aside. ``rows`` is whatever
    the loader's write takes and counts with len(): row dicts, or columns (a ResponseBatch)."""

    rows: list[dict] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    accepted_without_data: int = 0  # valid rows with nothing to store (e.g. no responses that quarter)
    as_of: dt.date | None = None


@dataclass
class LoadReport:
    run_id: int
    source: str
    kind: str
    file_name: str
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    data_as_of: dt.date | None = None
    rejections: list[Rejection] = field(default_factory=list)
    message: str | None = None
    notes: list[str] = field(default_factory=list)  # what the user should know though the load went well

    def summary(self) -> str:
        if self.status == "unchanged":
            return f"{self.file_name}: unchanged since the last successful load of this source; nothing added"
        return (f"{self.file_name}: {self.rows_loaded} rows loaded, {self.rows_rejected} rejected "
                f"of {self.rows_read} read (data as of {self.data_as_of or 'unknown'})"
                + "".join(f"\n  note: {note}" for note in self.notes))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_load(
    engine: Engine,
    *,
    source: str,
    kind: str,
    path: Path,
    chunks: Callable[[Path], Iterator[Chunk]],
    write: Callable[[Connection, int, list[dict]], int],
    parameters: dict | None = None,
) -> LoadReport:
    """Load one file: ``chunks`` reads and validates, ``write`` stores one chunk's good rows.

    The load is 'unchanged' (and adds nothing) when the source's latest successful load had
    the same file bytes and the same ``parameters``; otherwise rows replace by natural key,
    whichever source stored them.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    sha = file_sha256(path)
    params = json.dumps(parameters or {}, sort_keys=True, default=str)
    with engine.connect() as conn:
        latest = conn.execute(
            select(LoadRun.file_sha256, LoadRun.parameters).where(LoadRun.source == source, LoadRun.status == "succeeded")
            .order_by(LoadRun.id.desc()).limit(1)
        ).first()
    run = {"source": source, "kind": kind, "file_name": str(path), "file_sha256": sha, "parameters": params}
    if latest is not None and tuple(latest) == (sha, params):
        with engine.begin() as conn:
            run_id = conn.execute(insert(LoadRun).values(**run, started_at=_now(), finished_at=_now(),
                                                         status="unchanged")).inserted_primary_key[0]
        return LoadReport(run_id, source, kind, str(path), "unchanged")

    # The run's record is written in the data's transaction: a process killed mid-load leaves nothing.
    started = _now()
    report = LoadReport(0, source, kind, str(path), "running")
    try:
        with engine.begin() as conn:
            run_id = report.run_id = conn.execute(
                insert(LoadRun).values(**run, started_at=started, status="running")).inserted_primary_key[0]
            good = 0  # rows that passed validation (stored or with nothing to store)
            for chunk in chunks(path):
                report.rows_read += chunk.rows_read
                report.rows_loaded += chunk.accepted_without_data
                good += len(chunk.rows) + chunk.accepted_without_data
                if chunk.rows:
                    report.rows_loaded += write(conn, run_id, chunk.rows)
                if chunk.rejections:
                    _store_rejections(conn, run_id, str(path), chunk.rejections)
                    report.rejections.extend(chunk.rejections)
                if chunk.as_of and (report.data_as_of is None or chunk.as_of > report.data_as_of):
                    report.data_as_of = chunk.as_of
            report.rows_rejected = len({r.line for r in report.rejections})  # rows, not reasons
            nothing = not good and (report.rejections or not report.rows_read)
            report.status, report.message = ("failed", _nothing_good(report)) if nothing else ("succeeded", None)
            conn.execute(update(LoadRun).where(LoadRun.id == run_id).values(
                status=report.status, finished_at=_now(), rows_read=report.rows_read,
                rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected,
                data_as_of=report.data_as_of, message=report.message))
    except Exception as exc:  # the transaction rolled back: record why, leave no half
        message = storable(str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}")
        with engine.begin() as conn:
            report.run_id = conn.execute(insert(LoadRun).values(
                **run, started_at=started, status="failed", finished_at=_now(),
                message=message[:4000])).inserted_primary_key[0]
        raise
    if report.status == "failed":  # recorded with its rejected rows kept; the file failed as a whole
        raise UserError(f"{path}: {report.message}")
    return report


def _nothing_good(report: LoadReport) -> str:
    """Why a file with no good row fails, in one line."""
    if not report.rejections:
        return "the file has a header and no rows"
    first = min(report.rejections, key=lambda r: r.line)
    return (f"every row was rejected ({report.rows_rejected} rows): first reason: line {first.line}, "
            f"{first.field}: {first.reason}")[:4000]


def storable(text: str) -> str:
    """Text any database stores: PostgreSQL refuses NUL in text, so it is written out."""
    return text.replace("\x00", "\\x00")


FIELD_LENGTH = RejectedRow.__table__.c.field.type.length


def _store_rejections(conn: Connection, run_id: int, file_name: str, rejections: Iterable[Rejection]) -> None:
    """Rejected rows as they came; a column name longer than the field column is cut (it is a file's header)."""
    conn.execute(insert(RejectedRow), [
        {"load_run_id": run_id, "file_name": file_name, "line": r.line, "field": storable(r.field)[:FIELD_LENGTH],
         "reason": storable(r.reason), "raw": json.dumps(r.raw, default=str, ensure_ascii=False)[:20000],
         "redaction_version": redaction.VERSION}
        for r in rejections
    ])
