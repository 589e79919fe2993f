"""Replacing stored facts by natural key, whoever delivered them.

A survey count, a response or a case is one fact whatever source delivered it. Each fact model
names its ``NATURAL_KEY`` (cxdash/db/models.py, where each key is explained); a delivery deletes
the stored rows its keys identify, then inserts its own, so a second delivery (by the same
source or by another) replaces and never adds. The inserted rows carry the delivering source
and load run: ``source`` is who delivered a fact last, never part of its identity.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Column, Connection, Integer, String, delete, insert, select

BATCH = 500
FEW = 10  # groups of keys looked up apart (stored_ids_of)
INSERT_BATCH = 5000


def stored_ids(conn: Connection, model, rows: Iterable[dict], columns: Sequence[str] | None = None) -> list[int]:
    """Ids of the stored rows whose ``columns`` (default: the model's natural key) equal a row's.

    Looked up by the first column, which leads the natural key's unique index, and compared on
    the rest here: an indexed IN list plans the same on SQLite and PostgreSQL, whereas a
    row-value IN may not use the index at all.
    """
    columns = list(columns or model.NATURAL_KEY)
    return stored_ids_of(conn, model, {tuple(r[c] for c in columns) for r in rows}, columns)


def stored_ids_of(conn: Connection, model, wanted: set[tuple], columns: Sequence[str] | None = None) -> list[int]:
    """``stored_ids`` for keys given as tuples of ``columns`` (default: the natural key).

    Where the keys share a few values of the other columns (a response upload: one provider
    and service), those are compared in the statement too, so a key used by other services
    (form ids such as '1', '2' ...) does not bring back their rows.
    """
    columns = list(columns or model.NATURAL_KEY)
    selected = [getattr(model, c) for c in columns]
    groups: dict[tuple, list] = {}
    for key in wanted:
        groups.setdefault(key[1:], []).append(key[0])
    if len(groups) > FEW:
        groups = {None: [key[0] for key in wanted]}
    plain = all(isinstance(c.type, (String, Integer)) for c in selected)  # bound and read back as they are
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    ids = []
    for rest, firsts in groups.items():
        firsts = sorted(set(firsts))
        same = [] if rest is None else list(rest)
        for start in range(0, len(firsts), BATCH):
            part = firsts[start:start + BATCH]
            if plain:  # straight to the driver: a statement of 500 keys costs SQLAlchemy more than the database
                where = f"{columns[0]} IN ({', '.join([mark] * len(part))})" + "".join(
                    f" AND {c} = {mark}" for c in columns[1:len(same) + 1])
                found = conn.exec_driver_sql(f"SELECT id, {', '.join(columns)} FROM {model.__tablename__} WHERE {where}",
                                             (*part, *same))
            else:
                found = conn.execute(select(model.id, *selected).where(
                    selected[0].in_(part), *[c == v for c, v in zip(selected[1:], same)]))
            ids += [row[0] for row in found if tuple(row[1:]) in wanted]
    return ids


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
