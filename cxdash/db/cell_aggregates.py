"""Per-cell aggregates of the response-level answers, kept current for the cells that changed.

A load marks each counting cell it touches dirty, in its own transaction
(``cxdash.loaders.responses_store``). Compute calls ``refresh``: for the dirty cells only, the
database counts answers per question and value and sums the key-driver statistics per answer
pattern (GROUP BY queries; only per-cell results reach Python), stores them, and clears the
cells' dirty mark in the same transaction, so a crash part way leaves them dirty for the next
run. Every later step reads these aggregates, never the answers: rolling windows and roll-up
scopes are sums of cells, and a new quarter's file costs only the cells it touched.
"""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import BigInteger, Connection, case, delete, func, insert, literal, or_, select, tuple_, update

from cxdash.db.models import SurveyAnswer, SurveyCell, SurveyCellCount, SurveyCellMoment, SurveyPattern, SurveyQuestion
from cxdash.db.queries import _frame
from cxdash.metrics.a11_scores import DRIVERS
from cxdash.metrics.drivers import (
    CHECKLIST_PREFIXES,
    OUTCOMES,
    agree_name,
    cross_name,
    moment_pairs,
    other_name,
    pattern_of,
    sum_name,
)

BATCH = 200  # cells per statement: a few hundred thousand answers at agency scale
MAX_COLUMNS = 62  # answer-pattern bits in one BIGINT


def outcome_column(question: str, scale: str) -> str:
    """An outcome's column in the moments: thumbs (binary) and Likert (5pt) answers of one
    question are different variables and never share a column."""
    return f"{question}@{scale}"


def moment_columns(asked: Iterable[tuple[str, str]]) -> tuple[list[str], list[str], list[str], list[tuple[str, str]]]:
    """From the (question, scale) pairs asked: the outcome columns, the 1-5 agree drivers, the
    checklist drivers and the pairs whose cross-products the regressions need (within the 1-5
    model: outcomes and agree drivers; within the checklist model: outcomes and options)."""
    asked = sorted(set(asked))
    outcomes = [outcome_column(q, s) for q, s in asked if q in OUTCOMES]
    questions = {q for q, _ in asked}
    likert = [d for d in DRIVERS if d in questions]
    checklist = sorted(q for q in questions if q.startswith(CHECKLIST_PREFIXES))
    return outcomes, likert, checklist, moment_pairs([outcomes + likert, outcomes + checklist])


def dirty_cells(conn: Connection) -> list[int]:
    t = SurveyCell
    return [row[0] for row in conn.execute(select(t.id).where(t.dirty.is_(True)).order_by(t.id))]


def refresh(conn: Connection, everything: bool = False, run_id: int | None = None) -> int:
    """Recompute the aggregates of every dirty cell (``everything``: of every cell) in the
    caller's transaction, stamping them with the computation ``run_id``; returns how many."""
    if everything:
        conn.execute(update(SurveyCell).values(dirty=True))
    # A no-op write to the dirty cells first. On PostgreSQL it waits for any load still writing
    # one of them (a load marks its cells in its own transaction) and makes new loads of them
    # wait for this one; on SQLite it takes the write lock. Either way the answers read next
    # are all those committed, and none can arrive unmarked before the marks are cleared.
    conn.execute(update(SurveyCell).where(SurveyCell.dirty.is_(True)).values(dirty=True))
    cells = dirty_cells(conn)
    for start in range(0, len(cells), BATCH):
        batch = cells[start:start + BATCH]
        conn.execute(delete(SurveyCellCount).where(SurveyCellCount.cell_id.in_(batch)))
        conn.execute(delete(SurveyCellMoment).where(SurveyCellMoment.cell_id.in_(batch)))
        _store_counts(conn, batch)
        _store_moments(conn, batch)
        conn.execute(update(SurveyCell).where(SurveyCell.id.in_(batch)).values(dirty=False, recounted_in=run_id))
    return len(cells)


def recounted_since(conn: Connection, run_id: int | None) -> pd.DataFrame:
    """(provider, service, fiscal_year, fiscal_quarter) of the cells recounted by a computation
    after ``run_id`` (the last committed one), or never stamped: what changed since its results."""
    c = SurveyCell
    changed = c.recounted_in.is_(None) if run_id is None else or_(c.recounted_in.is_(None), c.recounted_in > run_id)
    return _frame(conn, select(c.provider, c.service, c.fiscal_year, c.fiscal_quarter).where(changed).distinct())


def _store_counts(conn: Connection, cells: list[int]) -> None:
    a = SurveyAnswer
    counted = (select(a.cell_id, a.question_id, a.value, func.count())
               .where(a.cell_id.in_(cells)).group_by(a.cell_id, a.question_id, a.value))
    conn.execute(insert(SurveyCellCount).from_select(["cell_id", "question_id", "value", "n"], counted))


def _store_moments(conn: Connection, cells: list[int]) -> None:
    """The key-driver statistics of these cells per answer pattern, zeros left out."""
    c, q = SurveyCellCount, SurveyQuestion
    asked = conn.execute(select(q.id, q.question, q.scale).join(c, c.question_id == q.id)
                         .where(c.cell_id.in_(cells)).distinct()).all()
    outcomes, likert, checklist, pairs = moment_columns((question, scale) for _, question, scale in asked)
    names = outcomes + likert + checklist
    if not names:
        return
    if len(names) > MAX_COLUMNS:
        raise ValueError(f"too many driver and outcome questions for one pattern key ({len(names)} > {MAX_COLUMNS})")
    ids = {name: [i for i, question, scale in asked
                  if (outcome_column(question, scale) if question in OUTCOMES else question) == name] for name in names}
    raw = _frame(conn, _moments_statement(cells, names, ids, pairs))
    if raw.empty:
        return
    patterns = {bits: pattern_of(name for i, name in enumerate(names) if int(bits) >> i & 1)
                for bits in raw["pattern_bits"].unique()}
    pattern_ids = dimension_ids(conn, SurveyPattern, ("pattern",), {(p,) for p in patterns.values()})
    statistics = ["n"] + [f(name) for name in names for f in (sum_name, agree_name, other_name)]
    statistics += [cross_name(p, r) for p, r in pairs]
    raw.columns = ["cell_id", "pattern_bits", *statistics]
    raw["pattern_id"] = raw["pattern_bits"].map(lambda bits: pattern_ids[(patterns[bits],)])
    long = raw.melt(id_vars=["cell_id", "pattern_id"], value_vars=statistics, var_name="statistic")
    long["value"] = pd.to_numeric(long["value"]).fillna(0).astype("int64")
    long = long[long["value"] != 0]
    rows = long.to_dict("records")
    for start in range(0, len(rows), 5000):
        conn.execute(insert(SurveyCellMoment), rows[start:start + 5000])


def _moments_statement(cells: list[int], names: list[str], ids: dict[str, list[int]], pairs):
    """One query: the inner part pivots each response's answers into one row (conditional
    aggregation over the response's range of the answer key; an answer not given or an option
    not offered stays NULL, never 0), tags it with its answer pattern (a bit per column
    answered), and the outer part sums per cell and pattern: n, the sums, the 4-5 and non-0/1
    counts and the cross-products."""
    a = SurveyAnswer.__table__
    label = {name: f"c{i}" for i, name in enumerate(names)}
    pivot = [func.max(case((a.c.question_id.in_(ids[name]), a.c.value))).label(label[name]) for name in names]
    per_response = (select(a.c.cell_id, a.c.response_id, *pivot).where(a.c.cell_id.in_(cells))
                    .group_by(a.c.cell_id, a.c.response_id).subquery("per_response"))
    value = {name: per_response.c[label[name]] for name in names}
    bits = sum((case((value[name].is_not(None), literal(1 << i, BigInteger)), else_=literal(0, BigInteger))
                for i, name in enumerate(names)), literal(0, BigInteger))
    tagged = select(per_response, bits.label("pattern_bits")).subquery("tagged")
    value = {name: tagged.c[label[name]] for name in names}
    aggregates = [func.count().label("n")]
    for name in names:
        x = value[name]
        aggregates += [func.sum(x), func.sum(case((x >= 4, 1), else_=0)),
                       func.sum(case((x.is_not(None) & x.not_in([0, 1]), 1), else_=0))]
    aggregates += [func.sum(value[p] * value[r]) for p, r in pairs]
    dims = [tagged.c.cell_id, tagged.c.pattern_bits]
    return select(*dims, *aggregates).group_by(*dims)


def dimension_ids(conn: Connection, model, columns: tuple, keys: set[tuple], extra: dict | None = None) -> dict:
    """Ids of small dimension rows (cells, questions, patterns) by their full key, adding the
    missing ones; a call names a few."""
    selected = [getattr(model, c) for c in columns]
    ids: dict[tuple, int] = {}
    wanted = list(keys)
    for start in range(0, len(wanted), 500):
        batch = wanted[start:start + 500]
        where = (selected[0].in_([k[0] for k in batch]) if len(selected) == 1
                 else tuple_(*selected).in_(batch))
        found = conn.execute(select(model.id, *selected).where(where))
        ids.update({tuple(row[1:]): row[0] for row in found})
    missing = [k for k in wanted if k not in ids]
    if missing:
        conn.execute(insert(model), [{**dict(zip(columns, k)), **(extra or {})} for k in missing])
        return dimension_ids(conn, model, columns, keys, extra)
    return ids
