"""Incremental compute: a load marks the counting cells it changes, compute refreshes only those
cells' aggregates, and the result equals a computation from scratch (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from cxdash.compute import compute
from cxdash.db import cell_aggregates, queries
from cxdash.db.models import (
    DriverResult,
    MeasureResult,
    ScoreCell,
    SegmentResult,
    SurveyCell,
    SurveyCellCount,
    SurveyCellMoment,
    TrendResult,
)
from cxdash.loaders import a11_responses

from .test_driver_moments import OTHER, _upload
from .test_loader_a11_responses import CATALOGUE, PROVIDER, SERVICE

RESULTS = (ScoreCell, MeasureResult, DriverResult, SegmentResult, TrendResult)


def load(engine, folder, name: str, quarter: str, service=(PROVIDER, SERVICE), channel="computer", seed=1):
    _upload(folder, name, seed, 90 + seed, ())
    return a11_responses.load(engine, folder / f"{name}.csv", CATALOGUE, provider=service[0], service=service[1],
                              channel=channel, quarter=quarter, trust_scale="likert")


def dirty(engine) -> set[tuple]:
    c = SurveyCell
    with engine.connect() as conn:
        return set(conn.execute(select(c.fiscal_year, c.fiscal_quarter, c.service, c.channel).where(c.dirty.is_(True))))


def results(engine) -> dict[str, list[tuple]]:
    """Everything compute stores for the pages, without ids and times, floats to 9 places."""
    out = {}
    with engine.connect() as conn:
        for model in RESULTS:
            columns = [c for c in model.__table__.columns if c.name not in ("id", "computed_at")]
            rows = [tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                    for row in conn.execute(select(*columns))]
            out[model.__tablename__] = sorted(rows, key=repr)
    return out


def from_scratch(engine) -> dict[str, list[tuple]]:
    """Mark every cell changed and compute again: every aggregate is recounted from the answers."""
    with engine.begin() as conn:
        conn.execute(update(SurveyCell).values(dirty=True))
    compute(engine, CATALOGUE)
    return results(engine)


def test_a_new_quarter_recomputes_only_its_cells_and_equals_a_full_compute(engine, tmp_path):
    load(engine, tmp_path, "q1a", "FY2024Q1", seed=1)
    load(engine, tmp_path, "q1b", "FY2024Q1", service=OTHER, seed=2)
    assert dirty(engine) == {(2024, 1, SERVICE, "computer"), (2024, 1, OTHER[1], "computer")}
    compute(engine, CATALOGUE)
    assert dirty(engine) == set()

    load(engine, tmp_path, "q2a", "FY2024Q2", seed=3)
    assert dirty(engine) == {(2024, 2, SERVICE, "computer")}  # the new file's cell alone
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(SurveyCellMoment)
                              .where(SurveyCellMoment.cell_id.in_(select(SurveyCell.id).where(
                                  SurveyCell.fiscal_quarter == 1)))).scalar_one()
    with engine.begin() as conn:
        assert cell_aggregates.refresh(conn) == 1
    compute(engine, CATALOGUE)
    incremental = results(engine)
    with engine.connect() as conn:  # the untouched quarter's aggregates were left as they were
        after = conn.execute(select(func.count()).select_from(SurveyCellMoment)
                             .where(SurveyCellMoment.cell_id.in_(select(SurveyCell.id).where(
                                 SurveyCell.fiscal_quarter == 1)))).scalar_one()
    assert before == after > 0
    assert {r[0] for r in incremental["measure_result"]} == {"m1"}
    assert {(r[4], r[5]) for r in incremental["measure_result"]} == {(2024, 1), (2024, 2)}
    assert from_scratch(engine) == incremental


def test_a_corrected_file_moving_responses_to_another_channel_recounts_both_cells(engine, tmp_path):
    load(engine, tmp_path, "up", "FY2024Q1", channel="computer")
    compute(engine, CATALOGUE)
    load(engine, tmp_path, "up", "FY2024Q1", channel="phone")  # the same responses, now by phone
    assert dirty(engine) == {(2024, 1, SERVICE, "computer"), (2024, 1, SERVICE, "phone")}
    compute(engine, CATALOGUE)
    counts = queries.survey_counts(engine)
    assert set(counts["channel"]) == {"phone"}  # nothing left counted under the old channel
    assert counts.loc[counts["question"] == "trust", [f"n_{k}" for k in range(1, 6)]].to_numpy().sum() == 91
    assert from_scratch(engine) == results(engine)


def test_a_compute_that_dies_part_way_leaves_its_cells_for_the_next(engine, tmp_path, monkeypatch):
    load(engine, tmp_path, "q1", "FY2024Q1", seed=1)
    compute(engine, CATALOGUE)
    load(engine, tmp_path, "q2", "FY2024Q2", seed=2)

    def dies(*_args):  # the process is killed after the counts, before the moments are stored
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(cell_aggregates, "_store_moments", dies)
        with pytest.raises(KeyboardInterrupt):
            compute(engine, CATALOGUE)
    assert dirty(engine) == {(2024, 2, SERVICE, "computer")}
    with engine.connect() as conn:  # nothing of the dead run's work was kept
        assert conn.execute(select(func.count()).select_from(SurveyCellCount).join(
            SurveyCell, SurveyCell.id == SurveyCellCount.cell_id).where(SurveyCell.fiscal_quarter == 2)).scalar_one() == 0
    compute(engine, CATALOGUE)
    assert dirty(engine) == set()
    assert {(r[4], r[5]) for r in results(engine)["measure_result"]} == {(2024, 1), (2024, 2)}
    assert from_scratch(engine) == results(engine)
