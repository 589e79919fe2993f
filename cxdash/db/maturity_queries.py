"""Reads and writes of the CX maturity self-assessment (maturity_rating), and the survey coverage
the Measurement dimension's evidence is computed from (score_cell)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update

from cxdash import redaction
from cxdash.channels import ALL
from cxdash.db.engine import transaction
from cxdash.db.models import MaturityRating, ScoreCell
from cxdash.db.queries import _frame, _ints

RATING_COLUMNS = ("fiscal_year", "dimension", "level", "status", "evidence", "assessed_by", "source", "updated_at")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def upsert_rating(conn: Connection, *, fiscal_year: int, dimension: str, level: int, status: str, evidence: str,
                  assessed_by: str, source: str) -> None:
    """One rating per fiscal year, dimension and level: rating it again replaces it."""
    t = MaturityRating
    values = {"status": status, "evidence": evidence, "assessed_by": assessed_by, "source": source,
              "updated_at": _now(), "redaction_version": redaction.VERSION}
    key = (t.fiscal_year == fiscal_year, t.dimension == dimension, t.level == level)
    if conn.execute(update(t).where(*key).values(**values)).rowcount == 0:
        conn.execute(insert(t).values(fiscal_year=fiscal_year, dimension=dimension, level=level, **values))


def save_rating(bind: Connection | Engine, **values) -> None:
    with transaction(bind) as conn:
        upsert_rating(conn, **values)


def ratings(conn: Connection | Engine, fiscal_year: int | None = None) -> list[dict]:
    """Every rating (of one fiscal year), by year, dimension and level."""
    t = MaturityRating
    statement = select(*[getattr(t, c) for c in RATING_COLUMNS]).order_by(t.fiscal_year, t.dimension, t.level)
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return [dict(r._mapping) for r in c.execute(statement)]
    return [dict(r._mapping) for r in conn.execute(statement)]


def rated_years(conn: Connection | Engine) -> list[int]:
    """Fiscal years with at least one rating, oldest first."""
    frame = _frame(conn, select(MaturityRating.fiscal_year).distinct())
    return sorted(int(y) for y in frame["fiscal_year"])


def services_with_survey_data(conn: Connection | Engine, fiscal_year: int) -> pd.DataFrame:
    """(fiscal_quarter, provider, service) of every service with survey answers (n > 0) in a
    quarter of the fiscal year: the all-channel, all-stage cells of score_cell."""
    t = ScoreCell
    statement = select(t.fiscal_quarter, t.provider, t.service).where(
        t.fiscal_year == fiscal_year, t.channel == ALL, t.stage == ALL, t.provider != ALL, t.service != ALL,
        t.n > 0).distinct()
    return _ints(_frame(conn, statement), ["fiscal_quarter"])


def survey_years(conn: Connection | Engine) -> list[int]:
    """Fiscal years with any computed survey score."""
    frame = _frame(conn, select(ScoreCell.fiscal_year).distinct())
    return sorted(int(y) for y in frame["fiscal_year"])
