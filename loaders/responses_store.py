"""What the two response-level loaders share: writing responses with their answers.

Writing replaces by natural key (response key within provider and service), whoever delivered
the response before: a re-run, a corrected file or the same file under another source name
never duplicates a response, and a response's old answers and segments never outlive it.

Responses arrive as columns (``ResponseBatch``): a large agency's uploads run to millions of
responses and a dozen answers each, so answers are never one Python dict or one compiled
statement each. Response ids are allocated in bulk; responses and answers go in through one
prepared statement of many rows (SQLite) or ``COPY`` (PostgreSQL), in the caller's transaction.
"""
from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np
from sqlalchemy import Connection, delete, insert, select, text, update

from cxdash.db.cell_aggregates import dimension_ids
from cxdash.db.models import SurveyAnswer, SurveyCell, SurveyQuestion, SurveyResponse, SurveySegment
from cxdash.loaders import natural_keys

RESPONSE_COLUMNS = ("response_key", "line", "submitted_at", "fiscal_year", "fiscal_quarter",
                    "agency", "provider", "service", "channel", "stage")
KEY_LENGTH = SurveyResponse.__table__.c.response_key.type.length
SEGMENT_LENGTH = SurveySegment.__table__.c.value.type.length
BATCH = natural_keys.BATCH
CELL_KEY = SurveyCell.KEY
ROWS_PER_STATEMENT = 500  # rows of one SQLite INSERT (at most its bound-value limit allows)
ANALYZE_AFTER = 5000  # responses a run writes before PostgreSQL's statistics are refreshed
ANSWER_COLUMNS = ("cell_id", "response_id", "question_id", "value")
# Each stored response row: its id, run, source, key, line and time, then its cell's columns.
_STORED = ("id", "load_run_id", "source", "response_key", "line", "submitted_at", "cell_id", *SurveyCell.KEY)
_PROVIDER, _SERVICE = SurveyCell.KEY.index("provider"), SurveyCell.KEY.index("service")
# PostgreSQL's binary COPY row of an answer: field count, then (length, value) per column:
# three int4 columns and the int2 value.
_PG_ANSWER = np.dtype([("fields", ">i2"), ("n1", ">i4"), ("cell_id", ">i4"), ("n2", ">i4"), ("response_id", ">i4"),
                       ("n3", ">i4"), ("question_id", ">i4"), ("n4", ">i4"), ("value", ">i2")])
_PG_HEADER, _PG_TRAILER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0), struct.pack(">h", -1)


@dataclass
class ResponseBatch:
    """Responses as columns. Response i has ``keys[i]``, ``lines[i]``, ``submitted_at[i]`` (or
    none at all when ``submitted_at`` is None) and the cell ``cells[cell_index[i]]`` (a
    SurveyCell.KEY tuple). Answer j belongs to response ``answer_response[j]``, answers
    question ``questions[answer_question[j]]`` ((question, scale, wording)) with
    ``answer_value[j]``. Segments are (response index, segment, value)."""

    keys: list[str]
    lines: np.ndarray
    cells: list[tuple]
    cell_index: np.ndarray
    questions: list[tuple[str, str, str]]
    answer_response: np.ndarray
    answer_question: np.ndarray
    answer_value: np.ndarray
    submitted_at: list | None = None
    segments: list[tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_rows(cls, rows: list[dict]) -> ResponseBatch:
        """From response dicts: the SurveyResponse columns plus ``answers`` (dicts with
        question, scale, value and optionally question_text) and optionally ``segments``
        (dicts with segment and value)."""
        cells: dict[tuple, int] = {}
        questions: dict[tuple, int] = {}
        cell_index, owner, asked, values, segments = [], [], [], [], []
        for i, r in enumerate(rows):
            cell_index.append(cells.setdefault(tuple(r[c] for c in SurveyCell.KEY), len(cells)))
            for a in r["answers"]:
                owner.append(i)
                asked.append(questions.setdefault((a["question"], a["scale"], a.get("question_text") or ""),
                                                  len(questions)))
                values.append(a["value"])
            segments += [(i, s["segment"], s["value"]) for s in r.get("segments", ())]
        submitted = [r.get("submitted_at") for r in rows]
        return cls(keys=[r["response_key"] for r in rows], lines=np.array([r["line"] for r in rows], dtype=np.int64),
                   cells=list(cells), cell_index=np.array(cell_index, dtype=np.int64), questions=list(questions),
                   answer_response=np.array(owner, dtype=np.int64), answer_question=np.array(asked, dtype=np.int64),
                   answer_value=np.array(values, dtype=np.int64),
                   submitted_at=submitted if any(s is not None for s in submitted) else None, segments=segments)


def write_responses(conn: Connection, source: str, run_id: int, rows: list[dict] | ResponseBatch) -> int:
    """Replace the responses with the same (response_key, provider, service), then insert ``rows``
    (a ResponseBatch, or response dicts as ``ResponseBatch.from_rows`` takes them).

    Keys must be unique within one call (the loaders reject duplicates). Every cell that gains
    or loses a response is marked dirty for the next compute, in this transaction. Returns the
    number of responses written.
    """
    batch = rows if isinstance(rows, ResponseBatch) else ResponseBatch.from_rows(rows)
    if not len(batch):
        return 0
    cells = cell_ids(conn, set(batch.cells))
    # First, so this transaction holds the write lock before response ids are allocated.
    mark_dirty(conn, set(cells.values()))
    _delete_replaced(conn, batch)
    ids = _allocate_ids(conn, len(batch))
    _insert_responses(conn, source, run_id, batch, ids, [cells[k] for k in batch.cells])
    questions = question_ids(conn, set(batch.questions))
    cell_of = np.array([cells[k] for k in batch.cells], dtype=np.int64)[batch.cell_index]
    asked = np.array([questions[q] for q in batch.questions], dtype=np.int64)
    insert_answers(conn, cell_of[batch.answer_response], ids[batch.answer_response],
                   asked[batch.answer_question] if len(asked) else batch.answer_question, batch.answer_value)
    if batch.segments:
        conn.execute(insert(SurveySegment), [{"response_id": int(ids[i]), "segment": s, "value": v}
                                             for i, s, v in batch.segments])
    _refresh_statistics(conn, run_id, len(batch))
    return len(batch)


def _allocate_ids(conn: Connection, n: int) -> np.ndarray:
    """``n`` new response ids, in one statement. On PostgreSQL from the table's sequence; on
    SQLite after the largest stored id, which this transaction's write lock keeps ours."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(text("SELECT nextval(pg_get_serial_sequence('survey_response', 'id')) "
                                  "FROM generate_series(1, :n)"), {"n": n}).scalars().all()
        return np.sort(np.array(found, dtype=np.int64))
    largest = conn.execute(select(SurveyResponse.id).order_by(SurveyResponse.id.desc()).limit(1)).scalar()
    return np.arange((largest or 0) + 1, (largest or 0) + 1 + n, dtype=np.int64)


def _insert_responses(conn: Connection, source: str, run_id: int, batch: ResponseBatch, ids: np.ndarray,
                      cell_ids_: list[int]) -> None:
    cell_columns = [(cell, *key) for cell, key in zip(cell_ids_, batch.cells)]
    submitted = batch.submitted_at if batch.submitted_at is not None else repeat(None)
    if conn.dialect.name != "postgresql" and batch.submitted_at is not None:
        bind = SurveyResponse.__table__.c.submitted_at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if bind is not None:  # stored exactly as SQLAlchemy would store it
            submitted = [None if s is None else bind(s) for s in submitted]
    rows = ((i, run_id, source, key, line, at, *cell_columns[c]) for i, key, line, at, c in
            zip(ids.tolist(), batch.keys, batch.lines.tolist(), submitted, batch.cell_index.tolist()))
    table = SurveyResponse.__tablename__
    if conn.dialect.name == "postgresql":
        with _driver_cursor(conn) as cursor, cursor.copy(f"COPY {table} ({', '.join(_STORED)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    _insert_values(conn, table, _STORED, list(chain.from_iterable(rows)), len(batch))


def insert_answers(conn: Connection, cell: np.ndarray, response: np.ndarray, question: np.ndarray,
                   value: np.ndarray) -> None:
    """Insert answers given as four integer arrays, in the table's key order: one binary COPY
    on PostgreSQL, one prepared statement of many rows on SQLite. A response has a dozen
    answers, and building and compiling a parameter dict for each cost more than the
    database's own work."""
    if not len(cell):
        return
    order = np.lexsort((question, response, cell))
    if conn.dialect.name == "postgresql":
        rows = np.empty(len(order), dtype=_PG_ANSWER)
        rows["fields"] = 4
        rows["n1"] = rows["n2"] = rows["n3"] = 4
        rows["n4"] = 2
        for name, column in zip(ANSWER_COLUMNS, (cell, response, question, value)):
            rows[name] = column[order]
        data = rows.tobytes()
        statement = f"COPY {SurveyAnswer.__tablename__} ({', '.join(ANSWER_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with _driver_cursor(conn) as cursor, cursor.copy(statement) as copy:
            copy.write(_PG_HEADER)
            for start in range(0, len(data), 1 << 23):
                copy.write(data[start:start + (1 << 23)])
            copy.write(_PG_TRAILER)
        return
    _insert_values(conn, SurveyAnswer.__tablename__, ANSWER_COLUMNS,
                   np.column_stack([cell, response, question, value])[order].ravel().tolist(), len(order))


def _driver_cursor(conn: Connection):
    """A cursor of the DBAPI connection under ``conn``: inside the same transaction."""
    return conn.connection.driver_connection.cursor()


def _insert_values(conn: Connection, table: str, columns: tuple[str, ...], values: list, rows: int) -> None:
    """Insert ``rows`` rows given as one flat list (row after row) on SQLite, many rows a
    statement, the same prepared statement each time: binding a statement's values in one call
    costs half what executemany's row-by-row binding does."""
    width = len(columns)
    dbapi = conn.connection.driver_connection
    per = max(1, min(ROWS_PER_STATEMENT, dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    one = "(" + ", ".join("?" * width) + ")"
    whole = rows - rows % per
    cursor = dbapi.cursor()
    try:
        statement = head + ", ".join([one] * per)
        for start in range(0, whole, per):
            cursor.execute(statement, values[start * width:(start + per) * width])
        if whole < rows:
            cursor.execute(head + ", ".join([one] * (rows - whole)), values[whole * width:])
    finally:
        cursor.close()


def _delete_replaced(conn: Connection, batch: ResponseBatch) -> None:
    """Delete the stored responses these rows replace, answers and segments first, and mark
    their cells dirty (a corrected response may move to another quarter or channel)."""
    # Look the ids up first and delete by id: a DELETE ... IN (subquery) is planned on the stale
    # statistics of tables growing inside this transaction and turned quadratic on PostgreSQL
    # (a scan of every answer per batch); a first load deletes nothing at all.
    owners = [(key[_PROVIDER], key[_SERVICE]) for key in batch.cells]
    if len(owners) == 1:
        wanted = set(zip(batch.keys, repeat(owners[0][0]), repeat(owners[0][1])))
    else:
        wanted = {(k, *owners[c]) for k, c in zip(batch.keys, batch.cell_index.tolist())}
    old = natural_keys.stored_ids_of(conn, SurveyResponse, wanted)
    if not old:
        return
    r, a = SurveyResponse, SurveyAnswer
    for start in range(0, len(old), BATCH):
        part = old[start:start + BATCH]
        by_cell: dict[int, list[int]] = {}
        for cell, response in conn.execute(select(r.cell_id, r.id).where(r.id.in_(part))):
            by_cell.setdefault(cell, []).append(response)
        for cell, responses in by_cell.items():  # the answers' key order: each delete reads one range
            conn.execute(delete(a).where(a.cell_id == cell, a.response_id.in_(responses)))
        mark_dirty(conn, set(by_cell))
    natural_keys.delete_ids(conn, SurveyResponse, old, dependants=[SurveySegment.response_id])


def cell_ids(conn: Connection, keys: set[tuple]) -> dict[tuple, int]:
    """The counting cell id of each cell key (SurveyCell.KEY order), adding cells not seen yet."""
    return dimension_ids(conn, SurveyCell, SurveyCell.KEY, keys, extra={"dirty": True})


def question_ids(conn: Connection, asked: set[tuple]) -> dict[tuple, int]:
    """The id of each (question, scale, wording) asked, adding questions not seen yet."""
    return dimension_ids(conn, SurveyQuestion, ("question", "scale", "wording"), asked)


def mark_dirty(conn: Connection, cells: set[int]) -> None:
    """Mark counting cells as changed since their aggregates were computed. Always written, even
    where already dirty: the row stays locked until this load commits, so a compute refreshing
    the cell meanwhile waits for these answers (``cxdash.db.cell_aggregates.refresh``)."""
    ids = sorted(cells)
    for start in range(0, len(ids), BATCH):
        conn.execute(update(SurveyCell).where(SurveyCell.id.in_(ids[start:start + BATCH])).values(dirty=True))


def _refresh_statistics(conn: Connection, run_id: int, written: int) -> None:
    """On PostgreSQL, ANALYZE the response tables each time this run's rows reach what the
    statistics knew of the table (at least ANALYZE_AFTER rows), then each time they double.

    The key lookups above are planned on statistics that do not know about rows this very
    transaction inserted; estimating the table as a handful of rows, PostgreSQL may then read
    every row per lookup and a large first load turns quadratic. ANALYZE inside the
    transaction counts its own rows; doubling keeps it to a few runs per load, and a small
    upload into a large table (a tenth of a second of ANALYZE each) needs none.
    """
    if conn.dialect.name != "postgresql":
        return
    progress = conn.info.setdefault("cxdash_responses_written", {})
    if run_id not in progress:
        known = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'survey_response'::regclass")).scalar()
        progress[run_id] = (0, max(ANALYZE_AFTER, known or 0))
    total, next_analyze = progress[run_id]
    total += written
    if total >= next_analyze:
        conn.execute(text("ANALYZE survey_response, survey_answer"))
        next_analyze = total * 2
    progress[run_id] = (total, next_analyze)
