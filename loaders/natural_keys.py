"""Replacing stored facts by natural key, whoever delivered them.

A survey count, a response or a case is one fact whatever source delivered it. Each fact model
names its ``NATURAL_KEY`` (cxdash/db/models.py, where each key is explained); a delivery deletes
the stored rows its keys identify, then inserts its own, so a second delivery (by the same
source or by another) replaces and never adds. The inserted rows carry the delivering source
and load run: ``source`` is who delivered a fact last, never part of its identity.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Connection, delete, insert

from cxdash.db.key_ids import stored_key_ids

BATCH = 500
INSERT_BATCH = 5000


def stored_ids(conn: Connection, model, rows: Iterable[dict], columns: Sequence[str] | None = None) -> list[int]:
    """Ids of the stored rows whose ``columns`` (default: the model's natural key) equal a row's
    (``cxdash.db.key_ids.stored_key_ids``)."""
    columns = list(columns or model.NATURAL_KEY)
    return stored_ids_of(conn, model, {tuple(r[c] for c in columns) for r in rows}, columns)


def stored_ids_of(conn: Connection, model, wanted: set[tuple], columns: Sequence[str] | None = None) -> list[int]:
    """``stored_ids`` for keys given as tuples of ``columns`` (default: the natural key)."""
    return list(stored_key_ids(conn, model, wanted, columns or model.NATURAL_KEY).values())


def delete_ids(conn: Connection, model, ids: Sequence[int], dependants: Sequence[Column] = ()) -> None:
    """Delete rows by id, their dependants first (``dependants``: the foreign-key columns of the
    tables referring to them). Explicitly, rather than by ON DELETE CASCADE, which SQLite only
    honours while its foreign_keys pragma is on."""
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        for column in dependants:
            conn.execute(delete(column.table).where(column.in_(batch)))
        conn.execute(delete(model).where(model.id.in_(batch)))


def delete_where_in(conn: Connection, model, column: str, values: Iterable, *conditions) -> None:
    """Delete the stored rows whose ``column`` is one of ``values`` (and that meet ``conditions``),
    whoever delivered them: for kinds replaced a whole record at a time."""
    values = sorted(set(values))
    for start in range(0, len(values), BATCH):
        conn.execute(delete(model).where(getattr(model, column).in_(values[start:start + BATCH]), *conditions))


def insert_rows(conn: Connection, model, source: str, run_id: int, rows: list[dict]) -> None:
    """Insert ``rows`` as delivered by ``source`` in load run ``run_id``."""
    for start in range(0, len(rows), INSERT_BATCH):
        conn.execute(insert(model), [{**r, "source": source, "load_run_id": run_id}
                                     for r in rows[start:start + INSERT_BATCH]])


def replace(conn: Connection, model, source: str, run_id: int, rows: list[dict],
            dependants: Sequence[Column] = ()) -> int:
    """Replace the stored rows with the natural keys of ``rows`` (and their dependants), then
    insert ``rows``. Keys must be unique within one call (the loaders reject duplicates).
    Returns the number of rows written."""
    if not rows:
        return 0
    delete_ids(conn, model, stored_ids(conn, model, rows), dependants)
    insert_rows(conn, model, source, run_id, rows)
    return len(rows)
