"""Contact-center indicators from summed interval counts: volume, abandonment, speed of answer,
first-contact resolution.

Inputs are sums (never averages), so a roll-up is the sum of its parts and every ratio is
exact. A ratio whose denominator is 0 is NaN (stored as None), never 0.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cxdash.metrics.proportions import wilson_interval

SUMS = ["offered", "answered", "abandoned", "answer_seconds", "answered_with_time",
        "resolved_first_contact", "resolution_known"]


def contact_indicators(sums: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group of ``keys``: the summed counts plus

    - ``calls_offered``: contacts offered (volume);
    - ``abandonment_rate``: abandoned / offered;
    - ``asa_seconds``: average speed of answer, answer seconds / answered contacts whose time is known;
    - ``fcr_rate``: resolved at first contact / resolution known, with a Wilson interval
      (``fcr_ci_low``, ``fcr_ci_high``), since resolution is usually known for a surveyed sample.

    Abandonment gets no interval: it counts every offered contact, not a sample.
    """
    keys = list(keys)
    out = sums.groupby(keys, sort=True, dropna=False)[SUMS].sum().reset_index()
    out["calls_offered"] = out["offered"]
    out["abandonment_rate"] = (out["abandoned"] / out["offered"]).where(out["offered"] > 0)
    out["asa_seconds"] = (out["answer_seconds"] / out["answered_with_time"]).where(out["answered_with_time"] > 0)
    out["fcr_rate"] = (out["resolved_first_contact"] / out["resolution_known"]).where(out["resolution_known"] > 0)
    low, high = wilson_interval(out["resolved_first_contact"], out["resolution_known"])
    out["fcr_ci_low"], out["fcr_ci_high"] = low, high
    return out
