"""A-11 Section 280 question scores from counts.

The input is a *count frame*: one row per cell (any grouping columns) and question, with the
number of answers at each point of the 5-point scale (``n_1``..``n_5``) for Likert questions,
or ``n_yes``/``n_no`` for binary ones (generation-2 thumbs up/down and driver checklists).
Counting happens in the database; these functions only turn counts into statistics, so a
cell summarising a million responses costs the same as one summarising ten.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxdash.metrics.proportions import wilson_interval
from cxdash.metrics.rounding import ratio_half_up

LIKERT = "5pt"
BINARY = "binary"
POINTS = (1, 2, 3, 4, 5)
LIKERT_COLUMNS = [f"n_{k}" for k in POINTS]
BINARY_COLUMNS = ["n_yes", "n_no"]
COUNT_COLUMNS = LIKERT_COLUMNS + BINARY_COLUMNS
DEFAULT_MIN_N = 30

# Generation-1 question numbers and the names the scores are published under.
QUESTION_NAMES = {
    1: "satisfaction",
    2: "trust",
    3: "effectiveness",
    4: "ease",
    5: "efficiency",
    6: "transparency",
    7: "employee",
}
DRIVERS = ("effectiveness", "ease", "efficiency", "transparency", "employee")


def question_name(number: int) -> str:
    """satisfaction, trust, the five drivers, or q8..q11 for the optional questions."""
    return QUESTION_NAMES.get(int(number), f"q{int(number)}")


def published_point_scale(counts: Sequence[int]):
    """Mean point scale as performance.gov publishes it: sum(k*n_k)/sum(n_k), 2 dp half up."""
    total = sum(int(c) for c in counts)
    weighted = sum(k * int(c) for k, c in zip(POINTS, counts))
    return ratio_half_up(weighted, total, 2)


def _ensure_counts(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in COUNT_COLUMNS:
        if column not in out:
            out[column] = 0
        out[column] = out[column].fillna(0).astype("int64")
    return out


def score_counts(frame: pd.DataFrame, min_n: int = DEFAULT_MIN_N, alpha: float = 0.05) -> pd.DataFrame:
    """Add n, agree, mean, mean_exact, sd, pct_agree, ci_low, ci_high, suppressed to a count frame.

    ``mean`` is the published figure (2 dp, half up) for Likert questions and empty for binary
    ones; ``pct_agree`` is % agree (4 or 5) or % yes (thumbs up / option selected). Cells with
    n below ``min_n`` keep their n but lose every statistic and are flagged ``suppressed``.
    """
    out = _ensure_counts(frame)
    likert = out["scale"].eq(LIKERT).to_numpy()
    counts = out[LIKERT_COLUMNS].to_numpy(dtype="int64")
    n_likert = counts.sum(axis=1)
    n_binary = (out["n_yes"] + out["n_no"]).to_numpy()
    n = np.where(likert, n_likert, n_binary)
    agree = np.where(likert, counts[:, 3] + counts[:, 4], out["n_yes"].to_numpy())

    points = np.array(POINTS, dtype=float)
    safe_n = np.where(n > 0, n, 1)
    raw_mean = (counts * points).sum(axis=1) / safe_n
    second = (counts * points**2).sum(axis=1)
    variance = np.where(n > 1, (second - n * raw_mean**2) / np.where(n > 1, n - 1, 1), np.nan)

    published = [
        float(ratio_half_up(int((row * points).sum()), int(row.sum()), 2)) if is_l and row.sum() else np.nan
        for row, is_l in zip(counts, likert)
    ]
    low, high = wilson_interval(agree, n, alpha=alpha)
    suppressed = n < min_n

    out["n"] = n.astype("int64")
    out["agree"] = agree.astype("int64")
    out["mean"] = np.where(likert & ~suppressed, published, np.nan)
    out["mean_exact"] = np.where(likert & ~suppressed, raw_mean, np.nan)
    out["sd"] = np.where(likert & ~suppressed, np.sqrt(np.clip(variance, 0, None)), np.nan)
    out["pct_agree"] = np.where(~suppressed & (n > 0), agree / safe_n, np.nan)
    out["ci_low"] = np.where(~suppressed, low, np.nan)
    out["ci_high"] = np.where(~suppressed, high, np.nan)
    out["suppressed"] = suppressed
    return out


def rollup(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Sum counts over every column not in ``by`` (plus question and scale).

    Question wordings of the merged cells are kept, distinct and sorted, in ``wordings``.
    """
    keys = list(dict.fromkeys([*by, "question", "scale"]))
    data = _ensure_counts(frame)
    grouped = data.groupby(keys, dropna=False, sort=True)
    summed = grouped[COUNT_COLUMNS].sum()
    if "wordings" in data:
        words = data.loc[data["wordings"].notna(), keys + ["wordings"]]
        words = words.assign(wordings=words["wordings"].astype(str).str.split("\n")).explode("wordings")
        words = words[words["wordings"].str.strip().ne("")].drop_duplicates().sort_values([*keys, "wordings"])
        summed = summed.join(words.groupby(keys, dropna=False, sort=False)["wordings"].agg("\n".join))
    return summed.reset_index()
