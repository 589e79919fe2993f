"""Equity across customer segments: the gap of each segment to the best-served one.

The input is a count frame of proportions: one row per comparison family (``group_keys``,
e.g. fiscal year, quarter, service, dimension, question) and ``segment`` (a survey segment
answer, a channel, any mapped attribute), with ``agree`` successes out of ``n``. Within a
family every unsuppressed segment is tested against the best-served segment with the pooled
two-proportion z test, and the p-values are adjusted for the family's many comparisons, so
a gap is called significant only when it is more than noise across the whole comparison.

Sign convention: ``gap`` is always <= 0 and a negative gap always means worse-served.
For higher-is-better measures (% agree) gap = pct - best pct; for lower-is-better ones
(e.g. % of cases closed late) gap = best pct - pct.
"""
from __future__ import annotations

import gc
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from cxdash.metrics.proportions import two_proportion_tests, wilson_interval

DEFAULT_MIN_N = 30

OUTPUT_COLUMNS = [
    "segment", "agree", "n", "pct", "ci_low", "ci_high", "suppressed", "is_best", "best_segment",
    "gap", "p_value", "p_adjusted", "significant", "note",
]

# How the statsmodels correction methods are named in a sentence.
METHOD_NAMES = {
    "bonferroni": "Bonferroni",
    "sidak": "Šidák",
    "holm-sidak": "Holm-Šidák",
    "holm": "Holm",
    "simes-hochberg": "Hochberg",
    "hommel": "Hommel",
    "fdr_bh": "Benjamini-Hochberg",
    "fdr_by": "Benjamini-Yekutieli",
    "fdr_tsbh": "two-stage Benjamini-Hochberg",
    "fdr_tsbky": "two-stage Benjamini-Krieger-Yekutieli",
}


def suppressed_note(min_n: int) -> str:
    return f"Suppressed (n < {min_n})"


def too_few_note(min_n: int) -> str:
    return f"fewer than two segments with n >= {min_n}"


def _validate(counts: pd.DataFrame, keys: list[str], method: str) -> None:
    missing = [c for c in [*keys, "segment", "agree", "n"] if c not in counts]
    if missing:
        raise ValueError(f"counts lacks columns: {missing}")
    agree, n = counts["agree"], counts["n"]
    if agree.isna().any() or n.isna().any() or (agree < 0).any() or (agree > n).any():
        raise ValueError("agree and n must be counts with 0 <= agree <= n")
    if counts.duplicated([*keys, "segment"]).any():
        raise ValueError("counts must have one row per family and segment")
    multipletests([0.5], method=method)  # an unknown method fails here, not only on big families


def _adjusted(p_values: np.ndarray, alpha: float, method: str) -> np.ndarray:
    """``multipletests`` p-values for one family. Its Holm branch calls ``gc.collect()``
    (statsmodels PR #8671), which costs a full collection per family; the heap is frozen around
    the calls (``segment_gaps``) so each collection only walks the few new objects."""
    return multipletests(p_values, alpha=alpha, method=method)[1]


def _gaps(out: pd.DataFrame, keys: list[str], min_n: int, alpha: float, higher_is_better: bool,
          method: str) -> pd.DataFrame:
    """Best, gaps and adjusted tests for every family at once; one correction call per family."""
    family = out.groupby(keys, dropna=False, sort=False).ngroup() if keys else pd.Series(0, index=out.index)
    eligible = (~out["suppressed"] & (out["n"] > 0)).to_numpy()
    sizes = pd.Series(eligible).groupby(family.to_numpy()).transform("sum").to_numpy()
    out.loc[~out["suppressed"].to_numpy() & (sizes < 2), "note"] = too_few_note(min_n)
    compared = eligible & (sizes >= 2)
    if not compared.any():
        return out
    # Best: highest pct (lowest if lower is better); ties to the larger n, then the segment name.
    ranked = out[compared].assign(_family=family[compared], _n=-out.loc[compared, "n"],
                                  _key=-out.loc[compared, "pct"] if higher_is_better else out.loc[compared, "pct"])
    best = ranked.sort_values(["_family", "_key", "_n", "segment"], kind="mergesort").drop_duplicates("_family")
    best_of = pd.Series(best.index, index=best["_family"])
    best_row = best_of.reindex(family.to_numpy()).to_numpy()
    rows = np.flatnonzero(compared)
    best_rows = best_row[rows].astype(int)
    in_compared = np.flatnonzero(sizes >= 2)  # every row of a compared family, suppressed ones too
    out["best_segment"] = out["best_segment"].astype(object)
    out.loc[out.index[in_compared], "best_segment"] = out["segment"].to_numpy()[best_row[in_compared].astype(int)]
    out.loc[best.index, "is_best"] = True
    pct, best_pct = out["pct"].to_numpy()[rows], out["pct"].to_numpy()[best_rows]
    out.loc[out.index[rows], "gap"] = pct - best_pct if higher_is_better else best_pct - pct

    tested = rows[rows != best_rows]
    partner = best_row[tested].astype(int)
    agree, n = out["agree"].to_numpy(), out["n"].to_numpy()
    p_values = two_proportion_tests(agree[tested], n[tested], agree[partner], n[partner])
    out.loc[out.index[tested], "p_value"] = p_values
    adjusted = np.full(len(tested), np.nan)
    families = family.to_numpy()[tested]
    for f in np.unique(families):
        mine = (families == f) & ~np.isnan(p_values)
        if mine.any():
            adjusted[mine] = _adjusted(p_values[mine], alpha, method)
    out.loc[out.index[tested], "p_adjusted"] = adjusted
    out.loc[out.index[tested], "significant"] = adjusted < alpha
    return out


def segment_gaps(
    counts: pd.DataFrame,
    group_keys: Sequence[str],
    min_n: int = DEFAULT_MIN_N,
    alpha: float = 0.05,
    higher_is_better: bool = True,
    method: str = "holm",
) -> pd.DataFrame:
    """Score each segment, find each family's best-served segment and test every gap to it.

    Segments with n < ``min_n`` keep their counts but lose pct, interval and gap, and take
    no part in choosing the best or in the family's comparisons. ``p_adjusted`` is the
    ``multipletests(method=...)`` adjustment over the family's comparisons (every other
    unsuppressed segment against the best); ``significant`` is False wherever no test was
    made (the best itself, suppressed segments, families with fewer than two segments).
    The settings are kept in ``.attrs`` for :func:`equity_sentence`.
    """
    keys = list(group_keys)
    _validate(counts, keys, method)
    out = counts[[*keys, "segment", "agree", "n"]].reset_index(drop=True)
    out["segment"] = out["segment"].astype(str)
    out["agree"] = out["agree"].astype("int64")
    out["n"] = out["n"].astype("int64")
    n = out["n"].to_numpy()
    suppressed = n < min_n
    safe_n = np.where(n > 0, n, 1)
    low, high = wilson_interval(out["agree"].to_numpy(), n, alpha=alpha)
    shown = ~suppressed & (n > 0)
    out["pct"] = np.where(shown, out["agree"].to_numpy() / safe_n, np.nan)
    out["ci_low"] = np.where(shown, low, np.nan)
    out["ci_high"] = np.where(shown, high, np.nan)
    out["suppressed"] = suppressed
    out["is_best"] = False
    out["best_segment"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    for column in ("gap", "p_value", "p_adjusted"):
        out[column] = np.nan
    out["significant"] = False
    out["note"] = np.where(suppressed, suppressed_note(min_n), "")
    out["note"] = out["note"].astype(object)

    gc.freeze()
    try:
        result = _gaps(out, keys, min_n, alpha, higher_is_better, method) if len(out) else out
    finally:
        gc.unfreeze()
    result = result.assign(_neg_n=-result["n"])
    result = result.sort_values(
        [*keys, "pct", "_neg_n", "segment"],
        ascending=[True] * len(keys) + [False, True, True],
        na_position="last",
        kind="mergesort",
    ).drop(columns="_neg_n").reset_index(drop=True)
    result = result[[*keys, *OUTPUT_COLUMNS]]
    result["significant"] = result["significant"].astype(bool)
    result["is_best"] = result["is_best"].astype(bool)
    result.attrs.update(
        group_keys=keys, min_n=min_n, alpha=alpha, higher_is_better=higher_is_better, method=method,
    )
    return result


def _plain(value):
    """numpy scalars to Python values, NaN to None, for takeaways and JSON."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _select(frame: pd.DataFrame, family: dict | None) -> pd.DataFrame:
    if not family:
        return frame
    mask = pd.Series(True, index=frame.index)
    for column, value in family.items():
        mask &= frame[column].isna() if pd.isna(value) else frame[column].eq(value)
    return frame[mask]


def largest_gap(frame: pd.DataFrame, family: dict | None = None) -> dict | None:
    """The worst-served significant segment (most negative gap) of a family or the whole frame.

    ``family`` maps group-key columns to values; ties go to the larger n, then the segment
    name. Returns the row as a dict of plain Python values, or None when no gap is significant.
    """
    rows = _select(frame, family)
    rows = rows[rows["significant"].astype(bool)]
    if rows.empty:
        return None
    order = rows.assign(_neg_n=-rows["n"]).sort_values(["gap", "_neg_n", "segment"], kind="mergesort")
    return {column: _plain(value) for column, value in order.drop(columns="_neg_n").iloc[0].items()}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def equity_sentence(frame: pd.DataFrame, dimension_label: str, measure_label: str, scope_label: str) -> str:
    """One-sentence takeaway for ONE family of :func:`segment_gaps` output.

    ``dimension_label`` is the singular noun for a segment ("channel", "user group"). The
    sentence names the worst significant gap (or says none is significant), the number of
    comparisons and the correction, and how many segments are suppressed.
    """
    keys = [k for k in frame.attrs.get("group_keys", []) if k in frame]
    if keys and len(frame[keys].drop_duplicates()) > 1:
        raise ValueError("equity_sentence takes one comparison family; select it first")
    min_n = frame.attrs.get("min_n", DEFAULT_MIN_N)
    method = frame.attrs.get("method", "holm")
    higher_is_better = frame.attrs.get("higher_is_better", True)
    lead = f"For {measure_label} in {scope_label}"
    n_suppressed = int(frame["suppressed"].sum())
    if n_suppressed:
        verb = "is" if n_suppressed == 1 else "are"
        tail = f"; {_plural(n_suppressed, dimension_label)} {verb} suppressed (n < {min_n})."
    else:
        tail = "."
    if frame.empty:
        return f"{lead}, there are no {dimension_label}s to compare."
    best = frame[frame["is_best"].astype(bool)]
    if best.empty:
        return f"{lead}, no comparison is possible: fewer than two {dimension_label}s have n >= {min_n}{tail}"
    best = best.iloc[0]
    comparisons = int(frame["p_value"].notna().sum())
    correction = f"after {METHOD_NAMES.get(method, method)} correction for {_plural(comparisons, 'comparison')}"
    best_text = f"the best-served {dimension_label}, {best['segment']}"
    worst = largest_gap(frame)
    if worst is None:
        return (
            f"{lead}, no {dimension_label} differs significantly from {best_text} ({_pct(best['pct'])}), "
            f"{correction}{tail}"
        )
    direction = "below" if higher_is_better else "above"
    return (
        f"{lead}, {worst['segment']} is {abs(worst['gap']) * 100:.1f} points {direction} {best_text} "
        f"({_pct(worst['pct'])} vs {_pct(best['pct'])}), a significant gap {correction}{tail}"
    )
