"""Key-driver analysis: which A-11 drivers move trust or satisfaction most.

One OLS fit per call of an outcome on the drivers asked, over the responses that answered all
of them, computed from sufficient statistics: per answer pattern (the set of questions a
response answered), the count, the sums and the sums of cross-products of the columns. The
database returns those per quarterly cell (``analysis_queries.driver_moments``); rolling years
and roll-up scopes are sums of cells; :func:`key_drivers` builds the same statistics from a
frame of responses. Works for generation-1 forms (1-5 agree drivers) and Touchpoints A-11 v2
forms (checklist options: 1 selected, 0 offered but not selected, missing when not on the form).

Standard errors are classical (homoskedastic) OLS errors, sigma^2 (X'X)^-1 with sigma^2 the
residual sum of squares over n - k - 1: they need only the aggregates. Robust (HC3) errors need
every response's residual and leverage, which never leave the database, so they are not used;
on the shipped format example the classical intervals are within a few hundredths of HC3's.
Pure functions of pandas frames.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

STANDARDISED = "standardised OLS"  # stored in driver_result.method: an identifier, kept as stored
RAW = "OLS coefficient"
NOT_ASKED = "not asked"
NO_VARIATION = "no variation"
COLLINEAR = "collinear with other drivers"
OUTCOME_CONSTANT = "no variation in the outcome"
NO_STANDARD_ERROR = "no standard error"  # guard: the drivers fit the outcome exactly (no residual variance)
COLUMNS = [
    "outcome", "driver", "method", "importance", "ci_low", "ci_high", "p_value", "significant", "n",
    "r_squared", "adj_r_squared", "performance", "performance_n", "note",
]
PATTERN_SEPARATOR = "|"
OUTCOMES = ("trust", "satisfaction")
CHECKLIST_PREFIXES = ("positive_", "negative_")  # Touchpoints A-11 v2 checklist options
COLLINEAR_TOLERANCE = 1e-9  # share of a driver's variance left after the earlier drivers


def too_few_note(threshold: int) -> str:
    return f"too few responses (n < {threshold})"


# --- sufficient statistics ----------------------------------------------------------------------
#
# A moments frame has one row per answer pattern (plus any keys of the caller's), with columns
#   pattern          the questions answered, sorted, joined by "|" ("" for none)
#   n                responses
#   sum:Q            sum of Q's answers
#   agree:Q          answers of Q that are 4 or 5
#   other:Q          answers of Q that are neither 0 nor 1 (0 for a checklist option)
#   cross:P:Q        sum of P x Q (P <= Q by name; P == Q gives the sum of squares)
# Rows with the same pattern add up: a rolling year or a roll-up scope is a sum of cells.

def sum_name(question: str) -> str:
    return f"sum:{question}"


def agree_name(question: str) -> str:
    return f"agree:{question}"


def other_name(question: str) -> str:
    return f"other:{question}"


def cross_name(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"cross:{first}:{second}"


def moment_pairs(groups: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """Every pair (squares included) within each group of columns, once, in a stable order."""
    pairs: dict[str, tuple[str, str]] = {}
    for group in groups:
        names = list(dict.fromkeys(group))
        for i, a in enumerate(names):
            for b in names[i:]:
                pairs.setdefault(cross_name(a, b), tuple(sorted((a, b))))
    return list(pairs.values())


def pattern_of(questions: Iterable[str]) -> str:
    return PATTERN_SEPARATOR.join(sorted(questions))


def response_moments(responses: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The moments frame of a frame of responses (one row per response, NaN when not answered),
    for ``columns`` (those absent from the frame count as never answered) and every pair of them."""
    present = [c for c in dict.fromkeys(columns) if c in responses]
    values = responses[present].astype(float)
    answered = values.notna()
    patterns = answered.apply(lambda row: pattern_of(row.index[row.to_numpy()]), axis=1) if present else \
        pd.Series("", index=responses.index)
    filled = values.fillna(0.0)
    parts = {"n": pd.Series(1, index=responses.index)}
    for c in present:
        parts[sum_name(c)] = filled[c]
        parts[agree_name(c)] = (values[c] >= 4).astype(int)
        parts[other_name(c)] = (answered[c] & ~values[c].isin([0, 1])).astype(int)
    for a, b in moment_pairs([present]):
        parts[cross_name(a, b)] = filled[a] * filled[b]
    frame = pd.DataFrame(parts).assign(pattern=patterns.to_numpy())
    return frame.groupby("pattern", as_index=False, sort=True).sum()


def _answered(moments: pd.DataFrame) -> pd.Series:
    return moments["pattern"].map(lambda p: frozenset(p.split(PATTERN_SEPARATOR)) if p else frozenset())


@dataclass(frozen=True)
class Aggregates:
    """The complete cases of some columns: n, the sums and the cross-product matrix (X'X with
    the outcome first), for :func:`ols_from_moments`."""
    columns: tuple[str, ...]
    n: int
    sums: np.ndarray
    cross: np.ndarray

    @property
    def means(self) -> np.ndarray:
        return self.sums / self.n

    def centred(self) -> np.ndarray:
        """Sums of squares and cross-products about the means (exact for integer answers)."""
        if np.issubdtype(self.sums.dtype, np.integer) and np.issubdtype(self.cross.dtype, np.integer):
            exact = self.n * self.cross.astype(object) - np.outer(self.sums.astype(object), self.sums.astype(object))
            return np.array(exact.tolist(), dtype=float) / self.n
        return self.cross - np.outer(self.sums, self.sums) / self.n

    def subset(self, columns: Sequence[str]) -> Aggregates:
        index = [self.columns.index(c) for c in columns]
        return Aggregates(tuple(columns), self.n, self.sums[index], self.cross[np.ix_(index, index)])


def complete_cases(moments: pd.DataFrame, columns: Sequence[str], answered: pd.Series | None = None) -> Aggregates:
    """Sum the patterns that answered every one of ``columns``: the listwise complete cases."""
    columns = tuple(columns)
    answered = _answered(moments) if answered is None else answered
    mine = moments[answered.map(frozenset(columns).issubset).to_numpy(dtype=bool)]
    n = int(mine["n"].sum())
    names = [sum_name(c) for c in columns]
    pairs = [(i, j) for i in range(len(columns)) for j in range(i, len(columns))]
    crossed = [cross_name(columns[i], columns[j]) for i, j in pairs]
    lacking = [name for name in crossed if name not in mine]
    if lacking:
        raise ValueError(f"the moments lack the cross-products {lacking}")
    totals = mine[names + crossed].to_numpy().sum(axis=0)
    sums = totals[:len(names)]
    cross = np.zeros((len(columns), len(columns)), dtype=totals.dtype)
    for (i, j), value in zip(pairs, totals[len(names):]):
        cross[i, j] = cross[j, i] = value
    return Aggregates(columns, n, sums, cross)


@dataclass(frozen=True)
class OlsFit:
    """Slopes (no constant), their classical standard errors, and the fit."""
    params: np.ndarray
    bse: np.ndarray
    df_resid: int
    rsquared: float
    rsquared_adj: float
    sd: np.ndarray  # sample standard deviations of the outcome then each driver

    def t_interval(self, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Student-t intervals and two-sided p-values on the residual degrees of freedom."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t_values = self.params / self.bse
        p_values = 2 * stats.t.sf(np.abs(t_values), self.df_resid)
        half = stats.t.ppf(1 - alpha / 2, self.df_resid) * self.bse
        return self.params - half, self.params + half, p_values


def ols_from_moments(aggregates: Aggregates) -> OlsFit:
    """OLS of the first column on the others with a constant, from n, sums and X'X alone.

    Slopes solve the centred normal equations (scaled to correlations for conditioning); the
    residual sum of squares is S_yy - b'S_xy; standard errors are classical OLS errors,
    sqrt(diag(sigma^2 S_xx^-1)) with sigma^2 = RSS / (n - k - 1), as statsmodels' nonrobust fit.
    """
    n, k = aggregates.n, len(aggregates.columns) - 1
    centred = aggregates.centred()
    s_yy, s_xy, s_xx = centred[0, 0], centred[1:, 0], centred[1:, 1:]
    scale = np.sqrt(np.diag(s_xx))
    correlation = s_xx / np.outer(scale, scale)
    params = np.linalg.solve(correlation, s_xy / scale) / scale
    rss = max(float(s_yy - params @ s_xy), 0.0)
    df_resid = n - k - 1
    inverse = np.linalg.inv(correlation) / np.outer(scale, scale)
    bse = np.sqrt(rss / df_resid * np.diag(inverse))
    rsquared = 1 - rss / s_yy
    rsquared_adj = 1 - (1 - rsquared) * (n - 1) / df_resid
    sd = np.sqrt(np.diag(centred) / (n - 1))
    return OlsFit(params, bse, df_resid, float(rsquared), float(rsquared_adj), sd)


def _no_variation(aggregates: Aggregates, i: int) -> bool:
    centred = aggregates.centred()[i, i]
    return bool(centred <= 1e-12 * max(abs(float(aggregates.cross[i, i])), 1e-300))


def _collinear(aggregates: Aggregates, names: list[str]) -> list[str]:
    """Drivers (in request order) whose variance is (almost) all explained by earlier ones."""
    centred = aggregates.subset(names).centred()
    scale = np.sqrt(np.diag(centred))
    correlation = centred / np.outer(scale, scale)
    kept: list[int] = []
    dropped = []
    for i, name in enumerate(names):
        left = 1.0
        if kept:
            r = correlation[np.ix_(kept, [i])][:, 0]
            left = 1.0 - float(r @ np.linalg.solve(correlation[np.ix_(kept, kept)], r))
        if left > COLLINEAR_TOLERANCE:
            kept.append(i)
        else:
            dropped.append(name)
    return dropped


def _answering(moments: pd.DataFrame, answered: pd.Series, question: str) -> int:
    return int(moments.loc[answered.map(lambda s: question in s).to_numpy(dtype=bool), "n"].sum())


def _total(moments: pd.DataFrame, column: str):
    return moments[column].sum() if column in moments else 0


def key_drivers(responses: pd.DataFrame, outcome: str, drivers: Sequence[str], min_n: int = 30,
                alpha: float = 0.05) -> pd.DataFrame:
    """:func:`key_drivers_from_moments` of a frame with one row per response and one float
    column per question (NaN when not answered or not offered)."""
    names = list(dict.fromkeys(drivers))
    if outcome in names:
        raise ValueError(f"the outcome {outcome!r} cannot also be a driver")
    return key_drivers_from_moments(response_moments(responses, [outcome, *names]), outcome, names,
                                    min_n=min_n, alpha=alpha)


def key_drivers_from_moments(moments: pd.DataFrame, outcome: str, drivers: Sequence[str], min_n: int = 30,
                             alpha: float = 0.05) -> pd.DataFrame:
    """Importance of each driver for ``outcome``: one OLS fit from the sufficient statistics.

    ``moments`` is a moments frame (see :func:`response_moments`): one row per answer pattern.
    The outcome is regressed on every driver asked, with a constant, over the complete cases
    (listwise deletion: the patterns that answered the outcome and every driver used).
    Importance is

    * for 1-5 drivers the standardised coefficient, beta * sd(x) / sd(y) over the complete cases
      (method 'standardised OLS'): the change in the outcome, in its standard deviations, per
      standard deviation of the driver; the interval is scaled the same way;
    * for binary (0/1) checklist drivers the raw coefficient (method 'OLS coefficient'): the
      change in the outcome when the option is selected, a change in probability when the
      outcome is binary (thumbs up/down).

    Standard errors are classical OLS errors (homoskedastic), the only ones the aggregates
    give: robust HC3 errors need each response's residual. Intervals and p-values use Student's
    t with the residual degrees of freedom. A driver is binary when all its answers are 0 or 1.
    Drivers without an estimate keep their row, with NaN statistics, significant False and a
    ``note``: 'not asked' (never answered), 'no variation' (constant in the complete cases),
    'collinear with other drivers', 'no variation in the outcome', 'no standard error' (an exact
    fit), or 'too few responses (n < N)' when complete cases are fewer than N = max(min_n,
    drivers used + 2); the complete cases are recounted without the drivers dropped for
    variation. ``n``, ``r_squared`` and ``adj_r_squared`` describe the fit and repeat on every
    row. ``performance`` is the share agreeing (4-5) or selecting, over the responses that
    answered the driver (``performance_n``), NaN below ``min_n``. Rows are sorted by importance,
    descending, NaN last.
    """
    names = list(dict.fromkeys(drivers))
    if outcome in names:
        raise ValueError(f"the outcome {outcome!r} cannot also be a driver")
    answered = _answered(moments)
    rows = {}
    for name in names:
        answers = _answering(moments, answered, name)
        asked = answers > 0
        binary = asked and _total(moments, other_name(name)) == 0
        if answers < min_n or answers == 0:
            performance = math.nan
        else:
            performance = float(_total(moments, sum_name(name) if binary else agree_name(name)) / answers)
        rows[name] = {
            "outcome": outcome, "driver": name, "method": (RAW if binary else STANDARDISED) if asked else None,
            "importance": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan,
            "significant": False, "n": 0, "r_squared": math.nan, "adj_r_squared": math.nan,
            "performance": performance, "performance_n": answers, "note": None if asked else NOT_ASKED,
        }
    has_outcome = _answering(moments, answered, outcome) > 0
    used = [name for name in names if rows[name]["note"] is None]

    if has_outcome:
        complete = complete_cases(moments, [outcome, *used], answered)
        for i, name in enumerate(used, start=1):
            rows[name]["note"] = NO_VARIATION if complete.n and _no_variation(complete, i) else None
    used = [name for name in used if rows[name]["note"] is None]
    n = complete_cases(moments, [outcome, *used], answered).n if has_outcome else 0
    threshold = max(min_n, len(used) + 2)
    for row in rows.values():
        row["n"] = n

    if n < threshold:
        for row in rows.values():
            if row["note"] != NOT_ASKED:
                row["note"] = too_few_note(threshold)
        return _frame(rows)
    complete = complete_cases(moments, [outcome, *used], answered)
    if _no_variation(complete, 0):
        for name in used:
            rows[name]["note"] = OUTCOME_CONSTANT
        return _frame(rows)

    for name in _collinear(complete, used) if used else []:
        rows[name]["note"] = COLLINEAR
    used = [name for name in used if rows[name]["note"] is None]
    if used:
        fit = ols_from_moments(complete.subset([outcome, *used]))
        low, high, p_values = fit.t_interval(alpha)
        r_squared, adj_r_squared = fit.rsquared, fit.rsquared_adj
    else:
        r_squared = adj_r_squared = 0.0
    for i, name in enumerate(used):
        row = rows[name]
        scale = 1.0 if row["method"] == RAW else fit.sd[i + 1] / fit.sd[0]
        row["importance"] = float(fit.params[i] * scale)
        if not (np.isfinite(fit.bse[i]) and fit.bse[i] > 0):
            row["note"] = NO_STANDARD_ERROR
            continue
        row["ci_low"], row["ci_high"] = float(low[i] * scale), float(high[i] * scale)
        row["p_value"] = float(p_values[i])
        row["significant"] = bool(p_values[i] < alpha)
    for row in rows.values():
        row["r_squared"], row["adj_r_squared"] = float(r_squared), float(adj_r_squared)
    return _frame(rows)


def _frame(rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows.values()), columns=COLUMNS)
    frame = frame.astype({"significant": bool, "n": "int64", "performance_n": "int64"})
    order = (-frame["importance"]).sort_values(kind="stable", na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def importance_performance(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``quadrant``: where each driver sits in the importance x performance view.

    Only significant drivers with an importance and a performance are placed. They are split at
    the median importance and the median performance of those drivers; a value at or above the
    median counts as high. High importance and low performance -> 'Fix first'; high and high ->
    'Keep it up'; low and low -> 'Monitor'; low importance, high performance -> 'Maintain'.
    Drivers with an estimate that are not significant -> 'Not significant'; drivers without
    importance (or without performance, i.e. suppressed) -> 'No estimate'. The view assumes
    drivers where more is better (1-5 drivers and positive_* options).
    """
    out = frame.copy()
    estimated = out["importance"].notna() & out["performance"].notna()
    placed = estimated & out["significant"].astype(bool)
    high_importance = out["importance"] >= out.loc[placed, "importance"].median()
    high_performance = out["performance"] >= out.loc[placed, "performance"].median()
    quadrant = np.select(
        [~estimated, ~placed, high_importance & ~high_performance, high_importance, ~high_performance],
        ["No estimate", "Not significant", "Fix first", "Keep it up", "Monitor"],
        default="Maintain",
    )
    out["quadrant"] = pd.Series(quadrant, index=out.index, dtype=object)
    return out


def _number(value: float) -> str:
    text = f"{value:.2f}"
    return text.replace("-", "\u2212") if text.strip("-0.") else text.lstrip("-")


def drivers_sentence(frame: pd.DataFrame, outcome_label: str, scope_label: str, alpha: float = 0.05) -> str:
    """One plain-English takeaway of a key_drivers frame.

    ``scope_label`` follows "In", e.g. "FY2022 Q4 for Example service". The driver named is the
    significant one with the largest absolute importance ("moves most" reads either way).
    ``alpha`` must be the one key_drivers used: it sets the interval's level in the text.
    """
    estimated = frame[frame["importance"].notna()]
    n = int(frame["n"].max()) if len(frame) else 0
    if estimated.empty:
        notes = frame["note"].dropna().unique().tolist()
        if not notes or any(str(note).startswith("too few responses") for note in notes):
            return f"Too few responses in {scope_label} to estimate what moves {outcome_label} (n = {n:,})."
        return f"In {scope_label}, no driver of {outcome_label} could be estimated ({'; '.join(map(str, notes))})."
    fit = f"n = {n:,}, R\u00b2 = {estimated['r_squared'].iloc[0]:.2f}"
    significant = estimated[estimated["significant"].astype(bool)]
    not_significant = len(estimated) - len(significant)
    missing = len(frame) - len(estimated)
    tail = f"{not_significant} of {len(estimated)} {'driver is' if len(estimated) == 1 else 'drivers are'} not significant"
    if missing:
        tail += f"; {missing} could not be estimated"
    if significant.empty:
        return f"In {scope_label}, no driver moves {outcome_label} significantly ({fit}); {tail}."
    top = significant.loc[significant["importance"].abs().idxmax()]
    unit = "standardized" if top["method"] == STANDARDISED else "when selected"
    level = f"{(1 - alpha) * 100:g}%"
    return (
        f"In {scope_label}, {str(top['driver']).replace('_', ' ')} moves {outcome_label} most ({_number(top['importance'])} {unit}, "
        f"{level} CI {_number(top['ci_low'])} to {_number(top['ci_high'])}; {fit}); {tail}."
    )
