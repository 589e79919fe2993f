"""Source health for the CLI and the Data page: each source's last runs, its freshness (the as-of
date of its data against its cadence and grace, metrics.freshness.source_state; the load time is
reported beside it, never instead of it), and data-quality checks. Configured sources are listed even before their first run;
sources loaded by hand (no config) are listed too, with freshness 'unknown'."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from cxdash.db import queries
from cxdash.kinds import SURVEY_KINDS
from cxdash.metrics.freshness import freshness, source_state, worst
from cxdash.metrics.quality import source_checks
from cxdash.sources import Sources

PANELS = {  # which kinds of source feed each panel of the pages
    "survey": (*SURVEY_KINDS, "published"),
    "operations": ("cases", "contacts"),
    "voice": ("feedback",),
    "employee": ("employee",),
}
PANEL_LABELS = {"survey": "Survey data", "operations": "Operational data", "voice": "Feedback data",
                "employee": "Employee data"}
HEALTH_COLUMNS = ["source", "kind", "health", "loads", "due_by", "last_success", "data_as_of", "rows_read", "rows_loaded",
                  "rows_rejected", "last_attempt", "last_status", "message", "schedule", "cadence", "location",
                  "configured"]


def _utc(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def _date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def source_health(engine: Engine, sources: Sources, now: dt.datetime | None = None,
                  shown_until: dt.date | None = None) -> pd.DataFrame:
    """One row per source: ``health`` is failed, missing, out_of_date, late, fresh or unknown, judged
    on the data's as-of date (``shown_until``: the last day of the period a page shows, so data
    ending before it are late); ``loads`` is the old judgement on the last load's time alone;
    ``due_by`` the day the next period's data are due."""
    now = now or dt.datetime.now(dt.UTC)
    queries.fail_stopped_job_runs(engine)  # a run whose process was killed shows as failed
    with engine.connect() as conn:
        loads = queries.latest_load_runs(conn)
        jobs = queries.latest_job_runs(conn)
    configured = {s.name: s for s in sources}
    names = list(configured) + sorted(set(loads["source"]) - set(configured))
    rows = []
    for name in names:
        mine = loads[loads["source"] == name]
        success = mine[mine["status"] == "succeeded"].head(1)
        attempts = [(_utc(r.finished_at or r.started_at), r.status, r.message) for r in mine.head(1).itertuples()]
        job = jobs[jobs["source"] == name]
        attempts += [(_utc(r.finished_at or r.started_at), r.status, r.message) for r in job.itertuples()]
        attempts = [a for a in attempts if a[0] is not None and a[1] != "running"]
        last_time, last_status, message = max(attempts, key=lambda a: a[0]) if attempts else (None, None, None)
        source = configured.get(name)
        last_success = _utc(success["finished_at"].iloc[0]) if not success.empty else None
        ok = success.iloc[0] if not success.empty else None
        as_of = _date(ok["data_as_of"]) if ok is not None else None
        cadence, grace = (source.cadence_delta, source.grace) if source else (None, None)
        rows.append({
            "source": name, "kind": source.kind if source else (mine["kind"].iloc[0] if not mine.empty else None),
            "health": source_state(last_status, last_success, as_of, cadence, grace, now.date(), shown_until),
            "loads": freshness(last_success, last_status, source.late_after if source else None, now),
            "due_by": as_of + cadence + grace if as_of and cadence else None,
            "last_success": last_success, "data_as_of": ok["data_as_of"] if ok is not None else None,
            "rows_read": int(ok["rows_read"]) if ok is not None else 0,
            "rows_loaded": int(ok["rows_loaded"]) if ok is not None else 0,
            "rows_rejected": int(ok["rows_rejected"]) if ok is not None else 0,
            "last_attempt": last_time, "last_status": last_status,
            "message": message if last_status == "failed" else None,
            "schedule": source.schedule if source else None, "cadence": source.cadence if source else None,
            "location": source.location.describe() if source else None, "configured": source is not None,
        })
    return pd.DataFrame(rows, columns=HEALTH_COLUMNS)


def panel_health(health: pd.DataFrame, panel: str) -> tuple[str | None, pd.DataFrame]:
    """(the worst state among the sources feeding ``panel``, those sources' rows)."""
    mine = health[health["kind"].isin(PANELS[panel])]
    return worst(mine["health"]), mine


QUALITY_COLUMNS = ["source", "check", "passed", "detail"]
# Records of events: a service without any in a quarter is no gap in the data (quality.quarter_gaps).
EVENT_KINDS = ("cases", "feedback")


def _checks(sources: pd.DataFrame, reasons: pd.DataFrame, coverage: pd.DataFrame) -> list[dict]:
    """Each source's checks (source, kind, position, check, passed, detail); ``sources`` has
    source, kind, rows_read and rows_loaded (of its latest successful load)."""
    rows = []
    for r in sources.itertuples():
        yearly, per_service = _judged(r.kind)
        checks = source_checks(r.rows_read, r.rows_loaded, reasons[reasons["source"] == r.source],
                               coverage[coverage["source"] == r.source], yearly=yearly, per_service=per_service)
        rows += [{"source": r.source, "kind": r.kind, "position": i, **c} for i, c in enumerate(checks)]
    return rows


def quality_report(engine: Engine, health: pd.DataFrame) -> pd.DataFrame:
    """Every source's data-quality checks, computed now from the fact tables: source, check,
    passed, detail. Pages read the stored ones (stored_quality) instead."""
    with engine.connect() as conn:
        reasons = queries.rejection_reasons(conn)
        coverage = queries.quarter_coverage(conn)
    return pd.DataFrame(_checks(health, reasons, coverage), columns=QUALITY_COLUMNS)


def _loaded_sources(loads: pd.DataFrame, kinds: dict[str, str | None]) -> pd.DataFrame:
    """Each source with a load run, as source_health sees it: its kind (``kinds``, else its newest
    run's) and the rows read and loaded by its latest successful load."""
    rows = []
    for name in dict.fromkeys(loads["source"]):
        mine = loads[loads["source"] == name]
        ok = mine[mine["status"] == "succeeded"].head(1)
        rows.append({"source": name, "kind": kinds.get(name) or mine["kind"].iloc[0],
                     "rows_read": int(ok["rows_read"].iloc[0]) if not ok.empty else 0,
                     "rows_loaded": int(ok["rows_loaded"].iloc[0]) if not ok.empty else 0})
    return pd.DataFrame(rows, columns=["source", "kind", "rows_read", "rows_loaded"])


def _computed(engine: Engine, kinds: dict[str, str | None]) -> tuple[str, list[dict]]:
    """(the load runs' stamp, every loaded source's checks computed now from the database)."""
    with engine.connect() as conn:
        stamp = queries.load_stamp(conn)  # first: a load that lands meanwhile leaves the result stale
        loads = queries.latest_load_runs(conn)
        reasons = queries.rejection_reasons(conn)
        coverage = queries.quarter_coverage(conn)
    rows = _checks(_loaded_sources(loads, kinds), reasons, coverage)
    return stamp, [{**r, "loads": stamp} for r in rows]


def _store(engine: Engine, stamp: str, rows: list[dict]) -> None:
    with engine.begin() as conn:
        queries.replace_quality(conn, rows, stamp, dt.datetime.now(dt.UTC))


def refresh_quality(engine: Engine, kinds: dict[str, str | None] | None = None) -> list[dict]:
    """Compute every loaded source's checks from the database and store them (quality_check),
    stamped with the load runs they saw; returns them. compute runs it after each computation,
    and the Data page when loads happened since (a failed load is not followed by a compute).
    ``kinds``: a source's configured kind, where it differs from its load runs'."""
    stamp, rows = _computed(engine, kinds or {})
    _store(engine, stamp, rows)
    return rows


def _judged(kind) -> tuple[bool, bool]:
    """How a kind's gaps are judged: (by year, per service)."""
    return kind == "employee", kind not in EVENT_KINDS


def stored_quality(engine: Engine, health: pd.DataFrame) -> pd.DataFrame:
    """What quality_report(engine, health) gives, read from the stored checks: one read of
    quality_check and one of the load runs' stamp. Recomputed (and stored) first only when a
    load ran since they were stored, or a source's configured kind changes how it is judged."""
    with engine.connect() as conn:
        stamp = queries.load_stamp(conn)
        stored = queries.quality_checks(conn)
    kinds = dict(zip(health["source"], health["kind"]))
    stale = ((not stored and not stamp.startswith("0:")) or any(r["loads"] != stamp for r in stored)
             or any(r["source"] in kinds and _judged(r["kind"]) != _judged(kinds[r["source"]]) for r in stored))
    if stale:
        loads, stored = _computed(engine, kinds)
        try:
            _store(engine, loads, stored)
        except (OperationalError, IntegrityError):  # another writer is storing them: show these
            pass
    by_source: dict[str, list[dict]] = {}
    for r in stored:
        by_source.setdefault(r["source"], []).append(r)
    rows = []
    for r in health.itertuples():
        if r.source in by_source:
            rows += sorted(by_source[r.source], key=lambda c: c["position"])
        else:  # configured, never loaded: nothing read, nothing rejected, no data
            rows += [{"source": r.source, **c} for c in source_checks(
                r.rows_read, r.rows_loaded, _NO_REASONS, _NO_COVERAGE, yearly=_judged(r.kind)[0])]
    return pd.DataFrame([{k: row[k] for k in QUALITY_COLUMNS} for row in rows], columns=QUALITY_COLUMNS)


_NO_REASONS = pd.DataFrame(columns=["source", "field", "reason", "rows", "first_line", "file_name"])
_NO_COVERAGE = pd.DataFrame(columns=["source", "provider", "service", "fiscal_year", "fiscal_quarter", "rows"])
