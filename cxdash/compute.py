"""Compute step: counts from the database -> scores and measure results the pages read.

Heavy work happens here, once per load, never in a page callback.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from cxdash import fingerprints, redaction
from cxdash.analyses import KeptWindows, analysis_rows
from cxdash.catalogue import Catalogue, Measure
from cxdash.cells import clean as _clean
from cxdash.cells import rolled, rollup_levels
from cxdash.channels import ALL
from cxdash.db import access_queries, analysis_queries, cell_aggregates, feedback_queries, queries, redaction_queries
from cxdash.health import refresh_quality
from cxdash.indicators import indicator_rows
from cxdash.indicators import inputs as indicator_fingerprint
from cxdash.loaders.fields import DateWindow
from cxdash.metrics import sentiment
from cxdash.metrics.a11_scores import COUNT_COLUMNS, rollup, score_counts
from cxdash.metrics.measures import quarterly_series
from cxdash.metrics.names import name_key
from cxdash.metrics.status import measure_status
from cxdash.permissions import Principal, cli_principal


@dataclass
class ComputeReport:
    cells: int
    measure_rows: int
    indicators: int = 0
    drivers: int = 0
    segments: int = 0
    trends: int = 0
    recounted: int = 0
    indicators_kept: bool = False  # no case, contact, feedback, employee or published load since the last compute
    driver_windows_kept: int = 0  # key-driver windows none of whose cells changed
    redacted_again: dict[str, int] = field(default_factory=dict)  # rows per table of text under older rules
    rescored: int = 0  # feedback items whose sentiment was scored under other rules, scored again

    def summary(self) -> str:
        operational = (f"kept {self.indicators} operational indicators (nothing under them changed)"
                       if self.indicators_kept else f"{self.indicators} operational indicators")
        return (f"recounted {self.recounted} changed survey cells; "
                f"computed {self.cells} score cells, {self.measure_rows} measure results, "
                f"{operational}, {self.drivers} driver estimates{self._windows()}, "
                f"{self.segments} segment comparisons and {self.trends} trend points{self._redacted()}"
                f"{self._rescored()}")

    def _redacted(self) -> str:
        if not self.redacted_again:
            return ""
        rows = ", ".join(f"{n} {table}" for table, n in self.redacted_again.items())
        return f"; redacted stored text again under the new redaction rules ({rows})"

    def _rescored(self) -> str:
        if not self.rescored:
            return ""
        return f"; scored the sentiment of {self.rescored} feedback items again under the new sentiment rules"

    def _windows(self) -> str:
        return f" ({self.driver_windows_kept} unchanged rolling years kept)" if self.driver_windows_kept else ""


def attach_wordings(counts: pd.DataFrame, wordings: pd.DataFrame) -> pd.DataFrame:
    keys = [*queries.CELL, "question"]
    if wordings.empty:
        return counts.assign(wordings=None)
    merged = wordings.groupby(keys)["wording"].agg(lambda s: "\n".join(sorted(set(s.dropna())))).rename("wordings")
    return counts.merge(merged.reset_index(), on=keys, how="left")


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
    wanted = {(name_key(s.provider), name_key(s.name)) for s in (catalogue.service(i) for i in measure.services)}
    keys = zip(counts["provider"].map(name_key), counts["service"].map(name_key))
    covered = pd.Series([k in wanted for k in keys], index=counts.index, dtype=bool)
    mine = counts[covered & counts["question"].eq(measure.params.question)]
    if measure.params.channel != ALL:
        mine = mine[mine["channel"].eq(measure.params.channel)]
    if measure.params.stage != ALL:
        mine = mine[mine["stage"].eq(measure.params.stage)]
    scopes = ["provider", "service", "channel"]
    expanded, scales = one_scale_per_scope(expand_scopes(mine), scopes)
    series = quarterly_series(expanded, measure.params.statistic, settings.min_n, settings.alpha, keys=scopes)
    if not series.empty:
        series = series.merge(scales, on=scopes, how="left")
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
            "wordings": r.wordings, "scale": r.scale,
            "other_scale_n": int(r.other_scale_n) if pd.notna(r.other_scale_n) else None, "computed_at": now,
        })
    return rows


def one_scale_per_scope(counts: pd.DataFrame, scopes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A measure's cells (one question) on one scale per filter scope, and per scope its
    ``scale`` and ``other_scale_n``.

    A catalogue measure names a question, not a form, and A-11 v2 lets a form ask trust as
    thumbs (binary) or Likert (5pt): a scope holding both keeps the scale with more responses
    over all its quarters (so its quarters stay comparable), a tie keeping Likert;
    ``other_scale_n`` counts the responses left out (None where the scope has one scale)."""
    if counts.empty:
        return counts, pd.DataFrame(columns=[*scopes, "scale", "other_scale_n"])
    sized = counts.assign(_n=counts[COUNT_COLUMNS].sum(axis=1))
    per_scale = sized.groupby([*scopes, "scale"], as_index=False, sort=True)["_n"].sum()
    per_scale = per_scale.sort_values([*scopes, "_n", "scale"], ascending=[True] * len(scopes) + [False, True],
                                      kind="stable")
    total = per_scale.groupby(scopes, sort=False)["_n"].transform("sum")
    per_scale = per_scale.assign(other_scale_n=(total - per_scale["_n"]).where(total > per_scale["_n"]))
    chosen = per_scale.drop_duplicates(scopes, keep="first")[[*scopes, "scale", "other_scale_n"]]
    kept = counts.merge(chosen[[*scopes, "scale"]], on=[*scopes, "scale"], how="inner")
    return kept, chosen.reset_index(drop=True)


def compute(engine: Engine, catalogue: Catalogue, full: bool = False, who: Principal | None = None) -> ComputeReport:
    """Recount the survey cells loads changed (``full``: every cell, from the answers), then
    recompute every score cell, measure result and analysis in one transaction. Recorded in
    ``compute_run`` (with this process), so a computation killed mid-way is marked failed by the
    next; until the last transaction commits, pages keep the previous results. ``who`` runs it
    (default: the operating-system user), named in the audit trail when stored text is redacted
    again or stored sentiment scored again."""
    run_id = queries.start_compute_run(engine, full)
    try:
        report = _compute(engine, catalogue, full, run_id, who or cli_principal())
    except BaseException as exc:
        queries.finish_compute_run(engine, run_id, "failed", f"{type(exc).__name__}: {exc}"[:4000])
        raise
    queries.finish_compute_run(engine, run_id, "succeeded")
    return report


def _again_under_new_rules(engine: Engine, who: Principal, now: dt.datetime, *, action: str, target: str,
                           older, redo, version: str, counted: str):
    """Stored data made under older rules done again with today's (``redo``), before anything reads
    it, in one transaction with its audit event (``older``: the versions it was under) and a new
    data_version stamp, so cached pages show the new result. Returns what ``redo`` returned."""
    with engine.begin() as conn:
        old = older(conn)
        done = redo(conn)
        if done:
            access_queries.record(conn, username=who.username, via=who.via, action=action, target=target, at=now,
                                  details={counted: done, "old_versions": old, "new_version": version})
            queries.bump_data_version(conn, now)
    return done


def redact_stored_again(engine: Engine, who: Principal, now: dt.datetime) -> dict[str, int]:
    """Text stored under older redaction rules redacted again (themes, pages and packs read it):
    rows per table."""
    return _again_under_new_rules(engine, who, now, action="text.redact_again", target="stored text",
                                  older=redaction_queries.older_versions, redo=redaction_queries.redact_stored,
                                  version=redaction.VERSION, counted="rows")


def rescore_stored_sentiment(engine: Engine, who: Principal, now: dt.datetime) -> int:
    """Feedback items scored under other sentiment rules (or before versions were recorded) scored
    again from their stored text, before the indicators read them: how many items."""
    return _again_under_new_rules(engine, who, now, action="sentiment.rescore", target="feedback items",
                                  older=feedback_queries.older_sentiment_versions,
                                  redo=feedback_queries.rescore_sentiment, version=sentiment.VERSION, counted="items")


def _compute(engine: Engine, catalogue: Catalogue, full: bool, run_id: int, who: Principal) -> ComputeReport:
    settings = catalogue.settings
    now = dt.datetime.now(dt.UTC)
    redacted_again = redact_stored_again(engine, who, now)  # scores what it redacts again, with today's rules
    rescored = rescore_stored_sentiment(engine, who, now)
    with engine.begin() as conn:  # the changed cells' aggregates, committed with their marks cleared
        recounted = cell_aggregates.refresh(conn, everything=full, run_id=run_id)
    drivers_inputs = (f"min_n {settings.min_n}; alpha {settings.alpha}; "
                      f"code {fingerprints.code(*DRIVER_CODE)}")
    with engine.connect() as conn:
        counts = attach_wordings(queries.survey_counts(conn), queries.survey_wordings(conn))
        # read before the indicators are: a load landing after this makes the next compute redo them
        dates = DateWindow.from_settings(settings, now.date())  # bounds the quarters computed one by one
        indicator_inputs = indicator_fingerprint(conn, dates)
        kept = (not full and not redacted_again.get("feedback_item") and not rescored
                and queries.computed_input(conn, "indicators") == indicator_inputs)
        windows = None if full else _kept_windows(conn, queries.computed_input(conn, "drivers"), drivers_inputs)
    cells = score_cells(counts, settings.min_n, settings.alpha) if not counts.empty else pd.DataFrame()
    score_rows = [
        {**{k: _clean(v) for k, v in row.items() if k in _SCORE_FIELDS}, "computed_at": now}
        for row in cells.to_dict("records")
    ]
    result_rows = [row for m in catalogue.measures for row in measure_rows(m, catalogue, counts, now)]
    indicators = queries.stored_indicators(engine) if kept else indicator_rows(engine, now, dates)
    drivers, segments, trends = analysis_rows(engine, cells, indicators, settings.min_n, settings.alpha, now,
                                              windows)
    with engine.begin() as conn:
        queries.replace_computed(conn, score_rows, result_rows, None if kept else indicators)
        queries.save_computed_input(conn, "indicators", indicator_inputs, now)
        queries.save_computed_input(conn, "drivers", f"run {run_id}|{drivers_inputs}", now)
        analysis_queries.replace_analyses(conn, drivers, segments, trends)
        queries.bump_data_version(conn, now)  # the pages' cached reads: a new computation shows at once
    refresh_quality(engine)  # the Data page's checks, current with the loads this computation saw
    return ComputeReport(len(score_rows), len(result_rows), len(indicators), len(drivers), len(segments), len(trends),
                         recounted, indicators_kept=kept, driver_windows_kept=windows.kept if windows else 0,
                         redacted_again=redacted_again, rescored=rescored)


# The code behind the key-driver estimates: a stored window is kept only while it is unchanged.
DRIVER_CODE = ("cxdash.analyses", "cxdash.metrics.drivers", "cxdash.db.analysis_queries", "cxdash.db.cell_aggregates")


def _kept_windows(conn, stored: str | None, inputs: str) -> KeptWindows | None:
    """The driver windows this computation may keep: those of the last committed computation
    (``stored``: "run ID|inputs") when it used the same settings and code, less every window
    with a cell recounted since that run (by this computation or one killed after recounting)."""
    if not stored or "|" not in stored:
        return None
    run, _, then = stored.partition("|")
    if then != inputs:
        return None
    last_run = int(run.removeprefix("run "))
    return KeptWindows(cell_aggregates.recounted_since(conn, last_run), analysis_queries.stored_drivers(conn))


_SCORE_FIELDS = {"fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question", "scale",
                 "n_1", "n_2", "n_3", "n_4", "n_5", "n_yes", "n_no", "n", "mean", "pct_agree", "ci_low",
                 "ci_high", "suppressed", "wordings"}
