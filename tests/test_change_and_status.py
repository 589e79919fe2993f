"""Change significance and status against target, checked against hand computations."""
import math

import pytest

from cxdash.metrics.change import mean_change, proportion_change
from cxdash.metrics.status import measure_status

from .independent import two_proportion_p


def test_two_proportion_z_test_matches_the_pooled_formula():
    x1, n1, x2, n2 = 9696, 15333, 6941, 12405  # VBA contact center trust, FY2023 Q1 vs FY2022 Q4
    change, p_value = proportion_change(x1, n1, x2, n2)
    assert change == pytest.approx(x1 / n1 - x2 / n2)
    assert p_value == pytest.approx(two_proportion_p(x1, n1, x2, n2), rel=1e-9)


def test_no_change_is_not_significant_and_empty_samples_give_none():
    change, p_value = proportion_change(50, 100, 500, 1000)
    assert change == 0 and p_value == pytest.approx(1.0)
    assert proportion_change(0, 0, 5, 10) == (None, None)
    assert proportion_change(10, 10, 20, 20) == (0.0, 1.0)  # all agree both times


def test_welch_t_test_from_summary_statistics():
    from scipy.stats import ttest_ind
    a = [5, 4, 4, 5, 3, 5, 4, 4, 5, 5]
    b = [3, 4, 2, 3, 4, 3, 5, 2, 3, 4, 3]
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    sd = lambda xs, m: math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))  # noqa: E731
    change, p_value = mean_change(mean_a, sd(a, mean_a), len(a), mean_b, sd(b, mean_b), len(b))
    assert change == pytest.approx(mean_a - mean_b)
    assert p_value == pytest.approx(ttest_ind(a, b, equal_var=False).pvalue)


@pytest.mark.parametrize("value, target, direction, margin, expected", [
    (0.85, 0.85, "higher", 0.03, "on_track"),    # exactly on target
    (0.90, 0.85, "higher", 0.03, "on_track"),
    (0.83, 0.85, "higher", 0.03, "at_risk"),     # 2 points short, within 3
    (0.82, 0.85, "higher", 0.03, "at_risk"),     # 3 points short: still within
    (0.81, 0.85, "higher", 0.03, "off_track"),
    (12.0, 10.0, "lower", 1.0, "off_track"),     # lower is better: 2 over, margin 1
    (10.5, 10.0, "lower", 1.0, "at_risk"),
    (9.0, 10.0, "lower", 1.0, "on_track"),
    (None, 0.85, "higher", 0.03, "no_data"),
    (float("nan"), 0.85, "higher", 0.03, "no_data"),
    (0.80, None, "higher", 0.03, "no_target"),
])
def test_status_is_direction_aware(value, target, direction, margin, expected):
    assert measure_status(value, target, direction, margin) == expected


def test_status_rejects_an_unknown_direction():
    with pytest.raises(ValueError):
        measure_status(1.0, 1.0, "sideways", 0.1)
