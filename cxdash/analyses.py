"""Compute-time analyses under the CX office's pages: key drivers, segment gaps, trends.

Each is heavy (a regression per scope and quarter, a test per segment and quarter) and runs
once per compute; pages only read the stored results, so a filter change stays fast.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from cxdash.cells import clean
from cxdash.channels import ALL
from cxdash.db import analysis_queries
from cxdash.metrics.a11_scores import DRIVERS
from cxdash.metrics.drivers import (
    CHECKLIST_PREFIXES,
    OUTCOMES,
    PATTERN_SEPARATOR,
    importance_performance,
    key_drivers_from_moments,
)
from cxdash.metrics.equity import segment_gaps
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.trends import trend_table

WINDOW_QUARTERS = 4  # a rolling year of responses: one quarter is often too few for a stable model
SCOPES = [(False, False), (True, False), (True, True)]  # overall, each provider, each service
# Proportion indicators compared between channels like survey scores (higher is better).
CHANNEL_INDICATORS = ("on_time_rate", "first_contact_resolution")


def _scoped(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame once per scope level: overall, each provider, each service."""
    frames = []
    for keep_provider, keep_service in SCOPES:
        frames.append(frame.assign(provider=frame["provider"] if keep_provider else ALL,
                                   service=frame["service"] if keep_service else ALL))
    return pd.concat(frames, ignore_index=True)


def _driver_sets(questions: set[str]) -> list[list[str]]:
    """Generation-1 agree-scale drivers and generation-2 checklists are separate models: a form
    asks one or the other, so pooling them would leave no complete response."""
    likert = [d for d in DRIVERS if d in questions]
    checklist = sorted(q for q in questions if q.startswith(CHECKLIST_PREFIXES))
    return [s for s in (likert, checklist) if s]


def _asked(window: pd.DataFrame) -> set[str]:
    """The questions answered by at least one response of a moments frame."""
    return {q for p in window.loc[window["n"] > 0, "pattern"] if p for q in p.split(PATTERN_SEPARATOR)}


@dataclass
class KeptWindows:
    """Key-driver windows that keep their stored estimates: those none of whose quarterly cells
    changed since the computation that stored ``rows`` (``changed``: provider, service,
    fiscal_year, fiscal_quarter of the cells recounted since). A window's estimates are a
    function of its cells' sums alone, so an unchanged window would be fitted to the same rows."""
    changed: pd.DataFrame
    rows: list[dict]
    kept: int = 0  # windows kept by this computation
    _touched: set = field(default_factory=set)
    _stored: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in self.changed.itertuples(index=False):
            index = r.fiscal_year * 4 + r.fiscal_quarter - 1
            for provider, service in ((ALL, ALL), (r.provider, ALL), (r.provider, r.service)):
                self._touched.add((provider, service, index))
        for row in self.rows:
            self._stored.setdefault((row["provider"], row["service"], row["fiscal_year"], row["fiscal_quarter"]),
                                    []).append(row)

    def stored(self, provider: str, service: str, end: int) -> list[dict] | None:
        """The window's stored rows, or None when one of its quarters changed."""
        if any((provider, service, index) in self._touched for index in range(end - WINDOW_QUARTERS + 1, end + 1)):
            return None
        self.kept += 1
        last = FiscalQuarter.from_index(int(end))
        return self._stored.get((provider, service, last.year, last.quarter), [])


def driver_rows(moments: pd.DataFrame, min_n: int, alpha: float, now: dt.datetime,
                kept: KeptWindows | None = None) -> list[dict]:
    """Key drivers of trust and satisfaction for every scope and every quarter with responses,
    over the rolling year of responses that ends in that quarter.

    ``moments`` holds the sufficient statistics per quarterly cell and answer pattern
    (``analysis_queries.driver_moments``): a scope's rolling year is the sum of its cells with
    the same pattern, so no answer is read twice. Thumbs (binary) and Likert (5pt) answers of an
    outcome are separate models (``scale`` on each row), never pooled. With ``kept``, a window
    whose cells did not change keeps its stored rows instead of being fitted again."""
    if moments.empty:
        return []
    values = [c for c in moments if c not in (*_DRIVER_CELL, "pattern")]
    cells = moments.assign(index=moments["fiscal_year"] * 4 + moments["fiscal_quarter"] - 1)
    rows = []
    for (provider, service), scope in _scoped(cells).groupby(["provider", "service"], sort=True):
        quarterly = scope.groupby(["index", "pattern"], as_index=False, sort=True)[values].sum()
        for end in sorted(quarterly["index"].unique()):
            stored = kept.stored(provider, service, int(end)) if kept is not None else None
            if stored is not None:
                rows.extend(stored)
                continue
            in_window = quarterly[(quarterly["index"] > end - WINDOW_QUARTERS) & (quarterly["index"] <= end)]
            first = FiscalQuarter.from_index(int(in_window["index"].min()))
            last = FiscalQuarter.from_index(int(end))
            window = in_window.groupby("pattern", as_index=False, sort=True)[values].sum()
            asked = _asked(window)
            for outcome in OUTCOMES:
                for column in sorted(c for c in asked if c.partition("@")[0] == outcome):
                    scale = column.partition("@")[2]
                    for drivers in _driver_sets(asked):
                        fitted = key_drivers_from_moments(window, column, drivers, min_n=min_n, alpha=alpha)
                        for r in importance_performance(fitted).to_dict("records"):
                            rows.append({**{k: clean(v) for k, v in r.items() if k in _DRIVER_FIELDS},
                                         "outcome": outcome, "scale": scale,
                                         "provider": provider, "service": service,
                                         "fiscal_year": last.year, "fiscal_quarter": last.quarter,
                                         "first_year": first.year, "first_quarter": first.quarter,
                                         "n": int(r["n"]), "performance_n": int(r["performance_n"]),
                                         "computed_at": now})
    return rows


_DRIVER_CELL = ("provider", "service", "fiscal_year", "fiscal_quarter")


_DRIVER_FIELDS = {"outcome", "driver", "method", "importance", "ci_low", "ci_high", "p_value", "significant",
                  "r_squared", "adj_r_squared", "performance", "quadrant", "note"}
# The scale is part of every comparison: thumbs (binary) and Likert (5pt) answers of one question
# are different measures and never share a family, even where both reach one channel or scope.
_SEGMENT_KEYS = ["fiscal_year", "fiscal_quarter", "provider", "service", "dimension", "question", "scale"]


def segment_rows(segments: pd.DataFrame, cells: pd.DataFrame, indicators: list[dict], min_n: int, alpha: float,
                 now: dt.datetime) -> list[dict]:
    """Every segment beside the best-served one of its comparison: survey segments (rolled up to
    each scope), channels from the score cells, and channels on proportion indicators."""
    parts = []
    if not segments.empty:
        summed = _scoped(segments).groupby(_SEGMENT_KEYS + ["segment"], as_index=False)[["agree", "n"]].sum()
        parts.append(summed)
    if not cells.empty:
        by_channel = cells[cells["stage"].eq(ALL) & cells["channel"].ne(ALL)]
        parts.append(by_channel.assign(dimension="channel", segment=by_channel["channel"])[
            _SEGMENT_KEYS + ["segment", "agree", "n"]])
    measured = pd.DataFrame(indicators)
    if not measured.empty:
        shares = measured[measured["indicator"].isin(CHANNEL_INDICATORS) & measured["stage"].eq(ALL)
                          & measured["channel"].ne(ALL) & measured["value"].notna()]
        parts.append(shares.assign(dimension="channel", segment=shares["channel"], question=shares["indicator"],
                                   scale=None, agree=(shares["value"] * shares["n"]).round().astype("int64"))[
            _SEGMENT_KEYS + ["segment", "agree", "n"]])
    if not parts:
        return []
    gaps = segment_gaps(pd.concat(parts, ignore_index=True), _SEGMENT_KEYS, min_n=min_n, alpha=alpha)
    return [{**{k: clean(v) for k, v in r.items()}, "computed_at": now} for r in gaps.to_dict("records")]


def trend_rows(cells: pd.DataFrame, min_n: int, alpha: float, now: dt.datetime) -> list[dict]:
    """Quarter-on-quarter, year-on-year and trend tests of % agree for every scope, channel and question."""
    if cells.empty:
        return []
    keys = ["provider", "service", "channel", "question", "scale"]
    mine = cells[cells["stage"].eq(ALL)][[*keys, "fiscal_year", "fiscal_quarter", "agree", "n"]]
    table = trend_table(mine, keys, min_n=min_n, alpha=alpha)
    return [{**{k: clean(v) for k, v in r.items()}, "computed_at": now} for r in table.to_dict("records")]


def analysis_rows(engine, cells: pd.DataFrame, indicators: list[dict], min_n: int, alpha: float,
                  now: dt.datetime, kept: KeptWindows | None = None) -> tuple[list[dict], list[dict], list[dict]]:
    with engine.connect() as conn:
        moments = analysis_queries.driver_moments(conn)
        segments = analysis_queries.segment_counts(conn)
    return (driver_rows(moments, min_n, alpha, now, kept),
            segment_rows(segments, cells, indicators, min_n, alpha, now),
            trend_rows(cells, min_n, alpha, now))
