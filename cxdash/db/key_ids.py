"""Looking up stored rows' ids by their full key, for keys by the thousand.

Shared by the natural-key replacement of every loader and the small dimension tables (survey
cells, questions, answer patterns). A load asks for thousands of keys a chunk, so a key must
cost a bound value, never a SQL expression of its own.
"""
from __future__ import annotations

from sqlalchemy import Connection, Integer, String, select

BATCH = 500  # first-column values per statement
FEW = 10  # groups of keys looked up apart


def stored_key_ids(conn: Connection, model, wanted: set[tuple], columns) -> dict[tuple, int]:
    """{key: id} of the stored rows of ``model`` whose ``columns`` equal one of ``wanted``.

    Looked up by the first column, which leads each key's unique index; where the keys share a
    few values of the other columns (one provider and service for an upload, one scale for its
    questions) those are compared in the statement too, so a key such as '1' used by other
    services does not bring back their rows; otherwise they are compared here. An indexed IN list
    plans the same on SQLite and PostgreSQL, whereas a row-value IN may not use the index at all.
    Keys of plain strings and integers go straight to the driver: a statement of 500 keys cost
    SQLAlchemy more than the database.
    """
    columns = list(columns)
    selected = [getattr(model, c) for c in columns]
    groups: dict[tuple | None, list] = {}
    for key in wanted:
        groups.setdefault(key[1:], []).append(key[0])
    if len(groups) > FEW:
        groups = {None: [key[0] for key in wanted]}
    plain = all(isinstance(c.type, (String, Integer)) for c in selected)  # bound and read back as they are
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    ids: dict[tuple, int] = {}
    for rest, firsts in groups.items():
        firsts = sorted(set(firsts))
        same = [] if rest is None else list(rest)
        for start in range(0, len(firsts), BATCH):
            part = firsts[start:start + BATCH]
            if plain:
                where = f"{columns[0]} IN ({', '.join([mark] * len(part))})" + "".join(
                    f" AND {c} = {mark}" for c in columns[1:len(same) + 1])
                found = conn.exec_driver_sql(f"SELECT id, {', '.join(columns)} FROM {model.__tablename__} WHERE {where}",
                                             (*part, *same))
            else:
                found = conn.execute(select(model.id, *selected).where(
                    selected[0].in_(part), *[c == v for c, v in zip(selected[1:], same)]))
            ids.update({key: row[0] for row in found if (key := tuple(row[1:])) in wanted})
    return ids
