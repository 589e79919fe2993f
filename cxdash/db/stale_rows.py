"""Rows stored under rules other than today's (a version column that is NULL or another version).

Compute asks this of every large table on every run, and nearly always the answer is "none", so
it must not read the table. No database searches an index for ``<>``, and SQLite stops using the
index for ``IS NULL OR`` a range once its statistics show one common value; so the rows are found
as the union of three searches of the version column's index: NULL, below today's version, above it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, select, union, union_all


def _searches(column, version: str) -> tuple[ColumnElement[bool], ...]:
    return column.is_(None), column < version, column > version


def _ids(column, version: str):
    key = column.table.c.id
    return union_all(*(select(key).where(search) for search in _searches(column, version)))


def stale(column, version: str) -> ColumnElement[bool]:
    """Whether a row's ``column`` is NULL (stored before versions were recorded) or not ``version``:
    on a table with an ``id`` key, read through an index on ``column`` where the table is large."""
    return column.table.c.id.in_(_ids(column, version))


def stale_ids(conn: Connection, column, version: str) -> list[int]:
    """The ids of the rows ``stale`` finds, in order, from the index alone (no outer query for a
    planner to answer by reading the table): a caller reads and writes the rows a chunk at a time."""
    return sorted(conn.execute(_ids(column, version)).scalars())


def stale_versions(column, version: str):
    """The other versions (None among them) ``column`` holds, each once."""
    return union(*(select(column).where(search) for search in _searches(column, version)))
