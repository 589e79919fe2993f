"""Incremental compute: a load marks the counting cells it changes, compute refreshes only those
cells' aggregates, and the result equals a computation from scratch (SQLite and PostgreSQL)."""
from __future__ import annotations

import importlib
import types

import pandas as pd
import pytest
from sqlalchemy import func, select, update

from cxdash import indicators
from cxdash.compute import compute
from cxdash.db import cell_aggregates, queries
from cxdash.db.models import (
    DriverResult,
    IndicatorValue,
    MeasureResult,
    ScoreCell,
    SegmentResult,
    SurveyCell,
    SurveyCellCount,
    SurveyCellMoment,
    TrendResult,
)
from cxdash.loaders import a11_responses, cases

from .boston import BOSTON, MAPPING, read_raw
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
    report = compute(engine, CATALOGUE)
    # the rolling years ending in FY2024 Q1 (overall, the provider, each service) hold no new cell
    assert report.driver_windows_kept >= 3 and "unchanged rolling years kept" in report.summary()
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


def test_a_compute_killed_after_recounting_leaves_its_windows_to_be_refitted(engine, tmp_path, monkeypatch):
    """The recount commits before the results do: a computation killed in between leaves cells
    recounted by a run that never committed, and the next refits every window holding them."""
    load(engine, tmp_path, "q1", "FY2024Q1", seed=1)
    compute(engine, CATALOGUE)
    load(engine, tmp_path, "q2", "FY2024Q2", seed=2)

    def dies(*_args, **_kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(queries, "replace_computed", dies)
        with pytest.raises(KeyboardInterrupt):
            compute(engine, CATALOGUE)
    assert dirty(engine) == set()  # recounted and committed, but no results from it
    assert {(r[2], r[3]) for r in results(engine)["driver_result"]} == {(2024, 1)}  # year, quarter
    report = compute(engine, CATALOGUE)
    assert report.recounted == 0 and report.driver_windows_kept > 0
    assert {(r[2], r[3]) for r in results(engine)["driver_result"]} == {(2024, 1), (2024, 2)}
    assert from_scratch(engine) == results(engine)


def test_changed_settings_refit_every_window(engine, tmp_path):
    load(engine, tmp_path, "q1", "FY2024Q1", seed=1)
    compute(engine, CATALOGUE)
    assert compute(engine, CATALOGUE).driver_windows_kept > 0  # nothing changed: every window kept
    stricter = CATALOGUE.model_copy(update={"settings": CATALOGUE.settings.model_copy(update={"alpha": 0.01})})
    assert compute(engine, stricter).driver_windows_kept == 0


# --- operational indicators: kept while nothing under them changes --------------------------------

def indicator_table(engine) -> list[tuple]:
    return results_of(engine, IndicatorValue)


def results_of(engine, model) -> list[tuple]:
    columns = [c for c in model.__table__.columns if c.name not in ("id", "computed_at")]
    with engine.connect() as conn:
        return sorted((tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                       for row in conn.execute(select(*columns))), key=repr)


def test_a_survey_load_keeps_the_case_indicators_and_a_case_load_recomputes_them(engine, tmp_path):
    boston = read_raw()
    first = boston[boston["created"] < "2019-03-01"]
    columns = list(pd.read_csv(BOSTON, nrows=0).columns)
    first[columns].to_csv(tmp_path / "cases-1.csv", index=False)
    cases.load(engine, tmp_path / "cases-1.csv", MAPPING)
    load(engine, tmp_path, "q1", "FY2023Q1")
    report = compute(engine, CATALOGUE)
    assert not report.indicators_kept and report.indicators > 0
    computed = indicator_table(engine)
    # every case created is counted once in the finest cells (an independent pandas count)
    finest = [r for r in computed if r[0] == "volume" and "all" not in r[3:7]]
    assert sum(r[8] for r in finest) == len(first)

    load(engine, tmp_path, "q2", "FY2023Q2", seed=2)  # survey answers only
    report = compute(engine, CATALOGUE)
    assert report.indicators_kept and "kept" in report.summary()
    assert indicator_table(engine) == computed
    survey_only = results(engine)
    assert compute(engine, CATALOGUE, full=True).indicators_kept is False  # --full recomputes everything...
    assert indicator_table(engine) == computed and results(engine) == survey_only  # ...to the same answer

    boston[columns].to_csv(tmp_path / "cases-2.csv", index=False)  # the whole sample: more cases
    cases.load(engine, tmp_path / "cases-2.csv", MAPPING)
    report = compute(engine, CATALOGUE)
    assert not report.indicators_kept
    finest = [r for r in indicator_table(engine) if r[0] == "volume" and "all" not in r[3:7]]
    assert sum(r[8] for r in finest) == len(boston)


def test_the_indicators_fingerprint_covers_the_code_that_computes_them():
    """Every cxdash module the indicator modules use is in CODE, so changing one of them (an
    upgrade) recomputes the indicators instead of keeping stale ones."""
    used = set()
    for name in (*indicators.MODULES, "cxdash.indicators.common"):
        for value in vars(importlib.import_module(name)).values():
            module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
            if isinstance(module, str) and module.startswith("cxdash.") and module != "cxdash.indicators":
                used.add(module)
    assert used and used <= set(indicators.CODE), used - set(indicators.CODE)
