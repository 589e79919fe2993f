"""Change between two periods and whether it is more than noise."""
from __future__ import annotations

import math

from scipy.stats import ttest_ind_from_stats

from cxdash.metrics.proportions import two_proportion_test


def proportion_change(agree_now: int, n_now: int, agree_before: int, n_before: int) -> tuple[float | None, float | None]:
    """(change in proportion points, two-sided p-value of the two-proportion z test)."""
    if min(n_now, n_before) <= 0:
        return None, None
    change = agree_now / n_now - agree_before / n_before
    return change, two_proportion_test(agree_now, n_now, agree_before, n_before)


def mean_change(mean_now, sd_now, n_now, mean_before, sd_before, n_before) -> tuple[float | None, float | None]:
    """(change in scale points, Welch t-test p-value from summary statistics)."""
    values = (mean_now, sd_now, mean_before, sd_before)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values) or min(n_now, n_before) < 2:
        return None, None
    change = float(mean_now) - float(mean_before)
    if sd_now == 0 and sd_before == 0:
        return change, (1.0 if change == 0 else 0.0)
    result = ttest_ind_from_stats(mean_now, sd_now, n_now, mean_before, sd_before, n_before, equal_var=False)
    return change, float(result.pvalue)
