"""A measure's quarterly series: change only against the immediately preceding quarter of the
same scope, never across a gap or a suppressed quarter."""
import pandas as pd
import pytest

from cxdash.metrics.measures import quarterly_series

from .independent import two_proportion_p


def _cell(scope, year, quarter, agree, disagree):
    return {"scope": scope, "fiscal_year": year, "fiscal_quarter": quarter, "question": "trust", "scale": "5pt",
            "n_1": disagree, "n_2": 0, "n_3": 0, "n_4": agree, "n_5": 0}


def test_change_needs_the_previous_quarter_of_the_same_scope():
    counts = pd.DataFrame([
        _cell("A", 2022, 1, 60, 40),   # FY2022 Q1
        _cell("A", 2022, 3, 70, 30),   # Q2 missing: no change for Q3
        _cell("A", 2022, 4, 90, 10),   # vs Q3
        _cell("A", 2023, 1, 10, 10),   # n = 20 < 30: suppressed
        _cell("A", 2023, 2, 50, 50),   # previous suppressed: no change
        _cell("B", 2022, 2, 50, 50),   # another scope: never compared with A
    ])
    series = quarterly_series(counts, "pct_agree", min_n=30, alpha=0.05, keys=["scope"])
    a = series[series.scope == "A"].set_index(["fiscal_year", "fiscal_quarter"])
    assert pd.isna(a.loc[(2022, 1), "change"]) and pd.isna(a.loc[(2022, 3), "change"])
    assert a.loc[(2022, 4), "change"] == pytest.approx(0.2)
    assert a.loc[(2022, 4), "p_value"] == pytest.approx(two_proportion_p(90, 100, 70, 100))
    assert a.loc[(2022, 4), "significant"] == True  # noqa: E712 (a numpy/object cell)
    assert a.loc[(2023, 1), "suppressed"] and pd.isna(a.loc[(2023, 1), "value"]) and a.loc[(2023, 1), "n"] == 20
    assert pd.isna(a.loc[(2023, 2), "change"])
    b = series[series.scope == "B"]
    assert len(b) == 1 and pd.isna(b.iloc[0]["change"])


def test_wrapping_the_fiscal_year_counts_as_consecutive():
    counts = pd.DataFrame([_cell("A", 2022, 4, 50, 50), _cell("A", 2023, 1, 60, 40)])
    series = quarterly_series(counts, "pct_agree", min_n=30, alpha=0.05)
    assert series.iloc[1]["change"] == pytest.approx(0.1)


def test_mean_series_has_a_t_interval_around_the_exact_mean():
    from scipy import stats
    counts = pd.DataFrame([_cell("A", 2023, 1, 30, 10)])  # 10 answers of 1, 30 of 4
    row = quarterly_series(counts, "mean", min_n=30, alpha=0.05).iloc[0]
    values = [1] * 10 + [4] * 30
    low, high = stats.t.interval(0.95, len(values) - 1, loc=stats.tmean(values), scale=stats.sem(values))
    assert row["value"] == 3.25 and row["ci_low"] == pytest.approx(low) and row["ci_high"] == pytest.approx(high)
