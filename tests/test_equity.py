"""Segment gaps to the best-served segment, checked against formulas written out here."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from cxdash.metrics.equity import equity_sentence, largest_gap, segment_gaps
from tests.conftest import QUARTERLY, SAMPLE
from tests.independent import wilson

KEYS = ["attributes_collection_year", "attributes_collection_quarter", "attributes_service_id"]


def z_test_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z test, written out."""
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se
    return 2 * (1 - norm.cdf(abs(z)))


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment, written out: sorted p, (m - i) * p, running max, capped at 1."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p_values[i])
        adjusted[i] = min(1.0, running)
    return adjusted


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(QUARTERLY)


def trust_counts_by_channel(raw: pd.DataFrame) -> pd.DataFrame:
    """agree = n_4 + n_5 and n of question 2 per service, quarter and channel (rows summed)."""
    frame = raw.assign(
        agree=raw["attributes_q2_4"] + raw["attributes_q2_5"],
        n=raw[[f"attributes_q2_{k}" for k in range(1, 6)]].sum(axis=1),
        segment=raw["attributes_channel"],
    )
    return frame.groupby([*KEYS, "segment"], as_index=False)[["agree", "n"]].sum()


def expected_family(raw: pd.DataFrame, year: int, quarter: int, service: int, min_n: int = 30) -> dict:
    """Per-channel pct, the best channel, p-values and Holm-adjusted p-values, from the raw rows."""
    rows = raw[
        raw["attributes_collection_year"].eq(year)
        & raw["attributes_collection_quarter"].eq(quarter)
        & raw["attributes_service_id"].eq(service)
    ]
    per_channel = {}
    for channel, part in rows.groupby("attributes_channel"):
        n = int(sum(part[f"attributes_q2_{k}"].sum() for k in range(1, 6)))
        agree = int(part["attributes_q2_4"].sum() + part["attributes_q2_5"].sum())
        per_channel[channel] = (agree, n)
    shown = {c: (a, n) for c, (a, n) in per_channel.items() if n >= min_n}
    best = max(shown, key=lambda c: (shown[c][0] / shown[c][1], shown[c][1]))
    others = [c for c in shown if c != best]
    p = [z_test_p(*shown[c], *shown[best]) for c in others]
    return {
        "counts": per_channel,
        "best": best,
        "p": dict(zip(others, p)),
        "p_adjusted": dict(zip(others, holm(p))),
    }


def test_real_quarterly_channels_match_pandas_and_hand_formulas(raw):
    counts = trust_counts_by_channel(raw)
    frame = segment_gaps(counts, KEYS)
    for year, quarter, service in [(2022, 4, 6), (2022, 4, 45)]:
        exp = expected_family(raw, year, quarter, service)
        fam = frame[
            frame["attributes_collection_year"].eq(year)
            & frame["attributes_collection_quarter"].eq(quarter)
            & frame["attributes_service_id"].eq(service)
        ].set_index("segment")
        assert set(fam.index) == set(exp["counts"])
        assert len(exp["p"]) >= 2  # several channels: a real multiple comparison
        best_agree, best_n = exp["counts"][exp["best"]]
        assert fam["is_best"].sum() == 1 and fam.loc[exp["best"], "is_best"]
        assert (fam["best_segment"] == exp["best"]).all()
        for channel, (agree, n) in exp["counts"].items():
            row = fam.loc[channel]
            assert (row["agree"], row["n"]) == (agree, n)
            if n < 30:
                assert row["suppressed"] and np.isnan(row["pct"]) and np.isnan(row["p_value"])
                continue
            assert row["pct"] == pytest.approx(agree / n)
            low, high = wilson(agree, n)
            assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low), pytest.approx(high))
            assert row["gap"] == pytest.approx(agree / n - best_agree / best_n)
            if channel == exp["best"]:
                assert np.isnan(row["p_value"]) and not row["significant"]
                continue
            assert row["p_value"] == pytest.approx(exp["p"][channel], rel=1e-9)
            assert row["p_adjusted"] == pytest.approx(exp["p_adjusted"][channel], rel=1e-9)
            assert row["significant"] == (exp["p_adjusted"][channel] < 0.05)
        # pct descending within the family, suppressed (NaN) last
        pcts = fam["pct"].tolist()
        shown = [p for p in pcts if not np.isnan(p)]
        assert shown == sorted(shown, reverse=True)
        assert all(np.isnan(p) for p in pcts[len(shown):])


def test_real_eeoicp_family_suppresses_small_channel_and_names_worst_gap(raw):
    """FY2022 Q4, EEOICP compensation: automated_phone has 26 answers; in_person is best-served."""
    counts = trust_counts_by_channel(raw)
    frame = segment_gaps(counts, KEYS)
    family = {"attributes_collection_year": 2022, "attributes_collection_quarter": 4, "attributes_service_id": 45}
    exp = expected_family(raw, 2022, 4, 45)
    assert exp["counts"]["automated_phone"][1] == 26
    worst_expected = min(
        (c for c in exp["p"] if exp["p_adjusted"][c] < 0.05),
        key=lambda c: exp["counts"][c][0] / exp["counts"][c][1],
    )
    worst = largest_gap(frame, family)
    assert worst["segment"] == worst_expected
    fam = frame[frame["attributes_service_id"].eq(45) & frame["attributes_collection_year"].eq(2022)
                & frame["attributes_collection_quarter"].eq(4)]
    sentence = equity_sentence(fam, "channel", "trust", "FY2022 Q4 (EEOICP compensation)")
    a, n = exp["counts"][worst_expected]
    ba, bn = exp["counts"][exp["best"]]
    gap_points = (ba / bn - a / n) * 100
    assert sentence == (
        f"For trust in FY2022 Q4 (EEOICP compensation), {worst_expected} is {gap_points:.1f} points below "
        f"the best-served channel, {exp['best']} ({a / n * 100:.1f}% vs {ba / bn * 100:.1f}%), a significant gap "
        f"after Holm correction for {len(exp['p'])} comparisons; 1 channel is suppressed (n < 30)."
    )


def test_hand_made_family_pvalues_holm_and_sentence():
    counts = pd.DataFrame({
        "question": "trust",
        "segment": ["A", "B", "C", "D", "E"],
        "agree": [700, 580, 690, 640, 20],
        "n": [1000, 1000, 1000, 1000, 20],
    })
    frame = segment_gaps(counts, ["question"]).set_index("segment")
    assert frame.loc["A", "is_best"] and frame.loc["E", "suppressed"]  # E is 100% but n = 20
    others = ["B", "C", "D"]
    p = [z_test_p(counts.set_index("segment").loc[s, "agree"], 1000, 700, 1000) for s in others]
    for s, p_hand, adj_hand in zip(others, p, holm(p)):
        assert frame.loc[s, "p_value"] == pytest.approx(p_hand, rel=1e-9)
        assert frame.loc[s, "p_adjusted"] == pytest.approx(adj_hand, rel=1e-9)
    assert frame.loc["B", "significant"] and not frame.loc["C", "significant"]
    sentence = equity_sentence(frame.reset_index(), "group", "trust", "FY2022 Q4 (Example service)")
    assert sentence == (
        "For trust in FY2022 Q4 (Example service), B is 12.0 points below the best-served group, A "
        "(58.0% vs 70.0%), a significant gap after Holm correction for 3 comparisons; "
        "1 group is suppressed (n < 30)."
    )
    # another correction: Bonferroni is m * p capped at 1
    bonf = segment_gaps(counts, ["question"], method="bonferroni").set_index("segment")
    for s, p_hand in zip(others, p):
        assert bonf.loc[s, "p_adjusted"] == pytest.approx(min(1.0, 3 * p_hand), rel=1e-9)
    assert "Bonferroni correction for 3 comparisons" in equity_sentence(
        bonf.reset_index(), "group", "trust", "FY2022 Q4")


def test_no_significant_gap_sentence_names_best_and_comparisons():
    counts = pd.DataFrame({"segment": ["X", "Y", "Z"], "agree": [40, 42, 5], "n": [60, 60, 10]})
    frame = segment_gaps(counts, [])
    assert not frame["significant"].any()
    assert largest_gap(frame) is None
    assert equity_sentence(frame, "region", "trust", "FY2023 Q1") == (
        "For trust in FY2023 Q1, no region differs significantly from the best-served region, Y (70.0%), "
        "after Holm correction for 1 comparison; 1 region is suppressed (n < 30)."
    )


def test_segment_of_29_is_suppressed_and_excluded_but_30_counts():
    base = {"family": "f", "segment": ["small", "a", "b", "c"], "agree": [29, 60, 50, 40]}
    at_29 = segment_gaps(pd.DataFrame({**base, "n": [29, 100, 100, 100]}), ["family"]).set_index("segment")
    small = at_29.loc["small"]
    assert small["suppressed"] and not small["is_best"]
    assert small[["pct", "ci_low", "ci_high", "gap", "p_value", "p_adjusted"]].isna().all()
    assert small["note"] == "Suppressed (n < 30)"
    assert at_29.loc["a", "is_best"]
    p = [z_test_p(50, 100, 60, 100), z_test_p(40, 100, 60, 100)]  # two comparisons, not three
    assert at_29.loc[["b", "c"], "p_adjusted"].tolist() == pytest.approx(holm(p), rel=1e-9)

    at_30 = segment_gaps(pd.DataFrame({**base, "agree": [30, 60, 50, 40], "n": [30, 100, 100, 100]}),
                         ["family"]).set_index("segment")
    assert at_30.loc["small", "is_best"] and at_30["p_value"].notna().sum() == 3


def test_family_with_one_unsuppressed_segment_has_no_gaps():
    counts = pd.DataFrame({
        "q": ["t", "t", "t", "u", "u"],
        "segment": ["a", "b", "c", "a", "b"],
        "agree": [30, 10, 5, 30, 40],
        "n": [50, 29, 10, 50, 60],
    })
    frame = segment_gaps(counts, ["q"])
    lone = frame[frame["q"].eq("t")].set_index("segment")
    assert not lone["is_best"].any() and lone["best_segment"].isna().all()
    assert lone[["gap", "p_value", "p_adjusted"]].isna().all().all() and not lone["significant"].any()
    assert lone.loc["a", "pct"] == pytest.approx(0.6)
    assert lone.loc["a", "note"] == "fewer than two segments with n >= 30"
    assert lone.loc["b", "note"] == "Suppressed (n < 30)"
    assert frame[frame["q"].eq("u")]["is_best"].sum() == 1  # the other family is compared as usual
    assert equity_sentence(lone.reset_index(), "group", "trust", "FY2022 Q4") == (
        "For trust in FY2022 Q4, no comparison is possible: fewer than two groups have n >= 30; "
        "2 groups are suppressed (n < 30)."
    )
    with pytest.raises(ValueError):
        equity_sentence(frame, "group", "trust", "all")  # two families at once


def test_lower_is_better_sign_convention():
    # share of cases closed late: lower is better
    counts = pd.DataFrame({"segment": ["web", "phone", "mail"], "agree": [10, 20, 30], "n": [100, 100, 100]})
    frame = segment_gaps(counts, [], higher_is_better=False).set_index("segment")
    assert frame.loc["web", "is_best"] and (frame["best_segment"] == "web").all()
    assert frame.loc["mail", "gap"] == pytest.approx(-(0.30 - 0.10))
    assert frame.loc["phone", "gap"] == pytest.approx(-(0.20 - 0.10))
    assert frame.loc["web", "gap"] == 0
    assert frame.loc["mail", "p_value"] == pytest.approx(z_test_p(30, 100, 10, 100), rel=1e-9)
    assert list(frame.index) == ["mail", "phone", "web"]  # still pct descending
    assert largest_gap(frame.reset_index())["segment"] == "mail"
    assert "mail is 20.0 points above the best-served channel, web (30.0% vs 10.0%)" in equity_sentence(
        frame.reset_index(), "channel", "cases closed late", "FY2023 Q1")


def test_best_ties_go_to_larger_n_then_name():
    counts = pd.DataFrame({"segment": ["b", "a", "c", "d"], "agree": [40, 40, 80, 10], "n": [50, 50, 100, 50]})
    frame = segment_gaps(counts, []).set_index("segment")
    assert frame.loc["c", "is_best"]  # 80% like a and b, but the largest n
    frame = segment_gaps(counts[counts["segment"].ne("c")], []).set_index("segment")
    assert frame.loc["a", "is_best"]  # a and b tie on pct and n: the name decides


def test_format_example_user_groups_match_pandas_groupby():
    responses = pd.read_csv(SAMPLE / "a11_v2_response_level_SYNTHETIC.csv")
    trust = responses[["UserGroup", "Trust/Confidence"]].dropna()
    counts = (
        trust.assign(agree=trust["Trust/Confidence"].ge(4).astype(int), question="trust")
        .groupby(["question", "UserGroup"], as_index=False)
        .agg(agree=("agree", "sum"), n=("agree", "size"))
        .rename(columns={"UserGroup": "segment"})
    )
    frame = segment_gaps(counts, ["question"]).set_index("segment")
    expected = responses.groupby("UserGroup")["Trust/Confidence"].apply(lambda s: (s >= 4).mean())
    sizes = responses["UserGroup"].value_counts()
    assert sizes["Group1"] == 13
    assert frame.loc["Group1", "suppressed"] and np.isnan(frame.loc["Group1", "pct"])
    for group in expected.index.drop("Group1"):
        assert frame.loc[group, "n"] == sizes[group]
        assert frame.loc[group, "pct"] == pytest.approx(expected[group])
    best = expected.drop("Group1").idxmax()
    assert frame.loc[best, "is_best"]
    others = [g for g in expected.index if g not in ("Group1", best)]
    assert frame["p_value"].notna().sum() == len(others)


def test_rejects_bad_counts():
    with pytest.raises(ValueError):
        segment_gaps(pd.DataFrame({"segment": ["a"], "agree": [5], "n": [4]}), [])
    with pytest.raises(ValueError):
        segment_gaps(pd.DataFrame({"segment": ["a", "a"], "agree": [1, 2], "n": [40, 40]}), [])
    with pytest.raises(ValueError):
        segment_gaps(pd.DataFrame({"segment": ["a"], "agree": [1], "n": [40]}), [], method="no-such-method")
