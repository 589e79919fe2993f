"""Exact half-up rounding, as performance.gov publishes the A-11 mean point scale.

Python's round() rounds half to even and binary floats cannot hold 4.525 exactly, so the
published figure is reproduced from the integer counts with decimal arithmetic.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext


def ratio_half_up(numerator: int, denominator: int, places: int = 2) -> Decimal | None:
    """numerator / denominator rounded half up to `places` decimals, computed exactly."""
    if denominator == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 50
        value = Decimal(int(numerator)) / Decimal(int(denominator))
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
