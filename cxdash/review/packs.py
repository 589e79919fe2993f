"""Review-pack builds: requested (by the CLI, the Review page or the scheduler), run outside any
web request with their progress written to the database as they go, and kept there with the
file so it can be downloaded later. A page starts a build as a separate process and polls."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Callable

from sqlalchemy import Engine

from cxdash.catalogue import Catalogue
from cxdash.channels import ALL
from cxdash.db import review_queries
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.processes import STOPPED, stale, this_process
from cxdash.review.snapshots import contents_for

FORMATS = ("pptx", "pdf")
STALLED_AFTER = dt.timedelta(minutes=30)  # a build takes a minute or two; longer means its process died
MEDIA_TYPES = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "pdf": "application/pdf"}


def request(engine: Engine, quarter: FiscalQuarter, fmt: str, trigger: str, provider: str = ALL, service: str = ALL,
            template: str | None = None) -> int:
    if fmt not in FORMATS:
        raise UserError(f"format: {fmt!r}; expected one of {', '.join(FORMATS)}")
    return review_queries.request_pack(engine, fiscal_year=quarter.year, fiscal_quarter=quarter.quarter,
                                       provider=provider, service=service, fmt=fmt, trigger=trigger,
                                       template=template)


def file_name(quarter: FiscalQuarter, provider: str, service: str, fmt: str) -> str:
    scope = service if service != ALL else provider if provider != ALL else "all-services"
    slug = re.sub(r"[^a-z0-9]+", "-", scope.lower()).strip("-")[:60]
    return f"cx-review-{quarter.label}-{slug}.{fmt}"


def run(engine: Engine, catalogue: Catalogue, pack_id: int) -> dict:
    """Build a requested pack; a failure is recorded on the build (and raised as a UserError)."""
    from cxdash.exports.pdf import to_pdf
    from cxdash.exports.review_deck import build_deck

    job = review_queries.pack(engine, pack_id)
    if job is None:
        raise UserError(f"no review pack build with id {pack_id}")
    if job["status"] != "queued":
        raise UserError(f"review pack build {pack_id} is {job['status']}, not queued")
    quarter = FiscalQuarter(job["fiscal_year"], job["fiscal_quarter"])
    step = _stepper(engine, pack_id)
    try:
        step(0.02, "Reading the numbers", status="running", **this_process())
        snapshot_id, contents = contents_for(engine, catalogue, quarter, job["provider"], job["service"])
        share = 0.75 if job["format"] == "pdf" else 0.95
        deck = build_deck(contents, job["template"], progress=lambda f, what: step(0.05 + share * f, what))
        content = deck
        if job["format"] == "pdf":
            step(0.82, "Converting to PDF")
            content = to_pdf(deck)
    except Exception as exc:  # recorded for the page; the CLI re-raises it
        message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        review_queries.update_pack(engine, pack_id, status="failed", message=message, step="Failed")
        raise UserError(f"review pack build {pack_id} failed: {message}") from exc
    review_queries.update_pack(engine, pack_id, status="succeeded", progress=1.0, step="Ready", content=content,
                               snapshot_id=snapshot_id, file_name=file_name(quarter, job["provider"],
                                                                             job["service"], job["format"]),
                               message="From the frozen review" if snapshot_id else "Draft: today's numbers")
    return review_queries.pack(engine, pack_id)


def stalled(job: dict, now: dt.datetime | None = None) -> bool:
    """A build still queued or running whose process is gone (same host, not alive) or long after
    it was requested (cxdash/processes.py)."""
    if job["status"] not in ("queued", "running"):
        return False
    return stale(job.get("pid"), job.get("host"), job["requested_at"], STALLED_AFTER, now)


def fail_if_stalled(engine: Engine, job: dict) -> bool:
    """Record a stalled build as failed; True when it was."""
    if not stalled(job):
        return False
    review_queries.update_pack(engine, job["id"], status="failed", step="Failed", message=STOPPED)
    return True


def _stepper(engine: Engine, pack_id: int) -> Callable[..., None]:
    def step(progress: float, what: str, **values) -> None:
        review_queries.update_pack(engine, pack_id, progress=round(min(progress, 0.99), 3), step=what[:200], **values)
    return step


def start_in_background(database_url: str, catalogue_path: str, pack_id: int) -> subprocess.Popen:
    """Run a requested build in its own process (`cxdash review-pack --job ID`), so no web request
    waits on a deck; the URL goes by environment, never on a command line others can read."""
    env = {**os.environ, "CXDASH_DATABASE_URL": database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "cxdash.cli", "review-pack", "--job", str(pack_id), "--catalogue", catalogue_path],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


# --- the scheduled draft --------------------------------------------------------------------

def draft_due(today: dt.date, after_days: int, built: set[str]) -> FiscalQuarter | None:
    """The last closed quarter, once ``after_days`` have passed since it closed and no scheduled
    draft of it was built (``built``: quarter labels)."""
    closed = FiscalQuarter.of_date(today).previous()
    if today < closed.end + dt.timedelta(days=after_days) or closed.label in built:
        return None
    return closed


def build_draft_if_due(engine: Engine, catalogue: Catalogue, today: dt.date | None = None) -> dict | None:
    """The scheduler's daily job: the draft pack (all services, PowerPoint) of the quarter that
    closed ``review_pack_after_days`` ago, once; returns the build, or None when nothing is due."""
    today = today or dt.date.today()
    built = {FiscalQuarter(p["fiscal_year"], p["fiscal_quarter"]).label
             for p in review_queries.packs(engine, trigger="scheduled", limit=1000)
             if p["status"] != "failed" and not fail_if_stalled(engine, p)}  # a killed draft is built again
    quarter = draft_due(today, catalogue.settings.review_pack_after_days, built)
    if quarter is None:
        return None
    return run(engine, catalogue, request(engine, quarter, "pptx", "scheduled"))
