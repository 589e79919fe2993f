"""Source health for the CLI and the Data page: each source's last runs, freshness against its
cadence, and data-quality checks. Configured sources are listed even before their first run;
sources loaded by hand (no config) are listed too, with freshness 'unknown'."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from cxdash.db import queries
from cxdash.kinds import SURVEY_KINDS
from cxdash.metrics.freshness import freshness, worst
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
HEALTH_COLUMNS = ["source", "kind", "health", "last_success", "data_as_of", "rows_read", "rows_loaded",
                  "rows_rejected", "last_attempt", "last_status", "message", "schedule", "cadence", "location",
                  "configured"]


def _utc(value) -> dt.datetime | None:
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def source_health(engine: Engine, sources: Sources, now: dt.datetime | None = None) -> pd.DataFrame:
    now = now or dt.datetime.now(dt.UTC)
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
        rows.append({
            "source": name, "kind": source.kind if source else (mine["kind"].iloc[0] if not mine.empty else None),
            "health": freshness(last_success, last_status, source.late_after if source else None, now),
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


def quality_report(engine: Engine, health: pd.DataFrame) -> pd.DataFrame:
    """Every source's data-quality checks: source, check, passed, detail."""
    with engine.connect() as conn:
        reasons = queries.rejection_reasons(conn)
        coverage = queries.quarter_coverage(conn)
    rows = []
    for r in health.itertuples():
        checks = source_checks(r.rows_read, r.rows_loaded, reasons[reasons["source"] == r.source],
                               coverage[coverage["source"] == r.source], yearly=r.kind == "employee")
        rows += [{"source": r.source, **c} for c in checks]
    return pd.DataFrame(rows, columns=["source", "check", "passed", "detail"])
