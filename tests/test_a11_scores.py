"""A-11 scores from counts, checked against the published figures and independent formulas."""
from __future__ import annotations

import csv
import math
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from cxdash.db.models import A11QuarterlyCount
from cxdash.loaders import a11_quarterly
from cxdash.metrics.a11_scores import published_point_scale, rollup, score_counts

from .independent import wilson


def test_published_point_scale_for_every_row_and_question_of_the_real_file(engine, catalogue, real_quarterly_path):
    """Loaded counts reproduce performance.gov's published mean for all 2,962 questions asked."""
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    with engine.connect() as conn:
        stored = pd.DataFrame(conn.execute(select(
            A11QuarterlyCount.record_key, A11QuarterlyCount.question_no, A11QuarterlyCount.n_1, A11QuarterlyCount.n_2,
            A11QuarterlyCount.n_3, A11QuarterlyCount.n_4, A11QuarterlyCount.n_5)).all(),
            columns=["record_key", "question_no", "n_1", "n_2", "n_3", "n_4", "n_5"])
    stored["scale"] = "5pt"
    scored = score_counts(stored, min_n=1)
    computed = {(r.record_key, int(r.question_no)): Decimal(f"{r.mean:.2f}") for r in scored.itertuples()}
    published = {}
    with open(real_quarterly_path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            for q in range(1, 12):
                if row[f"attributes_q{q}_point_scale"].strip():
                    published[(row["id"], q)] = Decimal(row[f"attributes_q{q}_point_scale"])
    assert len(published) == len(computed) == 2962
    mismatches = {k: (computed.get(k), v) for k, v in published.items() if computed.get(k) != v}
    assert mismatches == {}


def test_half_up_rounding_matters_where_pythons_round_would_differ(real_quarterly_path):
    """Python's round() (half to even, on floats) gets some published figures wrong; ours does not."""
    differ = 0
    with open(real_quarterly_path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            for q in range(1, 12):
                text = row[f"attributes_q{q}_point_scale"].strip()
                if not text:
                    continue
                counts = [int(float(row[f"attributes_q{q}_{k}"])) for k in range(1, 6)]
                assert published_point_scale(counts) == Decimal(text)
                naive = round(sum(k * c for k, c in zip(range(1, 6), counts)) / sum(counts), 2)
                differ += Decimal(f"{naive:.2f}") != Decimal(text)
    assert differ == 10


def test_percent_agree_wilson_interval_and_mean_against_hand_formulas():
    frame = pd.DataFrame([{"question": "trust", "scale": "5pt", "n_1": 10, "n_2": 15, "n_3": 25, "n_4": 80, "n_5": 70}])
    row = score_counts(frame).iloc[0]
    n, agree = 200, 150
    assert row.n == n and row.agree == agree
    assert row.pct_agree == pytest.approx(0.75)
    low, high = wilson(agree, n)
    assert (row.ci_low, row.ci_high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    mean = (1 * 10 + 2 * 15 + 3 * 25 + 4 * 80 + 5 * 70) / n  # 3.925 -> published 3.93 (half up)
    assert mean == 3.925 and row["mean"] == 3.93
    values = [1] * 10 + [2] * 15 + [3] * 25 + [4] * 80 + [5] * 70
    assert row.sd == pytest.approx(pd.Series(values).std(ddof=1))
    assert not row.suppressed


def test_binary_questions_give_percent_yes_and_no_mean():
    frame = pd.DataFrame([{"question": "trust", "scale": "binary", "n_yes": 45, "n_no": 15}])
    row = score_counts(frame).iloc[0]
    assert (row.n, row.agree) == (60, 45)
    assert row.pct_agree == pytest.approx(0.75)
    assert math.isnan(row["mean"])
    assert row.ci_low == pytest.approx(wilson(45, 60)[0])


def test_small_samples_are_suppressed_not_zero():
    frame = pd.DataFrame([
        {"question": "ease", "scale": "5pt", "n_1": 0, "n_2": 0, "n_3": 0, "n_4": 10, "n_5": 19},  # n = 29
        {"question": "ease", "scale": "5pt", "n_1": 0, "n_2": 0, "n_3": 0, "n_4": 10, "n_5": 20},  # n = 30
    ])
    scored = score_counts(frame, min_n=30)
    small, enough = scored.iloc[0], scored.iloc[1]
    assert small.suppressed and small.n == 29
    assert all(math.isnan(small[c]) for c in ("mean", "pct_agree", "ci_low", "ci_high"))
    assert not enough.suppressed and enough.pct_agree == 1.0
    assert score_counts(frame, min_n=5).suppressed.tolist() == [False, False]


def test_rollup_sums_counts_and_keeps_every_wording():
    frame = pd.DataFrame([
        {"service": "A", "channel": "phone", "question": "trust", "scale": "5pt", "n_1": 1, "n_2": 2, "n_3": 3, "n_4": 4, "n_5": 5,
         "wordings": "I trust A."},
        {"service": "A", "channel": "computer", "question": "trust", "scale": "5pt", "n_1": 10, "n_2": 0, "n_3": 0, "n_4": 0, "n_5": 50,
         "wordings": "This interaction increased my trust in A."},
    ])
    out = rollup(frame, ["service"])
    assert len(out) == 1
    assert out.loc[0, ["n_1", "n_5"]].tolist() == [11, 55]
    assert out.loc[0, "wordings"].split("\n") == ["I trust A.", "This interaction increased my trust in A."]
