"""A measure's quarterly series: value, interval, n, change against the previous quarter."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from cxdash.metrics.a11_scores import rollup, score_counts
from cxdash.metrics.change import mean_change, proportion_change

SERIES_COLUMNS = ["fiscal_year", "fiscal_quarter", "value", "n", "ci_low", "ci_high", "suppressed",
                  "change", "p_value", "significant", "wordings"]


def _nan_to_none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def quarterly_series(counts: pd.DataFrame, statistic: str, min_n: int, alpha: float,
                     keys: Sequence[str] = ()) -> pd.DataFrame:
    """Score one measure's cells (already filtered to its question) per fiscal quarter, and per
    group of ``keys`` if given (one pass for every filter scope).

    ``statistic`` is 'pct_agree' or 'mean'. The change compares with the immediately preceding
    fiscal quarter of the same group, only when neither quarter is suppressed; it is 'significant'
    when the two-proportion z test (pct_agree) or Welch's t test (mean) gives p < alpha.
    """
    keys = list(keys)
    if counts.empty:
        return pd.DataFrame(columns=[*keys, *SERIES_COLUMNS])
    scored = score_counts(rollup(counts, [*keys, "fiscal_year", "fiscal_quarter"]), min_n=min_n, alpha=alpha)
    if scored.duplicated([*keys, "fiscal_year", "fiscal_quarter"]).any():
        raise ValueError("a measure must cover one question on one scale")
    scored["index"] = scored["fiscal_year"] * 4 + scored["fiscal_quarter"] - 1
    previous = scored[[*keys, "index", "agree", "n", "mean", "sd", "suppressed"]].assign(index=lambda f: f["index"] + 1)
    both = scored.merge(previous, on=[*keys, "index"], how="left", suffixes=("", "_before"))
    both = both.sort_values([*keys, "index"], kind="stable").reset_index(drop=True)

    if statistic == "pct_agree":
        value, low, high = both["pct_agree"], both["ci_low"], both["ci_high"]
    else:
        value = both["mean"]
        low, high = _mean_interval(both, alpha)
    changes, p_values = [], []
    for row in both.itertuples(index=False):
        change = p_value = None
        if not pd.isna(row.n_before) and not row.suppressed and not row.suppressed_before:
            if statistic == "pct_agree":
                change, p_value = proportion_change(row.agree, row.n, int(row.agree_before), int(row.n_before))
            else:
                change, p_value = mean_change(row.mean, row.sd, row.n, row.mean_before, row.sd_before, int(row.n_before))
        changes.append(change)
        p_values.append(p_value)
    out = both[[*keys, "fiscal_year", "fiscal_quarter"]].copy()
    out["value"] = [_nan_to_none(v) for v in value.astype(float)]
    out["n"] = both["n"].astype("int64")
    out["ci_low"] = [_nan_to_none(v) for v in np.asarray(low, dtype=float)]
    out["ci_high"] = [_nan_to_none(v) for v in np.asarray(high, dtype=float)]
    out["suppressed"] = both["suppressed"].astype(bool)
    out["change"] = changes
    out["p_value"] = p_values
    out["significant"] = [None if p is None else bool(p < alpha) for p in p_values]
    out["wordings"] = both["wordings"].where(both["wordings"].astype(bool), None) if "wordings" in both else None
    return out


def _mean_interval(scored: pd.DataFrame, alpha: float):
    """Student-t interval for the mean point scale (Wilson covers proportions)."""
    usable = (~scored["suppressed"]) & (scored["n"] >= 2) & scored["sd"].notna()
    n = scored["n"].where(usable, 2).astype(float)
    sd = scored["sd"].where(usable, 0.0)
    low, high = student_t.interval(1 - alpha, n - 1, loc=scored["mean_exact"].fillna(0.0), scale=sd / np.sqrt(n))
    return np.where(usable, low, np.nan), np.where(usable, high, np.nan)
