"""Stored free text redacted again when the redaction rules change (``cxdash.redaction.VERSION``).

Text is redacted before it is stored, so the stored text is all there is: what older rules missed
is removed from it here, with today's rules. Every table that stores redacted text records the
version it went through; NULL (stored before versions were recorded) or an older one is redacted
again. Each row's text and its version change in one UPDATE, so a row is either old or new, never
half; run again, nothing is left to do. A held review's snapshot has only its free-text fields
redacted again inside the JSON; its numbers are never touched.
"""
from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import Connection, bindparam, select, update

from cxdash import redaction
from cxdash.db import feedback_queries
from cxdash.db.models import Annotation, FeedbackItem, LoadRun, MaturityRating, RejectedRow, ReviewAction, ReviewCommentary, ReviewSnapshot
from cxdash.db.stale_rows import stale, stale_ids, stale_versions

# Plain text columns, per table: each is redacted again as a whole.
TEXT_COLUMNS = {
    ReviewCommentary: ("what_happened", "why", "what_next"),
    ReviewAction: ("description",),
    Annotation: ("label", "description"),
    MaturityRating: ("evidence",),
}
# Where a held review's JSON (cxdash.review.contents.ReviewContents) holds text people wrote:
# a path of keys, "*" for every item of a list, the last key naming the text.
SNAPSHOT_TEXT = (
    ("measures", "*", "commentary", "what_happened"),
    ("measures", "*", "commentary", "why"),
    ("measures", "*", "commentary", "what_next"),
    ("actions", "*", "description"),
    ("annotations", "*", "label"),
    ("annotations", "*", "description"),
    ("maturity", "dimensions", "*", "evidence"),
)
# Rejected rows of these load kinds keep redacted cells: feedback every cell, maturity its evidence.
# A rejection's reason can quote its field's cell ("cannot read 'call 410-...' as a time": a comment
# shifted into the next column), so the reason of a row whose field is one of these is redacted too.
REJECTED_CELLS = {"feedback": None, "maturity": ("evidence",)}


def _stale(column):
    return stale(column, redaction.VERSION)


def _again(text: str | None, limit: int | None = None) -> str | None:
    """Text redacted with today's rules (cut to the column's length: a placeholder can be longer
    than what it replaces)."""
    if not text or not text.strip():
        return text
    again = redaction.redact(text).text
    return again[:limit] if limit else again


def _rewrite(conn: Connection, model, columns: tuple[str, ...], rows, change: Callable, chunk: int) -> int:
    """Write each row's new values and today's version, ``chunk`` rows a statement."""
    t = model.__table__
    statement = (update(t).where(t.c.id == bindparam("row_id"))
                 .values(**{c: bindparam(f"new_{c}") for c in columns}, redaction_version=redaction.VERSION))
    for start in range(0, len(rows), chunk):
        values = []
        for row in rows[start:start + chunk]:
            new = change(row)
            values.append({"row_id": row.id, **{f"new_{c}": new[c] for c in columns}})
        conn.execute(statement, values)
    return len(rows)


def _text_columns(conn: Connection, model, columns: tuple[str, ...], chunk: int) -> int:
    t = model.__table__
    limits = {c: getattr(t.c[c].type, "length", None) for c in columns}
    rows = conn.execute(select(t.c.id, *[t.c[c] for c in columns])
                        .where(_stale(t.c.redaction_version)).order_by(t.c.id)).all()
    return _rewrite(conn, model, columns, rows,
                    lambda row: {c: _again(getattr(row, c), limits[c]) for c in columns}, chunk)


def _walk(node, path: tuple[str, ...]) -> None:
    """Redact again, in place, the strings at ``path`` under ``node``."""
    if not path or node is None:
        return
    key, rest = path[0], path[1:]
    if key == "*":
        for item in node if isinstance(node, list) else []:
            _walk(item, rest)
    elif isinstance(node, dict) and key in node:
        if rest:
            _walk(node[key], rest)
        elif isinstance(node[key], str):
            node[key] = _again(node[key])


def snapshot_again(contents: str) -> str:
    """A held review's JSON with its free text redacted again; every other value as it was."""
    data = json.loads(contents)
    for path in SNAPSHOT_TEXT:
        _walk(data, path)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _snapshots(conn: Connection, chunk: int) -> int:
    t = ReviewSnapshot
    rows = conn.execute(select(t.id, t.contents).where(_stale(t.redaction_version)).order_by(t.id)).all()
    return _rewrite(conn, t, ("contents",), rows, lambda row: {"contents": snapshot_again(row.contents)}, chunk)


def _rejected_raw(raw: str, cells: tuple[str, ...] | None) -> str:
    """A rejected row's kept cells (JSON), those that were redacted redacted again. A row cut at
    the stored length is no longer JSON: then the whole of it is redacted again."""
    try:
        data = json.loads(raw)
    except ValueError:
        return _again(raw)
    if not isinstance(data, dict):
        return _again(raw)
    for key, value in data.items():
        if isinstance(value, str) and (cells is None or key in cells):
            data[key] = _again(value)
    return json.dumps(data, default=str, ensure_ascii=False)[:20000]


def _rejected_reason(reason: str, field: str, cells: tuple[str, ...] | None) -> str:
    """A rejected row's reason, redacted again when its field is a redacted cell (it may quote it)."""
    return _again(reason) if cells is None or field in cells else reason


def _rejected_rows(conn: Connection, chunk: int) -> int:
    """Rejected rows of an older version: those of the load kinds that keep redacted cells redacted
    again, the others (no redacted text) only stamped. Their ids come first, through the index: on
    nearly every run there are none, and the table is never read."""
    r, run = RejectedRow, LoadRun
    ids = stale_ids(conn, r.redaction_version, redaction.VERSION)
    count = 0
    for start in range(0, len(ids), chunk):
        rows = conn.execute(select(r.id, r.raw, r.field, r.reason, run.kind).join(run, run.id == r.load_run_id)
                            .where(r.id.in_(ids[start:start + chunk])).order_by(r.id)).all()
        kept = [row for row in rows if row.kind in REJECTED_CELLS]
        count += _rewrite(conn, r, ("raw", "reason"), kept,
                          lambda row: {"raw": _rejected_raw(row.raw, REJECTED_CELLS[row.kind]),
                                       "reason": _rejected_reason(row.reason, row.field, REJECTED_CELLS[row.kind])},
                          chunk)
        if others := [row.id for row in rows if row.kind not in REJECTED_CELLS]:
            conn.execute(update(r).where(r.id.in_(others)).values(redaction_version=redaction.VERSION))
    return count


TABLES = (FeedbackItem, *TEXT_COLUMNS, ReviewSnapshot)  # and rejected rows, of some kinds only


def snapshot_version(conn: Connection) -> str | None:
    """The version a review frozen now goes through: today's, unless text it copies (commentary,
    actions, events, evidence) is still of older rules; then none, so compute redacts it again."""
    for model in TEXT_COLUMNS:
        column = model.__table__.c.redaction_version
        if conn.execute(select(column).where(_stale(column)).limit(1)).first():
            return None
    return redaction.VERSION


def older_versions(conn: Connection) -> list[str]:
    """The older versions stored text went through, "none" for text stored before versions were
    recorded (what the audit trail says was redacted again)."""
    found = set()
    for model in (*TABLES, RejectedRow):  # every rejected row: those holding no text are stamped too
        column = model.__table__.c.redaction_version
        found.update(conn.execute(stale_versions(column, redaction.VERSION)).scalars())
    return sorted("none" if v is None else v for v in found)


def redact_stored(conn: Connection, chunk: int = 500) -> dict[str, int]:
    """Redact again, in the caller's transaction, every stored text of an older version: how many
    rows per table (tables with none are left out)."""
    counts = {"feedback_item": feedback_queries.redact_again(conn, chunk)}
    for model, columns in TEXT_COLUMNS.items():
        counts[model.__tablename__] = _text_columns(conn, model, columns, chunk)
    counts[ReviewSnapshot.__tablename__] = _snapshots(conn, chunk)
    counts[RejectedRow.__tablename__] = _rejected_rows(conn, chunk)
    return {table: n for table, n in counts.items() if n}
