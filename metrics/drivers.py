"""Key-driver analysis: which A-11 drivers move trust or satisfaction most.

One OLS fit per call (statsmodels, HC3 robust covariance) of an outcome on the drivers asked,
over the responses that answered all of them. Works for generation-1 forms (1-5 agree drivers)
and Touchpoints A-11 v2 forms (checklist options: 1 selected, 0 offered but not selected, NaN
not on the form). Pure functions of pandas frames.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

STANDARDISED = "standardised OLS, HC3"
RAW = "OLS coefficient, HC3"
NOT_ASKED = "not asked"
NO_VARIATION = "no variation"
TOO_LITTLE_VARIATION = "too little variation"  # one response differs: HC3 is undefined (leverage 1)
COLLINEAR = "collinear with other drivers"
OUTCOME_CONSTANT = "no variation in the outcome"
NO_STANDARD_ERROR = "no standard error"  # guard: a response fully determines the fit (leverage 1)
COLUMNS = [
    "outcome", "driver", "method", "importance", "ci_low", "ci_high", "p_value", "significant", "n",
    "r_squared", "adj_r_squared", "performance", "performance_n", "note",
]


def too_few_note(threshold: int) -> str:
    return f"too few responses (n < {threshold})"


def _is_binary(values: pd.Series) -> bool:
    """A driver is binary when every answer is 0 or 1 (a checklist option); otherwise 1-5."""
    answered = values.dropna()
    return len(answered) > 0 and bool(answered.isin([0, 1]).all())


def _performance(values: pd.Series, binary: bool, min_n: int) -> tuple[float, int]:
    """Share selected (binary) or share agreeing 4-5 (1-5) over the responses that answered."""
    answered = values.dropna()
    n = len(answered)
    if n < min_n or n == 0:
        return math.nan, n
    share = (answered == 1).mean() if binary else (answered >= 4).mean()
    return float(share), n


def _variation_note(values: pd.Series) -> str | None:
    """None when at least two responses differ from the most common value (HC3 needs that)."""
    counts = values.value_counts()
    if len(counts) <= 1:
        return NO_VARIATION
    if len(values) - counts.iloc[0] < 2:
        return TOO_LITTLE_VARIATION
    return None


def _collinear(design: np.ndarray, names: list[str]) -> list[str]:
    """Drivers (in request order) that are linear combinations of the constant and earlier ones."""
    if np.linalg.matrix_rank(design) == design.shape[1]:
        return []
    kept, dropped = [0], []
    for i, name in enumerate(names, start=1):
        if np.linalg.matrix_rank(design[:, kept + [i]]) == len(kept) + 1:
            kept.append(i)
        else:
            dropped.append(name)
    return dropped


def _complete(responses: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return responses[columns].dropna() if columns else responses.iloc[:, :0]


def key_drivers(responses: pd.DataFrame, outcome: str, drivers: Sequence[str], min_n: int = 30,
                alpha: float = 0.05) -> pd.DataFrame:
    """Importance of each driver for ``outcome``: one OLS fit with HC3 robust standard errors.

    ``responses`` has one row per response and one float column per question (NaN when not
    answered or not offered). The outcome is regressed on every driver asked, with a constant,
    over the complete cases (listwise deletion). Importance is

    * for 1-5 drivers the standardised coefficient, beta * sd(x) / sd(y) over the complete cases
      (method 'standardised OLS, HC3'): the change in the outcome, in its standard deviations,
      per standard deviation of the driver; the interval is scaled the same way;
    * for binary (0/1) checklist drivers the raw coefficient (method 'OLS coefficient, HC3'):
      the change in the outcome when the option is selected, a change in probability when the
      outcome is binary (thumbs up/down).

    A driver is binary when all its answers are 0 or 1. Intervals and p-values use Student's t
    with the residual degrees of freedom (conservative in small cells). Drivers without an
    estimate keep their row, with NaN statistics, significant False and a ``note``: 'not asked'
    (column absent or all NaN), 'no variation' (constant in the complete cases), 'too little
    variation' (only one complete case differs: its leverage would be 1 and HC3 undefined),
    'collinear with other drivers', 'no variation in the outcome', or 'too few responses (n <
    N)' when complete cases are fewer than N = max(min_n, drivers used + 2); the complete cases
    are recounted without the drivers dropped for variation. ``n``, ``r_squared`` and
    ``adj_r_squared`` describe the fit and repeat on every row. ``performance`` is the share
    agreeing (4-5) or selecting, over the responses that answered the driver
    (``performance_n``), NaN below ``min_n``. Rows are sorted by importance, descending, NaN last.
    """
    names = list(dict.fromkeys(drivers))
    if outcome in names:
        raise ValueError(f"the outcome {outcome!r} cannot also be a driver")
    rows = {}
    for name in names:
        values = responses[name] if name in responses else pd.Series(np.nan, index=responses.index)
        asked = bool(values.notna().any())
        binary = _is_binary(values)
        performance, performance_n = _performance(values, binary, min_n)
        rows[name] = {
            "outcome": outcome, "driver": name, "method": (RAW if binary else STANDARDISED) if asked else None,
            "importance": math.nan, "ci_low": math.nan, "ci_high": math.nan, "p_value": math.nan,
            "significant": False, "n": 0, "r_squared": math.nan, "adj_r_squared": math.nan,
            "performance": performance, "performance_n": performance_n, "note": None if asked else NOT_ASKED,
        }
    has_outcome = outcome in responses and bool(responses[outcome].notna().any())
    used = [name for name in names if rows[name]["note"] is None]

    complete = _complete(responses, [outcome, *used]) if has_outcome else responses.iloc[:0, :0]
    for name in used:
        rows[name]["note"] = _variation_note(complete[name]) if len(complete) else None
    used = [name for name in used if rows[name]["note"] is None]
    if has_outcome:
        complete = _complete(responses, [outcome, *used])
    n = len(complete)
    threshold = max(min_n, len(used) + 2)
    for row in rows.values():
        row["n"] = n

    if n < threshold:
        for row in rows.values():
            if row["note"] != NOT_ASKED:
                row["note"] = too_few_note(threshold)
        return _frame(rows)
    y = complete[outcome].to_numpy(dtype=float)
    if np.ptp(y) == 0:
        for name in used:
            rows[name]["note"] = OUTCOME_CONSTANT
        return _frame(rows)

    design = sm.add_constant(complete[used].to_numpy(dtype=float), has_constant="add")
    for name in _collinear(design, used):
        rows[name]["note"] = COLLINEAR
    used = [name for name in used if rows[name]["note"] is None]
    design = sm.add_constant(complete[used].to_numpy(dtype=float), has_constant="add")
    fit = sm.OLS(y, design).fit(cov_type="HC3", use_t=True)
    ci = np.asarray(fit.conf_int(alpha=alpha))
    sd_y = y.std(ddof=1)
    for i, name in enumerate(used, start=1):
        row = rows[name]
        scale = 1.0 if row["method"] == RAW else complete[name].std(ddof=1) / sd_y
        row["importance"] = float(fit.params[i] * scale)
        row["r_squared"], row["adj_r_squared"] = float(fit.rsquared), float(fit.rsquared_adj)
        if not np.isfinite(fit.bse[i]):
            row["note"] = NO_STANDARD_ERROR
            continue
        row["ci_low"], row["ci_high"] = float(ci[i, 0] * scale), float(ci[i, 1] * scale)
        row["p_value"] = float(fit.pvalues[i])
        row["significant"] = bool(fit.pvalues[i] < alpha)
    for name, row in rows.items():
        if name not in used:
            row["r_squared"], row["adj_r_squared"] = float(fit.rsquared), float(fit.rsquared_adj)
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
    unit = "standardised" if top["method"] == STANDARDISED else "when selected"
    level = f"{(1 - alpha) * 100:g}%"
    return (
        f"In {scope_label}, {str(top['driver']).replace('_', ' ')} moves {outcome_label} most ({_number(top['importance'])} {unit}, "
        f"{level} CI {_number(top['ci_low'])} to {_number(top['ci_high'])}; {fit}); {tail}."
    )


def response_matrix(answers: pd.DataFrame) -> pd.DataFrame:
    """Long answers (response_id, question, value) -> one row per response, one float column per question.

    A response answering the same question twice is a data error and raises ValueError.
    """
    duplicated = answers.duplicated(["response_id", "question"])
    if duplicated.any():
        first = answers.loc[duplicated, ["response_id", "question"]].iloc[0].tolist()
        raise ValueError(f"response {first[0]!r} answers question {first[1]!r} more than once")
    wide = answers.pivot(index="response_id", columns="question", values="value").astype(float)
    wide.columns.name = None
    return wide
