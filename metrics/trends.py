"""Quarter-over-quarter, year-over-year and trend for a % agree score, each with its significance,
so that "up 2 points" is never shown where it is noise.

Input is counts (agree of n) per keys and federal fiscal quarter (Q1 = Oct-Dec). A quarter with
n < min_n is suppressed: it has no value, is never compared and never enters a trend.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.proportions import two_proportion_tests

YEAR, QUARTER = "fiscal_year", "fiscal_quarter"
COLUMNS = [
    YEAR, QUARTER, "agree", "n", "value", "suppressed",
    "qoq_change", "qoq_p", "qoq_significant", "yoy_change", "yoy_p", "yoy_significant",
    "trend_quarters", "trend_slope", "trend_p", "trend_significant", "trend_direction",
]
LAGS = {"qoq": 1, "yoy": 4}  # in quarters: the preceding quarter, the same quarter a year earlier


def trend_table(counts: pd.DataFrame, keys: Sequence[str], min_n: int = 30, alpha: float = 0.05,
                min_quarters: int = 3) -> pd.DataFrame:
    """Per (keys, quarter): value, QoQ and YoY change with two-proportion z tests, and the
    Cochran-Armitage trend over every unsuppressed quarter so far (gaps keep their spacing)."""
    keys = list(keys)
    if min_quarters < 2:
        raise ValueError("min_quarters must be at least 2: a trend needs two quarters")
    missing = [c for c in keys + [YEAR, QUARTER, "agree", "n"] if c not in counts]
    if missing:
        raise ValueError(f"counts lacks columns {missing}")
    frame = counts[keys + [YEAR, QUARTER, "agree", "n"]].copy()
    for column in (YEAR, QUARTER, "agree", "n"):
        frame[column] = frame[column].astype("int64")
    if not frame[QUARTER].between(1, 4).all():
        raise ValueError("fiscal_quarter must be 1-4")
    if ((frame["agree"] < 0) | (frame["agree"] > frame["n"])).any():
        raise ValueError("agree must be between 0 and n")
    frame = frame.sort_values(keys + [YEAR, QUARTER], kind="stable", na_position="last").reset_index(drop=True)
    if frame.duplicated(keys + [YEAR, QUARTER]).any():
        raise ValueError("counts must have one row per keys and fiscal quarter")

    group = (frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy() if keys
             else np.zeros(len(frame), dtype=np.int64))
    index = (frame[YEAR] * 4 + frame[QUARTER] - 1).to_numpy()
    agree, n = frame["agree"].to_numpy(), frame["n"].to_numpy()
    suppressed = n < min_n
    frame["value"] = np.where(suppressed, np.nan, agree / np.where(n > 0, n, 1))
    frame["suppressed"] = suppressed

    here = pd.MultiIndex.from_arrays([group, index])
    for name, lag in LAGS.items():
        before = here.get_indexer(pd.MultiIndex.from_arrays([group, index - lag]))
        change, p_value = _changes(agree, n, suppressed, before)
        frame[f"{name}_change"], frame[f"{name}_p"] = change, p_value
        frame[f"{name}_significant"] = _significant(p_value, alpha)

    trend = _trends(group, index, agree, n, suppressed, min_quarters)
    frame["trend_quarters"] = trend["quarters"]
    frame["trend_slope"], frame["trend_p"] = trend["slope"], trend["p"]
    frame["trend_significant"] = _significant(trend["p"], alpha)
    frame["trend_direction"] = pd.Series([
        None if math.isnan(p) else ("no clear trend" if p >= alpha else ("up" if z > 0 else "down"))
        for p, z in zip(trend["p"], trend["z"])
    ], index=frame.index, dtype=object)
    return frame[keys + COLUMNS]


def _changes(agree, n, suppressed, before):
    """Change and p-value against the row at position `before` (-1: none), when both are shown."""
    change = np.full(len(n), np.nan)
    p_value = np.full(len(n), np.nan)
    pairs = np.flatnonzero((before >= 0) & ~suppressed & ~suppressed[np.maximum(before, 0)] & (n > 0))
    pairs = pairs[n[before[pairs]] > 0]
    j = before[pairs]
    change[pairs] = agree[pairs] / n[pairs] - agree[j] / n[j]
    p_value[pairs] = two_proportion_tests(agree[pairs], n[pairs], agree[j], n[j])
    return change, p_value


def _significant(p_value, alpha: float) -> np.ndarray:
    """True/False, or None where there is no test (object dtype, so None stays None)."""
    return np.array([None if math.isnan(p) else bool(p < alpha) for p in p_value], dtype=object)


def _trends(group, index, agree, n, suppressed, min_quarters: int) -> dict[str, np.ndarray]:
    """Trend fields per row: one test per prefix of each series' unsuppressed quarters, shared by
    every row (suppressed ones too) whose latest unsuppressed quarter ends that prefix."""
    size = len(n)
    out = {"quarters": np.zeros(size, dtype=np.int64), "slope": np.full(size, np.nan),
           "p": np.full(size, np.nan), "z": np.full(size, np.nan)}
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    for start, stop in zip(starts, np.r_[starts[1:], size]):
        rows = np.arange(start, stop)
        shown = rows[~suppressed[rows]]
        entered = np.cumsum(~suppressed[rows])  # unsuppressed quarters up to and including each row
        out["quarters"][rows] = entered
        if len(shown) < min_quarters:
            continue
        prefix = _prefix_tests(index[shown] - index[shown[0]], agree[shown], n[shown], min_quarters)
        have = entered >= min_quarters
        for field in ("slope", "p", "z"):
            out[field][rows[have]] = prefix[field][entered[have] - 1]
    return out


def _prefix_tests(t, agree, n, min_quarters: int) -> dict[str, np.ndarray]:
    """Cochran-Armitage test (the linear-by-linear association statsmodels' ``Table`` computes,
    with the quarter index as row scores and 0/1 as column scores, so the exact permutation
    variance with N - 1) and the n-weighted least-squares slope, for the first m quarters,
    m = min_quarters.. . Every prefix at once from running sums: a trend over many series costs
    array arithmetic, not one test object per prefix."""
    scores, agree, n = (np.asarray(a, dtype=float) for a in (t, agree, n))
    big_n, total_agree = np.cumsum(n), np.cumsum(agree)
    sum_t, sum_tt = np.cumsum(n * scores), np.cumsum(n * scores * scores)
    sum_ta, sum_value_n = np.cumsum(scores * agree), total_agree  # sum n_i * (agree_i / n_i)
    with np.errstate(divide="ignore", invalid="ignore"):
        # weighted least squares of agree/n on t with weights n
        slope = (big_n * sum_ta - sum_t * sum_value_n) / (big_n * sum_tt - sum_t ** 2)
        row_variance = sum_tt - sum_t ** 2 / big_n
        column_variance = total_agree - total_agree ** 2 / big_n
        z = (sum_ta - sum_t * total_agree / big_n) / np.sqrt(row_variance * column_variance / (big_n - 1))
    p = 2 * norm.sf(np.abs(z))
    nothing = (total_agree == 0) | (total_agree == big_n)  # all agree or none: nothing can trend
    p[nothing], z[nothing] = 1.0, 0.0
    early = np.arange(len(n)) < min_quarters - 1
    for values in (slope, p, z):
        values[early] = np.nan
    return {"slope": slope, "p": p, "z": z}


def change_sentence(row: dict | pd.Series, measure_label: str, unit: str = "percent", *, min_n: int = 30) -> str:
    """The takeaway for one row of trend_table: the value, its QoQ and YoY change each with its
    significance, and the trend. A change that is not significant is always said to be so."""
    if unit not in ("percent", "proportion"):
        raise ValueError(f"unit must be 'percent' or 'proportion', got {unit!r}")
    quarter = FiscalQuarter(int(row[YEAR]), int(row[QUARTER]))
    if bool(row.get("suppressed")):
        return f"{measure_label} in {quarter.display} is suppressed (n < {min_n})."
    if _missing(row.get("value")):
        return f"{measure_label} has no data for {quarter.display}."
    opening = f"{measure_label} was {_level(row['value'], unit)} in {quarter.display}"
    compared, absent = [], []
    for name, lag in LAGS.items():
        other = quarter.previous(lag).display
        if _missing(row.get(f"{name}_change")):
            absent.append(other)
        else:
            compared.append(_change_clause(row[f"{name}_change"], row.get(f"{name}_p"),
                                           row.get(f"{name}_significant"), other, unit))
    clauses = " and ".join(compared)
    if absent:
        gap = f"no figure for {' or '.join(absent)} to compare"
        clauses = f"{clauses}, with {gap}" if clauses else f"with {gap}"
    return f"{opening}, {clauses}; {_trend_clause(row, unit)}."


def _change_clause(change, p_value, significant, other: str, unit: str) -> str:
    amount = _amount(change, unit)
    if amount == _amount(0.0, unit):
        movement = f"level with {other}"
    else:
        movement = f"{'up' if change > 0 else 'down'} {amount} on {other}"
    return f"{movement} ({_verdict(significant, p_value)})"


def _trend_clause(row, unit: str) -> str:
    quarters = 0 if _missing(row.get("trend_quarters")) else int(row["trend_quarters"])
    direction = row.get("trend_direction")
    if _missing(direction):
        return f"there are too few quarters ({quarters}) for a trend test"
    p_text = _p(row.get("trend_p"))
    if direction == "no clear trend":
        return f"over {quarters} quarters there is no clear trend ({p_text})"
    slope = abs(float(row["trend_slope"]))
    rate = _amount(slope, unit)
    if unit == "percent" and rate == _amount(0.0, unit):  # significant but slow: never "about 0.0 points"
        rate = "under 0.1 points"
    return f"over {quarters} quarters the trend is {direction}, about {rate} a quarter (significant, {p_text})"


def _verdict(significant, p_value) -> str:
    shown = not _missing(significant) and bool(significant)
    return f"{'significant' if shown else 'not significant'}, {_p(p_value)}"


def _level(value, unit: str) -> str:
    return f"{100 * float(value):.1f}%" if unit == "percent" else f"{float(value):.3f}"


def _amount(change, unit: str) -> str:
    if unit == "percent":
        points = abs(100 * float(change))
        return f"{points:.1f} point{'' if f'{points:.1f}' == '1.0' else 's'}"
    return f"{abs(float(change)):.3f}"


def _p(p_value) -> str:
    if _missing(p_value):
        return "p not available"
    p_value = float(p_value)
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}" if p_value < 0.1 else f"p = {p_value:.2f}"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA
