"""QoQ, YoY and trend of a % agree score, checked against textbook formulas written out here and
against a direct pandas computation on the real A-11 quarterly file."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import norm

from cxdash.metrics.trends import COLUMNS, change_sentence, trend_table

from .conftest import QUARTERLY
from .independent import two_proportion_p


def cochran_armitage(t, x, n) -> tuple[float, float, int]:
    """Textbook Cochran-Armitage trend test: (z, two-sided p, N).

    T = sum t_i (x_i - n_i p), Var = p(1-p) [sum n_i t_i^2 - (sum n_i t_i)^2 / N], z = T / sqrt(Var).
    """
    t, x, n = (np.asarray(a, dtype=float) for a in (t, x, n))
    total = n.sum()
    p = x.sum() / total
    stat = (t * (x - n * p)).sum()
    var = p * (1 - p) * ((n * t * t).sum() - (n * t).sum() ** 2 / total)
    z = stat / math.sqrt(var)
    return z, 2 * norm.sf(abs(z)), int(total)


def linear_by_linear_p(t, x, n) -> float:
    """The same test with the exact permutation variance (N - 1 in place of N), as statsmodels'
    linear-by-linear association computes it: z_M = z_CA * sqrt((N - 1) / N) (Agresti, 2.9.1)."""
    z, _, total = cochran_armitage(t, x, n)
    return 2 * norm.sf(abs(z) * math.sqrt((total - 1) / total))


def wls_slope(t, x, n) -> float:
    """n-weighted least-squares slope of agree/n on quarter index, from statsmodels WLS."""
    t, x, n = (np.asarray(a, dtype=float) for a in (t, x, n))
    return sm.WLS(x / n, sm.add_constant(t), weights=n).fit().params[1]


def series(quarters: list[str], agree: list[int], n: list[int], **keys) -> pd.DataFrame:
    """Counts for one series; quarters like 'FY2022Q1'."""
    years = [int(q[2:6]) for q in quarters]
    numbers = [int(q[-1]) for q in quarters]
    return pd.DataFrame({**keys, "fiscal_year": years, "fiscal_quarter": numbers,
                         "agree": agree, "n": n})


SIX = ["FY2022Q1", "FY2022Q2", "FY2022Q3", "FY2022Q4", "FY2023Q1", "FY2023Q2"]


def test_rising_series_is_up_and_every_prefix_matches_the_hand_formula():
    agree, n = [200, 215, 230, 250, 262, 280], [400] * 6
    out = trend_table(series(SIX, agree, n, service="s"), ["service"])
    t = np.arange(6)
    for m in range(3, 7):
        row = out.iloc[m - 1]
        assert row.trend_quarters == m
        assert row.trend_p == pytest.approx(linear_by_linear_p(t[:m], agree[:m], n[:m]), rel=1e-9)
        assert row.trend_slope == pytest.approx(wls_slope(t[:m], agree[:m], n[:m]), rel=1e-9)
    last = out.iloc[-1]
    assert last.trend_direction == "up" and last.trend_significant is True and last.trend_slope > 0
    # with N = 2,400 the textbook variance (N) and the exact one (N - 1) agree closely
    assert last.trend_p == pytest.approx(cochran_armitage(t, agree, n)[1], rel=1e-2)


def test_falling_series_is_down():
    agree, n = [300, 280, 262, 250, 230, 215], [400] * 6
    last = trend_table(series(SIX, agree, n, service="s"), ["service"]).iloc[-1]
    assert last.trend_p == pytest.approx(linear_by_linear_p(range(6), agree, n), rel=1e-9)
    assert (last.trend_direction, last.trend_significant) == ("down", True)


def test_flat_noisy_series_has_no_clear_trend():
    agree, n = [205, 195, 210, 190, 203, 198], [400] * 6
    last = trend_table(series(SIX, agree, n, service="s"), ["service"]).iloc[-1]
    expected = linear_by_linear_p(range(6), agree, n)
    assert expected > 0.05
    assert last.trend_p == pytest.approx(expected, rel=1e-9)
    assert last.trend_significant is False and last.trend_direction == "no clear trend"


def test_gaps_keep_their_spacing_and_suppressed_quarters_are_skipped():
    # FY2022Q3 is missing, FY2023Q1 is suppressed (n < 30): the trend uses quarter indices 0, 1, 3, 5
    quarters = ["FY2022Q1", "FY2022Q2", "FY2022Q4", "FY2023Q1", "FY2023Q2"]
    agree, n = [200, 230, 210, 5, 300], [400, 400, 400, 20, 400]
    out = trend_table(series(quarters, agree, n, service="s"), ["service"])
    kept = [0, 1, 2, 4]
    real_index = [0, 1, 3, 5]
    expected = linear_by_linear_p(real_index, [agree[i] for i in kept], [n[i] for i in kept])
    squeezed = linear_by_linear_p(range(4), [agree[i] for i in kept], [n[i] for i in kept])
    assert abs(expected - squeezed) > 1e-3 * expected  # the spacing matters for this series
    last = out.iloc[-1]
    assert last.trend_quarters == 4
    assert last.trend_p == pytest.approx(expected, rel=1e-9)
    assert last.trend_slope == pytest.approx(
        wls_slope(real_index, [agree[i] for i in kept], [n[i] for i in kept]), rel=1e-9)

    suppressed = out.iloc[3]
    assert suppressed.suppressed and math.isnan(suppressed.value)
    assert math.isnan(suppressed.qoq_change) and suppressed.qoq_significant is None
    assert math.isnan(suppressed.yoy_change) and suppressed.yoy_significant is None
    assert suppressed.trend_quarters == 3  # the unsuppressed quarters up to it
    # FY2023Q2 follows a suppressed quarter: no QoQ; FY2022Q4 follows a missing one: no QoQ
    assert math.isnan(last.qoq_change) and last.qoq_p != last.qoq_p and last.qoq_significant is None
    assert math.isnan(out.iloc[2].qoq_change)
    # FY2023Q2 vs FY2022Q2 (both shown): a year-over-year change exists
    assert last.yoy_change == pytest.approx(300 / 400 - 230 / 400)


def test_fewer_than_min_quarters_leave_the_trend_empty():
    agree, n = [200, 215, 230, 250], [400] * 4
    out = trend_table(series(SIX[:4], agree, n, service="s"), ["service"], min_quarters=4)
    for row in out.iloc[:3].itertuples():
        assert math.isnan(row.trend_slope) and math.isnan(row.trend_p)
        assert row.trend_significant is None and row.trend_direction is None
    assert out.trend_quarters.tolist() == [1, 2, 3, 4]
    assert out.iloc[3].trend_p == pytest.approx(linear_by_linear_p(range(4), agree, n), rel=1e-9)
    with pytest.raises(ValueError):
        trend_table(series(SIX[:4], agree, n, service="s"), ["service"], min_quarters=1)


def test_suppressed_quarters_are_never_compared_and_never_enter_the_trend():
    agree, n = [20, 215, 15, 250, 262, 280], [29, 400, 25, 400, 400, 400]
    out = trend_table(series(SIX, agree, n, service="s"), ["service"])
    assert out.suppressed.tolist() == [True, False, True, False, False, False]
    assert out.value.isna().tolist() == [True, False, True, False, False, False]
    assert out.qoq_change.isna().tolist() == [True, True, True, True, False, False]
    assert out.yoy_change.isna().tolist() == [True] * 4 + [True, False]  # FY2023Q1 vs suppressed FY2022Q1
    assert out.trend_quarters.tolist() == [0, 1, 1, 2, 3, 4]
    shown = [1, 3, 4, 5]
    assert out.iloc[-1].trend_p == pytest.approx(
        linear_by_linear_p(shown, [agree[i] for i in shown], [n[i] for i in shown]), rel=1e-9)


def test_qoq_and_yoy_p_values_match_the_pooled_z_test_and_keys_do_not_mix():
    a = series(["FY2022Q1", "FY2022Q2", "FY2022Q3", "FY2022Q4", "FY2023Q1"],
               [620, 640, 600, 655, 700], [1000, 1000, 980, 1010, 1050], service="a")
    b = series(["FY2022Q3", "FY2023Q1"], [100, 150], [200, 200], service="b")  # no FY2022Q4 for b
    out = trend_table(pd.concat([b, a]), ["service"]).set_index(["service", "fiscal_year", "fiscal_quarter"])
    now = out.loc[("a", 2023, 1)]
    # QoQ across the fiscal year boundary: FY2023 Q1 (Oct-Dec 2022) vs FY2022 Q4 (Jul-Sep 2022)
    assert now.qoq_change == pytest.approx(700 / 1050 - 655 / 1010)
    assert now.qoq_p == pytest.approx(two_proportion_p(700, 1050, 655, 1010), rel=1e-9)
    assert now.qoq_significant is bool(two_proportion_p(700, 1050, 655, 1010) < 0.05)
    # YoY: the same fiscal quarter a year earlier
    assert now.yoy_change == pytest.approx(700 / 1050 - 620 / 1000)
    assert now.yoy_p == pytest.approx(two_proportion_p(700, 1050, 620, 1000), rel=1e-9)
    assert now.yoy_significant is True
    q2 = out.loc[("a", 2022, 2)]
    assert q2.qoq_p == pytest.approx(two_proportion_p(640, 1000, 620, 1000), rel=1e-9)
    assert q2.qoq_significant is False
    other = out.loc[("b", 2023, 1)]
    assert math.isnan(other.qoq_change) and math.isnan(other.yoy_change)  # a's quarters are not b's


def test_output_columns_and_order():
    shuffled = pd.concat([
        series(["FY2023Q1", "FY2022Q4"], [60, 50], [100, 100], provider="p", channel="phone"),
        series(["FY2022Q4", "FY2023Q1"], [70, 65], [100, 100], provider="p", channel="email"),
    ])
    out = trend_table(shuffled, ["provider", "channel"])
    assert list(out.columns) == ["provider", "channel"] + COLUMNS
    assert list(out.columns) == ["provider", "channel", "fiscal_year", "fiscal_quarter", "agree", "n", "value",
                                 "suppressed", "qoq_change", "qoq_p", "qoq_significant", "yoy_change", "yoy_p",
                                 "yoy_significant", "trend_quarters", "trend_slope", "trend_p",
                                 "trend_significant", "trend_direction"]
    assert list(zip(out.channel, out.fiscal_year, out.fiscal_quarter)) == [
        ("email", 2022, 4), ("email", 2023, 1), ("phone", 2022, 4), ("phone", 2023, 1)]
    assert out.value.tolist() == pytest.approx([0.70, 0.65, 0.50, 0.60])


def test_all_agree_throughout_is_no_clear_trend_and_duplicates_are_rejected():
    out = trend_table(series(SIX[:4], [50, 60, 70, 80], [50, 60, 70, 80], service="s"), ["service"])
    assert out.iloc[-1].trend_p == 1.0 and out.iloc[-1].trend_direction == "no clear trend"
    assert out.iloc[-1].trend_slope == pytest.approx(0.0, abs=1e-12)
    twice = series(["FY2022Q1", "FY2022Q1"], [10, 20], [40, 40], service="s")
    with pytest.raises(ValueError):
        trend_table(twice, ["service"])


VBA_CONTACT_CENTRE = 26  # attributes_service_id: Contacting the Benefits Administration contact center


@pytest.fixture(scope="module")
def vba_trust():
    """Trust (question 2) for the VBA contact center, all channels summed, straight from the CSV."""
    raw = pd.read_csv(QUARTERLY)
    raw = raw[raw.attributes_service_id == VBA_CONTACT_CENTRE]
    points = [f"attributes_q2_{k}" for k in range(1, 6)]
    raw = raw.assign(agree=raw.attributes_q2_4 + raw.attributes_q2_5, n=raw[points].sum(axis=1))
    direct = raw.groupby(["attributes_collection_year", "attributes_collection_quarter"])[["agree", "n"]].sum()
    counts = direct.reset_index().rename(columns={"attributes_collection_year": "fiscal_year",
                                                  "attributes_collection_quarter": "fiscal_quarter"})
    counts["service"] = "VBA contact center"
    return direct, trend_table(counts, ["service"])


def test_real_data_value_qoq_and_yoy_match_a_direct_pandas_computation(vba_trust):
    direct, out = vba_trust
    assert len(out) == len(direct) == 9  # FY2021 Q1 - FY2023 Q1
    checked = {"qoq": 0, "yoy": 0}
    for row in out.itertuples():
        agree, n = direct.loc[(row.fiscal_year, row.fiscal_quarter)]
        assert n >= 30 and row.value == pytest.approx(agree / n, rel=1e-12)
        year, quarter = row.fiscal_year, row.fiscal_quarter
        earlier = {"qoq": (year - 1, 4) if quarter == 1 else (year, quarter - 1), "yoy": (year - 1, quarter)}
        for name, key in earlier.items():
            change, p_value = getattr(row, f"{name}_change"), getattr(row, f"{name}_p")
            if key not in direct.index:
                assert math.isnan(change)
                continue
            agree_before, n_before = direct.loc[key]
            assert change == pytest.approx(agree / n - agree_before / n_before, rel=1e-12)
            assert p_value == pytest.approx(two_proportion_p(agree, n, agree_before, n_before), rel=1e-6)
            checked[name] += 1
    assert checked == {"qoq": 8, "yoy": 5}
    t = direct.index.get_level_values(0) * 4 + direct.index.get_level_values(1)
    assert out.iloc[-1].trend_p == pytest.approx(linear_by_linear_p(t - t.min(), direct.agree, direct.n), rel=1e-6)
    assert out.iloc[-1].trend_slope == pytest.approx(wls_slope(t, direct.agree, direct.n), rel=1e-9)


def test_sentences_never_call_a_non_significant_change_up_or_down_unqualified(vba_trust):
    _, out = vba_trust
    pattern = re.compile(r"(?:up|down) [\d.]+ points? on (FY\d{4} Q\d) \((not significant|significant)")
    for row in out.to_dict("records"):
        sentence = change_sentence(row, "Trust")
        found = pattern.findall(sentence)
        expected = [(f"FY{row['fiscal_year'] - (row['fiscal_quarter'] == 1)} Q{(row['fiscal_quarter'] - 2) % 4 + 1}",
                     row["qoq_significant"]), (f"FY{row['fiscal_year'] - 1} Q{row['fiscal_quarter']}",
                                               row["yoy_significant"])]
        expected = [(q, "significant" if s else "not significant") for q, s in expected if s is not None]
        assert found == expected, sentence


EXAMPLE = {"fiscal_year": 2023, "fiscal_quarter": 1, "n": 5000, "value": 0.632, "suppressed": False,
           "qoq_change": 0.019, "qoq_p": 0.2104, "qoq_significant": False,
           "yoy_change": -0.040, "yoy_p": 0.0031, "yoy_significant": True,
           "trend_quarters": 9, "trend_slope": 0.001, "trend_p": 0.3512, "trend_significant": False,
           "trend_direction": "no clear trend"}


def test_sentence_for_significant_and_non_significant_changes():
    assert change_sentence(EXAMPLE, "Trust") == (
        "Trust was 63.2% in FY2023 Q1, up 1.9 points on FY2022 Q4 (not significant, p = 0.21) and down 4.0 "
        "points on FY2022 Q1 (significant, p = 0.003); over 9 quarters there is no clear trend (p = 0.35).")
    rising = {**EXAMPLE, "trend_direction": "up", "trend_significant": True, "trend_slope": 0.0052,
              "trend_p": 0.00002, "qoq_change": -0.0004, "qoq_p": 0.97}
    assert change_sentence(pd.Series(rising), "Ease") == (
        "Ease was 63.2% in FY2023 Q1, level with FY2022 Q4 (not significant, p = 0.97) and down 4.0 points on "
        "FY2022 Q1 (significant, p = 0.003); over 9 quarters the trend is up, about 0.5 points a quarter "
        "(significant, p < 0.001).")


def test_sentence_for_missing_comparisons_suppression_and_too_few_quarters():
    no_history = {**EXAMPLE, "qoq_change": float("nan"), "qoq_p": float("nan"), "qoq_significant": None,
                  "yoy_change": None, "yoy_p": None, "yoy_significant": None,
                  "trend_quarters": 1, "trend_slope": float("nan"), "trend_p": float("nan"),
                  "trend_significant": None, "trend_direction": None}
    assert change_sentence(no_history, "Trust") == (
        "Trust was 63.2% in FY2023 Q1, with no figure for FY2022 Q4 or FY2022 Q1 to compare; "
        "there are too few quarters (1) for a trend test.")
    only_yoy_missing = {**EXAMPLE, "yoy_change": float("nan"), "yoy_p": float("nan"), "yoy_significant": None}
    assert change_sentence(only_yoy_missing, "Trust").startswith(
        "Trust was 63.2% in FY2023 Q1, up 1.9 points on FY2022 Q4 (not significant, p = 0.21), "
        "with no figure for FY2022 Q1 to compare;")
    suppressed = {**no_history, "value": float("nan"), "n": 12, "suppressed": True}
    assert change_sentence(suppressed, "Trust") == "Trust in FY2023 Q1 is suppressed (n < 30)."
    assert "63.2" not in change_sentence({**suppressed, "value": 0.632}, "Trust")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_prefix_matches_statsmodels_linear_by_linear_association(seed):
    """The running-sum computation against statsmodels' own test, prefix by prefix, on random
    series with small and large n (zeros included)."""
    from statsmodels.stats.contingency_tables import Table
    rng = np.random.default_rng(seed)
    quarters = [f"FY{2019 + i // 4}Q{i % 4 + 1}" for i in range(12)]
    n = rng.integers(1, 5000, len(quarters))
    agree = rng.binomial(n, rng.uniform(0.2, 0.9))
    agree[0] = 0
    out = trend_table(series(quarters, list(agree), list(n), service="s"), ["service"], min_n=1)
    t = np.arange(len(quarters), dtype=float)
    for m in range(3, len(quarters) + 1):
        table = np.column_stack([n[:m] - agree[:m], agree[:m]]).astype(float)
        expected = Table(table, shift_zeros=False).test_ordinal_association(row_scores=t[:m],
                                                                             col_scores=np.array([0.0, 1.0]))
        row = out.iloc[m - 1]
        assert row.trend_p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
        assert row.trend_slope == pytest.approx(wls_slope(t[:m], agree[:m], n[:m]), rel=1e-9)
