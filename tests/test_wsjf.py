"""Weighted shortest job first (metrics/wsjf.py) against hand-worked examples: cost of delay,
WSJF and the ranking, how weights change the order, ties, customer value from the data onto the
Fibonacci scale, and whether a measure moved (checked against statsmodels and the z formula)."""
from __future__ import annotations

import math

import pytest
from scipy.stats import norm
from statsmodels.stats.proportion import proportions_ztest

from cxdash.metrics import wsjf


def _item(name, cv, mv, tc, rr, job):
    return {"id": name.lower(), "name": name, "customer_value": cv, "mission_value": mv, "time_criticality": tc,
            "risk_reduction": rr, "job_size": job}


# By hand, weights 1 each:
#   A: 8 + 8 + 8 + 5   = 29, job 5  -> WSJF 29/5  = 5.8
#   B: 20 + 5 + 3 + 3  = 31, job 8  -> WSJF 31/8  = 3.875
#   C: 5 + 3 + 8 + 3   = 19, job 3  -> WSJF 19/3  = 6.333...
#   D: 13 + 13 + 13 + 5 = 44, job 20 -> WSJF 44/20 = 2.2
# Order: C, A, B, D (D has the largest cost of delay but is the biggest job).
A, B, C, D = (_item("A", 8, 8, 8, 5, 5), _item("B", 20, 5, 3, 3, 8), _item("C", 5, 3, 8, 3, 3),
              _item("D", 13, 13, 13, 5, 20))


def test_cost_of_delay_and_wsjf_by_hand():
    assert wsjf.cost_of_delay(A) == 29
    assert wsjf.cost_of_delay(D) == 44
    assert wsjf.wsjf(29, 5) == 5.8
    assert wsjf.wsjf(31, 8) == 3.875
    with pytest.raises(ValueError, match="job size must be positive"):
        wsjf.wsjf(10, 0)


def test_ranking_by_hand():
    ranked = wsjf.rank([A, B, C, D])
    assert [(r["name"], r["rank"], r["cost_of_delay"]) for r in ranked] == [
        ("C", 1, 19), ("A", 2, 29), ("B", 3, 31), ("D", 4, 44)]
    assert [r["wsjf"] for r in ranked] == pytest.approx([19 / 3, 5.8, 3.875, 2.2])
    assert [r["name"] for r in wsjf.rank([D, B, A, C])] == ["C", "A", "B", "D"]  # input order is irrelevant


def test_weights_change_the_order():
    # Time criticality not counted (weight 0):
    #   A: 8 + 8 + 5 = 21 / 5 = 4.2;  B: 20 + 5 + 3 = 28 / 8 = 3.5;  C: 5 + 3 + 3 = 11 / 3 = 3.667;  D: 31 / 20 = 1.55
    ranked = wsjf.rank([A, B, C, D], {**wsjf.DEFAULT_WEIGHTS, "time_criticality": 0})
    assert [r["name"] for r in ranked] == ["A", "C", "B", "D"]
    assert [r["wsjf"] for r in ranked] == pytest.approx([4.2, 11 / 3, 3.5, 1.55])
    # Customer value counted three times:
    #   A: 24 + 21 = 45 / 5 = 9;  B: 60 + 11 = 71 / 8 = 8.875;  C: 15 + 14 = 29 / 3 = 9.667;  D: 39 + 31 = 70 / 20 = 3.5
    ranked = wsjf.rank([A, B, C, D], {**wsjf.DEFAULT_WEIGHTS, "customer_value": 3})
    assert [(r["name"], r["cost_of_delay"]) for r in ranked] == [("C", 29), ("A", 45), ("B", 71), ("D", 70)]
    # Mission value at 3 and time criticality at 0.5:
    #   A: 8 + 24 + 4 + 5 = 41 / 5 = 8.2;  D: 13 + 39 + 6.5 + 5 = 63.5 / 20 = 3.175;
    #   B: 20 + 15 + 1.5 + 3 = 39.5 / 8 = 4.9375;  C: 5 + 9 + 4 + 3 = 21 / 3 = 7
    ranked = wsjf.rank([A, B, C, D], {**wsjf.DEFAULT_WEIGHTS, "mission_value": 3, "time_criticality": 0.5})
    assert [(r["name"], r["wsjf"]) for r in ranked] == [("A", 8.2), ("C", 7.0), ("B", 4.9375), ("D", 3.175)]


def test_ties_go_to_the_smaller_job_then_the_name():
    # E: 20 / 5 = 4; F: 12 / 3 = 4 (the smaller job first); Alpha and Beta: same scores, by name.
    e, f = _item("E", 5, 5, 5, 5, 5), _item("F", 3, 3, 3, 3, 3)
    alpha, beta = _item("Alpha", 5, 5, 5, 5, 5), _item("Beta", 5, 5, 5, 5, 5)
    assert [r["name"] for r in wsjf.rank([e, beta, f, alpha])] == ["F", "Alpha", "Beta", "E"]
    # 0.1 weights make float sums such as 0.1 * 3 * 4 inexact; still a tie.
    tenth = {c: 0.1 for c in wsjf.COMPONENTS}
    assert [r["name"] for r in wsjf.rank([e, f], tenth)] == ["F", "E"]


def test_shortfall_is_direction_and_unit_aware():
    assert wsjf.shortfall(0.38, 0.50, "higher", "percent") == pytest.approx(0.12)
    assert wsjf.shortfall(0.30, 0.25, "lower", "percent") == pytest.approx(0.05)
    assert wsjf.shortfall(4.1, 4.3, "higher", "points") == pytest.approx(0.2 / 4)  # a share of the 4-point scale
    assert wsjf.shortfall(0.9, 0.8, "higher", "percent") == 0.0  # target met
    assert wsjf.shortfall(None, 0.8, "higher", "percent") is None
    assert wsjf.shortfall(0.7, None, "higher", "percent") is None
    # 1,000 customers, the larger gap of 12 points: 120 short of the targeted experience.
    assert wsjf.impact(1000, [0.12, None, 0.05]) == pytest.approx(120)
    assert wsjf.impact(None, [0.1]) is None and wsjf.impact(1000, [None]) is None


def test_customer_value_from_data_onto_the_scale():
    # The largest impact (1000) is 20; each other is 20 x its share, to the nearest scale value:
    #   b: 500/1000 -> 10 -> 8 (2 from 8, 3 from 13);  c: 100/1000 -> 2 -> 2;
    #   f: 200/1000 -> 4 -> 5 (1 from both 3 and 5: the tie goes up);  d unknown and e zero -> 1.
    impacts = {"a": 1000.0, "b": 500.0, "c": 100.0, "d": None, "e": 0.0, "f": 200.0}
    assert wsjf.customer_value_scores(impacts, ["a", "b", "c", "d", "e", "f"]) == {
        "a": 20, "b": 8, "c": 2, "d": 1, "e": 1, "f": 5}
    # Relative to every initiative, not only the data-scored ones: a hand-scored initiative with a
    # larger impact keeps the data-scored one below 20.
    assert wsjf.customer_value_scores({"hand": 1000.0, "data": 650.0}, ["data"]) == {"data": 13}
    assert wsjf.customer_value_scores({"x": None}, ["x"]) == {"x": 1}
    # 20 x share: 0 -> 1 (bottom); 1 -> 1; 2.5 -> 3 (tie of 2 and 3 goes up); 6.6 -> 8 (1.4 from 8, 1.6 from 5);
    # 18 -> 20; above 1 is capped at 20.
    assert [wsjf.to_scale(s) for s in (0, 0.05, 0.125, 0.33, 0.9, 1.5)] == [1, 1, 3, 8, 20, 20]


def test_movement_significant_rise_checked_against_the_z_formula():
    # Before: 55 of 100 agree (55.0%); after: 77 of 99 (77.8%).
    # Pooled p = 132/199 = 0.66332; SE = sqrt(0.66332 x 0.33668 x (1/99 + 1/100)) = 0.067001;
    # z = (0.77778 - 0.55) / 0.067001 = 3.3996; two-sided p = 2 x (1 - Phi(3.3996)) = 0.000675.
    before, after = {"value": 0.55, "n": 100}, {"value": 77 / 99, "n": 99}
    moved = wsjf.movement(before, after, "percent", alpha=0.05)
    pooled = 132 / 199
    z = (77 / 99 - 0.55) / math.sqrt(pooled * (1 - pooled) * (1 / 99 + 1 / 100))
    assert z == pytest.approx(3.3996, abs=1e-4)
    assert moved.p_value == pytest.approx(2 * norm.sf(z))
    assert moved.p_value == pytest.approx(proportions_ztest([77, 55], [99, 100])[1])
    assert (moved.outcome, moved.significant) == (wsjf.UP, True)
    assert moved.change == pytest.approx(77 / 99 - 0.55)


def test_movement_down_no_change_not_enough_data_and_means():
    down = wsjf.movement({"value": 0.80, "n": 1000}, {"value": 0.70, "n": 1000}, "percent")
    assert down.outcome == wsjf.DOWN and down.change == pytest.approx(-0.10)
    # 60 of 100 vs 62 of 100: pooled 0.61, SE 0.068978, z = 0.2899, p = 0.772: no significant change.
    same = wsjf.movement({"value": 0.60, "n": 100}, {"value": 0.62, "n": 100}, "percent")
    assert same.outcome == wsjf.NO_CHANGE and same.p_value == pytest.approx(0.77186, abs=1e-5)
    assert wsjf.movement(None, {"value": 0.6, "n": 100}, "percent").outcome == wsjf.NOT_ENOUGH
    assert wsjf.movement({"value": 0.6, "n": 0}, {"value": 0.6, "n": 100}, "percent").outcome == wsjf.NOT_ENOUGH
    assert wsjf.movement({"value": None, "n": 10}, {"value": 0.6, "n": 100}, "percent").outcome == wsjf.NOT_ENOUGH
    mean = wsjf.movement({"value": 4.2, "n": 500}, {"value": 4.4, "n": 500}, "points")
    assert (mean.outcome, mean.p_value) == (wsjf.NOT_TESTED, None) and mean.change == pytest.approx(0.2)
