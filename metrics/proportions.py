"""Intervals and tests for proportions, from statsmodels."""
from __future__ import annotations

import math

import numpy as np
from statsmodels.stats.proportion import proportion_confint, proportions_ztest, test_proportions_2indep


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


def two_proportion_tests(x1, n1, x2, n2):
    """Arrays of two-sided p-values of the same pooled z test, one per pair, in one call (the
    score test without correction is the pooled z test); 1.0 where both samples are all-agree or
    all-disagree, NaN where a sample is empty."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=float) for a in (x1, n1, x2, n2))
    if x1.size == 0:
        return np.array([], dtype=float)
    usable = (n1 > 0) & (n2 > 0)
    pooled = np.where(usable, (x1 + x2) / np.where(usable, n1 + n2, 1), np.nan)
    degenerate = usable & ((pooled == 0) | (pooled == 1))
    testable = usable & ~degenerate
    out = np.where(degenerate, 1.0, np.nan)
    if testable.any():
        with np.errstate(divide="ignore", invalid="ignore"):  # its ratio and odds ratio, unused here
            result = test_proportions_2indep(x1[testable], n1[testable], x2[testable], n2[testable],
                                             method="score", correction=False, return_results=True)
        out[testable] = result.pvalue
    return out
