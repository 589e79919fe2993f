"""Operational indicators from case histograms: time to complete, on-time rate, backlog, volume.

The database returns counts per cell and whole day (days to close, or created date); these
functions turn them into indicators, so millions of cases cost what their distinct days cost.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxdash.metrics.proportions import wilson_interval

NOT_REPORTED = "not_reported"  # the channel of a case whose export does not say (cxdash.channels)

DIGITAL_CHANNELS = frozenset({
    "computer", "mobile", "email", "chatbot", "website", "mobile_app", "live_chat", "sms_text_messages",
    "social_media", "other_digital",
})


def weighted_percentile(values, weights, q: float) -> float:
    """The q-th percentile (0-100) of values repeated by weights (numpy's inverted CDF: an actual value)."""
    return float(np.percentile(np.asarray(values, dtype=float), q, weights=np.asarray(weights, dtype=float),
                               method="inverted_cdf"))


def grouped_percentile(frame: pd.DataFrame, keys: Sequence[str], value: str, weight: str, q: float) -> pd.Series:
    """weighted_percentile for every group at once: the smallest value whose cumulative weight
    reaches q% of the group's total (the inverted CDF), without a Python loop over groups."""
    keys = list(keys)
    ordered = frame.sort_values([*keys, value], kind="stable")
    grouped = ordered.groupby(keys, sort=True, dropna=False)[weight]
    reached = grouped.cumsum() >= grouped.transform("sum") * (q / 100.0)
    return ordered[reached].groupby(keys, sort=True, dropna=False)[value].first().astype(float)


def completion(hist: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group: cases closed, median and 90th percentile time to complete, on-time rate.

    ``hist`` has ``keys``, ``days_to_close``, ``n`` (cases), ``on_time`` and ``with_due`` counts,
    and optionally ``hours_to_close`` (NaN for cases counted in days). A group whose every case
    is counted in hours gets ``unit`` 'hours' and its median and 90th percentile in hours; any
    other group is in whole days (``unit`` 'days'), so one figure never mixes the two.
    """
    keys = list(keys)
    out = hist.groupby(keys, sort=True, dropna=False)[["n", "on_time", "with_due"]].sum().rename(columns={"n": "closed"})
    out["median_days"] = grouped_percentile(hist, keys, "days_to_close", "n", 50)
    out["p90_days"] = grouped_percentile(hist, keys, "days_to_close", "n", 90)
    out["unit"] = "days"
    out["median"], out["p90"] = out["median_days"], out["p90_days"]
    if "hours_to_close" in hist and hist["hours_to_close"].notna().any():
        in_hours = hist["hours_to_close"].notna().groupby([hist[k] for k in keys], sort=True, dropna=False).all()
        timed = hist[hist["hours_to_close"].notna()]
        hours = pd.DataFrame({"median": grouped_percentile(timed, keys, "hours_to_close", "n", 50),
                              "p90": grouped_percentile(timed, keys, "hours_to_close", "n", 90)})
        hours = hours[in_hours.reindex(hours.index, fill_value=False)]
        out.loc[hours.index, ["median", "p90"]] = hours[["median", "p90"]]
        out.loc[hours.index, "unit"] = "hours"
    out["on_time_rate"] = (out["on_time"] / out["with_due"]).where(out["with_due"] > 0)
    low, high = wilson_interval(out["on_time"], out["with_due"])
    out["on_time_ci_low"], out["on_time_ci_high"] = low, high
    return out.reset_index()


def in_hours(median_minutes: float) -> bool:
    """time_unit auto: a service whose median case completes in under two days works in hours."""
    return median_minutes < 2 * 24 * 60


def backlog(open_ages: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group: open cases at a quarter's end and their median age in days.

    ``open_ages`` has ``keys``, ``age_days`` and ``n``: cases of that age (whole days since the
    day they were created) still open at the end of the group's quarter. With the quarter in
    ``keys``, one call covers every quarter end.
    """
    keys = list(keys)
    out = open_ages.groupby(keys, sort=True, dropna=False)[["n"]].sum().rename(columns={"n": "backlog"})
    out["median_age_days"] = grouped_percentile(open_ages, keys, "age_days", "n", 50)
    return out.reset_index()


def digital_share(created: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group: cases created, cases whose channel was reported, the share of those that came
    through a digital channel, and the cases whose channel was not reported (counted apart: an
    unknown channel is neither digital nor non-digital, so it is left out of the share)."""
    data = created.assign(digital=created["n"].where(created["channel"].isin(DIGITAL_CHANNELS), 0),
                          not_reported=created["n"].where(created["channel"] == NOT_REPORTED, 0))
    out = data.groupby(list(keys), sort=True, dropna=False)[["n", "digital", "not_reported"]].sum().reset_index()
    out["reported"] = out["n"] - out["not_reported"]
    out["digital_share"] = (out["digital"] / out["reported"]).where(out["reported"] > 0)
    return out
