"""Rows stored under rules other than today's (a version column that is NULL or another version).

Compute asks this of every large table on every run, and nearly always the answer is "none", so
it must not read the table. No database searches an index for ``!=``, and SQLite gives up on an
``IS NULL OR <> ``'s index once its statistics show one common value; so the rows are found as the
union of three searches of the version column's index: NULL, below today's version, above it.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, select, union_all


def stale(column, version: str) -> ColumnElement[bool]:
    """Whether a row's ``column`` is NULL (stored before versions were recorded) or not ``version``:
    on a table with an ``id`` key, read through an index on ``column`` where the table is large."""
    key = column.table.c.id
    return key.in_(union_all(select(key).where(column.is_(None)), select(key).where(column < version),
                             select(key).where(column > version)))
