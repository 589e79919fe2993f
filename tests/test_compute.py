"""Computed scores and measure results, checked against pandas run directly on the real CSV."""
from __future__ import annotations

import pandas as pd
import pytest

from cxdash.compute import compute
from cxdash.db import queries
from cxdash.loaders import a11_quarterly

from .independent import two_proportion_p, wilson


@pytest.fixture
def computed(engine, catalogue, real_quarterly_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    compute(engine, catalogue)
    return engine


@pytest.fixture(scope="module")
def raw(real_quarterly_path):
    """The real file read straight with pandas: the independent side of every comparison."""
    frame = pd.read_csv(real_quarterly_path)
    frame["service"] = frame["attributes_service_name"].str.split().str.join(" ")
    return frame


def _agree_n(frame, q):
    agree = (frame[f"attributes_q{q}_4"] + frame[f"attributes_q{q}_5"]).sum()
    n = sum(frame[f"attributes_q{q}_{k}"].sum() for k in range(1, 6))
    return int(agree), int(n)


def test_measure_value_interval_change_and_status(computed, catalogue, raw):
    vba = raw[raw.service == "Contacting the Benefits Administration contact center"]
    now = vba[(vba.attributes_collection_year == 2023) & (vba.attributes_collection_quarter == 1)]
    before = vba[(vba.attributes_collection_year == 2022) & (vba.attributes_collection_quarter == 4)]
    (x1, n1), (x2, n2) = _agree_n(now, 2), _agree_n(before, 2)
    results = queries.measure_results(computed, measure_ids=["vba-contact-trust"])
    row = results[(results.fiscal_year == 2023) & (results.fiscal_quarter == 1)].iloc[0]
    assert row.n == n1
    assert row.value == pytest.approx(x1 / n1)
    low, high = wilson(x1, n1)
    assert (row.ci_low, row.ci_high) == (pytest.approx(low), pytest.approx(high))
    assert row.change == pytest.approx(x1 / n1 - x2 / n2)
    assert row.p_value == pytest.approx(two_proportion_p(x1, n1, x2, n2), rel=1e-6)
    assert bool(row.significant) is bool(row.p_value < 0.05)
    target = catalogue.measure("vba-contact-trust").targets["FY2023"]
    assert row.target == target
    expected = "on_track" if x1 / n1 >= target else ("at_risk" if x1 / n1 >= target - 0.03 else "off_track")
    assert row.status == expected


def test_measure_scoped_to_one_channel(computed, raw):
    vba = raw[(raw.service == "Contacting the Benefits Administration contact center")
              & (raw.attributes_collection_year == 2022) & (raw.attributes_collection_quarter == 2)
              & (raw.attributes_channel == "email")]
    x, n = _agree_n(vba, 2)
    results = queries.measure_results(computed, channel="email", measure_ids=["vba-contact-trust"])
    row = results[(results.fiscal_year == 2022) & (results.fiscal_quarter == 2)].iloc[0]
    assert (row.n, row.value) == (n, pytest.approx(x / n))


def test_mean_measure_is_the_published_point_scale(computed, raw):
    irs = raw[(raw.service == "Filing an individual tax return") & (raw.attributes_collection_year == 2023)
              & (raw.attributes_collection_quarter == 1)]
    counts = [int(irs[f"attributes_q1_{k}"].sum()) for k in range(1, 6)]
    mean = sum(k * c for k, c in zip(range(1, 6), counts)) / sum(counts)
    results = queries.measure_results(computed, measure_ids=["irs-filing-satisfaction"])
    row = results[(results.fiscal_year == 2023) & (results.fiscal_quarter == 1)].iloc[0]
    assert row.value == pytest.approx(round(mean + 1e-12, 2))
    assert row.ci_low < mean < row.ci_high


def test_score_rollups_equal_sums_over_the_raw_rows(computed, raw):
    table = queries.scores(computed, 2022, 3)
    ssa = raw[(raw.attributes_service_provider_name == "Social Security Administration")
              & (raw.attributes_collection_year == 2022) & (raw.attributes_collection_quarter == 3)]
    x, n = _agree_n(ssa, 1)
    row = table[(table.provider == "Social Security Administration") & (table.service == "all")
                & (table.channel == "all") & (table.stage == "all") & (table.question == "satisfaction")].iloc[0]
    assert (row.n, row.pct_agree) == (n, pytest.approx(x / n))
    everyone = raw[(raw.attributes_collection_year == 2022) & (raw.attributes_collection_quarter == 3)]
    x_all, n_all = _agree_n(everyone, 2)
    total = table[(table.provider == "all") & (table.channel == "all") & (table.stage == "all") & (table.question == "trust")]
    assert len(total) == 1 and total.iloc[0].n == n_all and total.iloc[0].pct_agree == pytest.approx(x_all / n_all)


def test_cells_below_minimum_n_are_suppressed(computed, raw):
    table = queries.scores(computed)
    small = table[table.n < 30]
    assert len(small) > 0
    assert small.suppressed.all()
    assert small[["mean", "pct_agree", "ci_low", "ci_high"]].isna().all().all()
    assert not table[table.n >= 30].suppressed.any()


def test_compute_twice_gives_the_same_rows(computed, catalogue):
    first = queries.scores(computed)
    compute(computed, catalogue)
    second = queries.scores(computed)
    pd.testing.assert_frame_equal(first, second)
