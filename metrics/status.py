"""Status of a measure against its target, direction-aware."""
from __future__ import annotations

import math

ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, NO_TARGET = "on_track", "at_risk", "off_track", "no_data", "no_target"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, NO_TARGET)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def measure_status(value, target, direction: str, at_risk_within: float) -> str:
    """on_track when the target is met; at_risk when short of it by at most ``at_risk_within``
    (in the measure's unit); off_track otherwise. ``direction`` is 'higher' or 'lower' (better)."""
    if _missing(value):
        return NO_DATA
    if _missing(target):
        return NO_TARGET
    if direction not in ("higher", "lower"):
        raise ValueError(f"direction must be 'higher' or 'lower', got {direction!r}")
    shortfall = (target - value) if direction == "higher" else (value - target)
    if shortfall <= 1e-12:
        return ON_TRACK
    if shortfall <= at_risk_within + 1e-12:
        return AT_RISK
    return OFF_TRACK
