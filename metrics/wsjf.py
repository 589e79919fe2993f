"""Weighted shortest job first (WSJF) for a portfolio of CX initiatives, as pure functions.

Every score is relative, on the modified Fibonacci scale (1, 2, 3, 5, 8, 13, 20): the gaps widen
as the numbers grow because estimates of big things are rougher.

    cost of delay = w_cv * customer value + w_mv * mission value
                    + w_tc * time criticality + w_rr * risk reduction / opportunity enablement
    WSJF          = cost of delay / job size

Customer value can come from the data instead of a judgement (``customer_value_scores``), and a
finished initiative's measures can be checked for movement (``movement``).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cxdash.metrics.proportions import two_proportion_test

SCALE = (1, 2, 3, 5, 8, 13, 20)
COMPONENTS = ("customer_value", "mission_value", "time_criticality", "risk_reduction")
COMPONENT_LABELS = {"customer_value": "Customer value", "mission_value": "Mission value",
                    "time_criticality": "Time criticality", "risk_reduction": "Risk reduction / opportunity enablement"}
DEFAULT_WEIGHTS = {c: 1.0 for c in COMPONENTS}
POINTS_RANGE = 4.0  # a 1-5 mean score spans 4 points: a points gap / 4 is comparable to a proportion gap


def cost_of_delay(scores: Mapping[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The weighted sum of the four cost-of-delay components (weights default to 1 each)."""
    weights = DEFAULT_WEIGHTS if weights is None else weights
    return float(sum(float(weights.get(c, 1.0)) * float(scores[c]) for c in COMPONENTS))


def wsjf(cost: float, job_size: float) -> float:
    """Cost of delay per unit of job size: the higher, the sooner it should be done."""
    if not job_size or job_size <= 0:
        raise ValueError(f"job size must be positive, got {job_size!r}")
    return float(cost) / float(job_size)


def rank(items: Iterable[Mapping], weights: Mapping[str, float] | None = None) -> list[dict]:
    """Items (each with the four components, ``job_size`` and ``name``) as new dicts with
    ``cost_of_delay``, ``wsjf`` and ``rank`` (1 = do first), highest WSJF first.

    Ties are broken so the order never depends on input order: the smaller job first (it
    delivers its value sooner), then by name. WSJF is compared to 9 decimals so 12/3 and 20/5
    tie although floating point may not make them equal."""
    scored = []
    for item in items:
        cost = cost_of_delay(item, weights)
        scored.append({**item, "cost_of_delay": cost, "wsjf": wsjf(cost, item["job_size"])})
    scored.sort(key=lambda r: (-round(r["wsjf"], 9), float(r["job_size"]), str(r["name"]).casefold(), str(r["name"])))
    return [{**r, "rank": i} for i, r in enumerate(scored, start=1)]


# --- customer value from the data -----------------------------------------------------------

def shortfall(value: float | None, target: float | None, direction: str, unit: str) -> float | None:
    """How far a measure is short of its target, >= 0, on a 0-1 footing: a percent measure's gap
    in proportion (0.05 = 5 points short); a points measure's gap divided by the 4 points of its
    1-5 scale. 0 when the target is met; None without a value or a target."""
    if value is None or target is None or _nan(value) or _nan(target):
        return None
    gap = (target - value) if direction == "higher" else (value - target)
    gap = max(0.0, float(gap))
    return gap / POINTS_RANGE if unit == "points" else gap


def impact(volume: float | None, shortfalls: Iterable[float | None]) -> float | None:
    """Customers affected times the largest shortfall of the measures the initiative targets:
    roughly how many customers are short of the targeted experience. The largest, not the sum,
    because the measures of one service describe the same customers. None when unknown."""
    known = [s for s in shortfalls if s is not None]
    if volume is None or _nan(volume) or not known:
        return None
    return float(volume) * max(known)


def to_scale(share: float) -> int:
    """A share of the largest impact (0-1) onto the scale: 20 x share, to the nearest scale value
    (a tie goes to the larger), never below 1."""
    if _nan(share) or share <= 0:
        return SCALE[0]
    x = 20.0 * min(1.0, float(share))
    return min(SCALE, key=lambda v: (abs(v - x), -v))


def customer_value_scores(impacts: Mapping[str, float | None], from_data: Iterable[str]) -> dict[str, int]:
    """Scale values for the initiatives scored from the data, relative to every initiative:

    the largest impact among all initiatives (data-scored or not; their impacts come from the same
    data) is 20, and each data-scored initiative gets ``to_scale(its impact / the largest)``. An
    initiative whose impact is unknown or zero gets 1 (the scale's bottom), so a missing number
    never inflates a rank."""
    known = [v for v in impacts.values() if v is not None and not _nan(v)]
    top = max(known, default=0.0)
    out = {}
    for key in from_data:
        value = impacts.get(key)
        out[key] = to_scale(value / top) if top > 0 and value is not None and not _nan(value) else SCALE[0]
    return out


# --- did a measure move ---------------------------------------------------------------------

UP, DOWN, NO_CHANGE, NOT_ENOUGH, NOT_TESTED = "up", "down", "no_change", "not_enough_data", "not_tested"


@dataclass(frozen=True)
class Movement:
    """A measure before an initiative started vs after it finished."""
    outcome: str  # up, down (significant), no_change, not_enough_data, not_tested (a mean score)
    change: float | None = None
    p_value: float | None = None

    @property
    def significant(self) -> bool:
        return self.outcome in (UP, DOWN)


def movement(before: Mapping | None, after: Mapping | None, unit: str, alpha: float = 0.05) -> Movement:
    """``before``/``after``: {'value', 'n'} of the quarter before the start and of the latest
    quarter after the end (None: no such quarter). A percent measure is tested with the pooled
    two-proportion z test (its agree count is value x n, as the value was agree / n); a mean
    score needs the spread, which the stored result lacks, so its change is reported untested."""
    if not _usable(before) or not _usable(after):
        return Movement(NOT_ENOUGH)
    change = float(after["value"]) - float(before["value"])
    if unit != "percent":
        return Movement(NOT_TESTED, change)
    n1, n2 = int(after["n"]), int(before["n"])
    p_value = two_proportion_test(round(after["value"] * n1), n1, round(before["value"] * n2), n2)
    if p_value is None:
        return Movement(NOT_ENOUGH, change)
    if p_value < alpha:
        return Movement(UP if change > 0 else DOWN, change, p_value)
    return Movement(NO_CHANGE, change, p_value)


def _usable(point: Mapping | None) -> bool:
    return (point is not None and point.get("value") is not None and not _nan(point["value"])
            and point.get("n") is not None and int(point["n"]) > 0)


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)
