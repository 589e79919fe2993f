"""A measure's quarterly series: value, interval, n, change against the previous quarter."""
from __future__ import annotations

import math

import pandas as pd
from scipy.stats import t as student_t

from metrics.a11_scores import rollup, score_counts
from metrics.change import mean_change, proportion_change
from metrics.fiscal import FiscalQuarter

SERIES_COLUMNS = ["fiscal_year", "fiscal_quarter", "value", "n", "ci_low", "ci_high", "suppressed",
                  "change", "p_value", "significant", "wordings"]


def _nan_to_none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def quarterly_series(counts: pd.DataFrame, statistic: str, min_n: int, alpha: float) -> pd.DataFrame:
    """Score one measure's cells (already filtered to its question and scope) per fiscal quarter.

    ``statistic`` is 'pct_agree' or 'mean'. The change compares with the immediately preceding
    fiscal quarter only, and only when neither quarter is suppressed; it is 'significant' when the
    two-proportion z test (pct_agree) or Welch's t test (mean) gives p < alpha.
    """
    if counts.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    scored = score_counts(rollup(counts, ["fiscal_year", "fiscal_quarter"]), min_n=min_n, alpha=alpha)
    if scored.duplicated(["fiscal_year", "fiscal_quarter"]).any():
        raise ValueError("a measure must cover one question on one scale")
    by_quarter = {FiscalQuarter(int(r.fiscal_year), int(r.fiscal_quarter)): r for r in scored.itertuples()}
    rows = []
    for quarter in sorted(by_quarter):
        now = by_quarter[quarter]
        before = by_quarter.get(quarter.previous())
        value = now.pct_agree if statistic == "pct_agree" else now.mean
        change = p_value = None
        if before is not None and not now.suppressed and not before.suppressed:
            if statistic == "pct_agree":
                change, p_value = proportion_change(now.agree, now.n, before.agree, before.n)
            else:
                change, p_value = mean_change(now.mean, now.sd, now.n, before.mean, before.sd, before.n)
        low, high = (now.ci_low, now.ci_high) if statistic == "pct_agree" else _mean_interval(now, alpha)
        rows.append({
            "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
            "value": _nan_to_none(value), "n": int(now.n),
            "ci_low": _nan_to_none(low), "ci_high": _nan_to_none(high),
            "suppressed": bool(now.suppressed), "change": change, "p_value": p_value,
            "significant": None if p_value is None else bool(p_value < alpha),
            "wordings": getattr(now, "wordings", None) or None,
        })
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


def _mean_interval(row, alpha: float) -> tuple[float | None, float | None]:
    """Student-t interval for the mean point scale (Wilson covers proportions)."""
    if row.suppressed or row.n < 2 or math.isnan(row.sd):
        return None, None
    low, high = student_t.interval(1 - alpha, row.n - 1, loc=row.mean_exact, scale=row.sd / math.sqrt(row.n))
    return float(low), float(high)
