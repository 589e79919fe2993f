"""Intervals and tests for proportions, from statsmodels."""
from __future__ import annotations

import math

import numpy as np
from statsmodels.stats.proportion import proportion_confint, proportions_ztest


def wilson_interval(successes, n, alpha: float = 0.05):
    """Wilson score interval; arrays in, arrays out; NaN where n is 0."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    safe_n = np.where(n > 0, n, 1.0)
    low, high = proportion_confint(successes, safe_n, alpha=alpha, method="wilson")
    low = np.where(n > 0, low, np.nan)
    high = np.where(n > 0, high, np.nan)
    return low, high


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value of the pooled two-proportion z test (x1/n1 vs x2/n2)."""
    if min(n1, n2) <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0  # both samples all-agree or all-disagree: no evidence of change
    _, p_value = proportions_ztest([x1, x2], [n1, n2])
    return None if math.isnan(p_value) else float(p_value)
