"""Compute step: counts from the database -> scores and measure results the pages read.

Heavy work happens here, once per load, never in a page callback.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from cxdash.catalogue import Catalogue, Measure
from cxdash.channels import ALL
from cxdash.db import queries
from metrics import operations
from metrics.a11_scores import rollup, score_counts
from metrics.fiscal import FiscalQuarter
from metrics.measures import quarterly_series
from metrics.status import measure_status

ROLLED = ALL


@dataclass
class ComputeReport:
    cells: int
    measure_rows: int
    indicators: int = 0

    def summary(self) -> str:
        return (f"computed {self.cells} score cells, {self.measure_rows} measure results "
                f"and {self.indicators} operational indicators")


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def attach_wordings(counts: pd.DataFrame, wordings: pd.DataFrame) -> pd.DataFrame:
    keys = [*queries.CELL, "question"]
    if wordings.empty:
        return counts.assign(wordings=None)
    merged = wordings.groupby(keys)["wording"].agg(lambda s: "\n".join(sorted(set(s.dropna())))).rename("wordings")
    return counts.merge(merged.reset_index(), on=keys, how="left")


CELL_COLUMNS = ("provider", "service", "channel", "stage")


def rollup_levels() -> list[list[str]]:
    """The cell columns kept at each roll-up level: the finest cells and every roll-up of
    provider/service, channel and stage (a service is always shown under its provider)."""
    levels = []
    for keeps in itertools.product((True, False), repeat=4):
        keep = dict(zip(CELL_COLUMNS, keeps))
        if keep["service"] and not keep["provider"]:
            continue
        levels.append([c for c in CELL_COLUMNS if keep[c]])
    return levels


def rolled(frame: pd.DataFrame, kept: list[str]) -> pd.DataFrame:
    """The frame with every cell column not kept set to 'all'."""
    return frame.assign(**{c: ROLLED for c in CELL_COLUMNS if c not in kept})


def score_cells(counts: pd.DataFrame, min_n: int, alpha: float) -> pd.DataFrame:
    """Scores for the finest cells and every roll-up level."""
    frames = [rolled(rollup(counts, ["fiscal_year", "fiscal_quarter", *kept]), kept) for kept in rollup_levels()]
    return score_counts(pd.concat(frames, ignore_index=True), min_n=min_n, alpha=alpha)


SCOPE_LEVELS = [  # (keep provider, keep service, keep channel): overall, per provider, per service
    (False, False, False), (False, False, True), (True, False, False),
    (True, False, True), (True, True, False), (True, True, True),
]


def expand_scopes(counts: pd.DataFrame) -> pd.DataFrame:
    """Each cell once per filter scope it belongs to ('all' where the scope rolls a column up),
    so one roll-up scores every scope: overall, each provider and service, all channels and each."""
    frames = []
    for keep_provider, keep_service, keep_channel in SCOPE_LEVELS:
        frame = counts.copy()
        for column, keep in (("provider", keep_provider), ("service", keep_service), ("channel", keep_channel)):
            if not keep:
                frame[column] = ALL
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def measure_rows(measure: Measure, catalogue: Catalogue, counts: pd.DataFrame, now: dt.datetime) -> list[dict]:
    settings = catalogue.settings
    services = [catalogue.service(s) for s in measure.services]
    covered = pd.Series(False, index=counts.index)
    for s in services:
        covered |= counts["provider"].str.casefold().eq(s.provider.casefold()) & counts["service"].str.casefold().eq(s.name.casefold())
    mine = counts[covered & counts["question"].eq(measure.params.question)]
    if measure.params.channel != ALL:
        mine = mine[mine["channel"].eq(measure.params.channel)]
    if measure.params.stage != ALL:
        mine = mine[mine["stage"].eq(measure.params.stage)]
    series = quarterly_series(expand_scopes(mine), measure.params.statistic, settings.min_n, settings.alpha,
                              keys=["provider", "service", "channel"])
    rows = []
    for r in series.itertuples(index=False):
        target = measure.target_for(r.fiscal_year)
        rows.append({
            "measure_id": measure.id, "provider": r.provider, "service": r.service, "channel": r.channel,
            "fiscal_year": int(r.fiscal_year), "fiscal_quarter": int(r.fiscal_quarter),
            "value": _clean(r.value), "n": int(r.n), "ci_low": _clean(r.ci_low), "ci_high": _clean(r.ci_high),
            "suppressed": bool(r.suppressed), "target": target,
            "status": measure_status(_clean(r.value), target, measure.direction, measure.thresholds.at_risk_within),
            "change": _clean(r.change), "p_value": _clean(r.p_value), "significant": _clean(r.significant),
            "wordings": r.wordings, "computed_at": now,
        })
    return rows


def compute(engine: Engine, catalogue: Catalogue) -> ComputeReport:
    """Recompute every score cell and measure result in one transaction."""
    settings = catalogue.settings
    now = dt.datetime.now(dt.timezone.utc)
    with engine.connect() as conn:
        counts = attach_wordings(queries.survey_counts(conn), queries.survey_wordings(conn))
    cells = score_cells(counts, settings.min_n, settings.alpha) if not counts.empty else pd.DataFrame()
    score_rows = [
        {**{k: _clean(v) for k, v in row.items() if k in _SCORE_FIELDS}, "computed_at": now}
        for row in cells.to_dict("records")
    ]
    result_rows = [row for m in catalogue.measures for row in measure_rows(m, catalogue, counts, now)]
    indicators = indicator_rows(engine, now)
    with engine.begin() as conn:
        queries.replace_computed(conn, score_rows, result_rows, indicators)
    return ComputeReport(len(score_rows), len(result_rows), len(indicators))


def indicator_rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """Operational indicators from case records, per fiscal quarter and every roll-up level."""
    keys = [*CELL_COLUMNS, "fiscal_year", "fiscal_quarter"]
    rows: list[dict] = []

    def emit(frame: pd.DataFrame, indicator: str, value: str, n: str, unit: str) -> None:
        for r in frame.to_dict("records"):
            rows.append({"indicator": indicator, **{k: _clean(r[k]) for k in keys},
                         "value": _clean(r[value]), "n": int(r[n]), "unit": unit, "computed_at": now})

    with engine.connect() as conn:
        hist = queries.case_completion_histogram(conn)
        created = queries.case_created_counts(conn)
        first, last = queries.case_date_range(conn)
        quarter_ends = []
        if first is not None:
            quarter, final = FiscalQuarter.of_date(first), FiscalQuarter.of_date(last)
            while quarter <= final:
                quarter_ends.append((quarter, queries.case_open_by_day(conn, quarter.end)))
                quarter = quarter.next()
    for kept in rollup_levels():
        if not hist.empty:
            done = operations.completion(rolled(hist, kept), keys)
            emit(done, "time_to_complete_median", "median_days", "closed", "days")
            emit(done, "time_to_complete_p90", "p90_days", "closed", "days")
            emit(done[done["with_due"] > 0], "on_time_rate", "on_time_rate", "with_due", "percent")
        if not created.empty:
            volume = rolled(created, kept).groupby(keys, sort=True)["n"].sum().reset_index()
            emit(volume.assign(value=volume["n"]), "volume", "value", "n", "cases")
            if "channel" not in kept:
                share = operations.digital_share(rolled(created, [*kept, "channel"]), [c for c in keys if c != "channel"])
                emit(share.assign(channel=ROLLED), "digital_share", "digital_share", "n", "percent")
        for quarter, open_cases in quarter_ends:
            if open_cases.empty:
                continue
            stock = operations.backlog(rolled(open_cases, kept), list(CELL_COLUMNS), quarter.end)
            stock = stock.assign(fiscal_year=quarter.year, fiscal_quarter=quarter.quarter)
            emit(stock, "backlog", "backlog", "backlog", "cases")
            emit(stock, "backlog_age_median", "median_age_days", "backlog", "days")
    return rows


_SCORE_FIELDS = {"fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question", "scale",
                 "n_1", "n_2", "n_3", "n_4", "n_5", "n_yes", "n_no", "n", "mean", "pct_agree", "ci_low",
                 "ci_high", "suppressed", "wordings"}
