"""The scheduler process (``cxdash scheduler``): APScheduler 3.11, one process, never inside a
web worker. One cron job per configured source; a run loads the source, retries by the
source's policy, and recomputes when new data arrived. A daily job queues each quarter's draft
review pack once the quarter has been closed for the catalogue's review_pack_after_days, and a
job every few seconds builds the queued review packs (cxdash/review/packs.py). Jobs are coalesced (missed ticks run
once) and never run twice at once; the job store and each run's outcome live in the database.
"""
from __future__ import annotations

import logging
import signal
import threading

from cxdash import audit
from cxdash.catalogue import load_catalogue
from cxdash.db.engine import make_engine
from cxdash.sources import cron_trigger, load_sources, run_source_with_retries

log = logging.getLogger(__name__)
JOB_PREFIX = "source:"
DRAFT_JOB = "review-pack:draft"
DRAFT_HOUR = 6  # local time of the daily check for a quarter's draft review pack
QUEUE_JOB = "review-pack:queue"
QUEUE_SECONDS = 5  # how often the scheduler looks for queued review-pack builds


def run_source_job(url: str, catalogue_path: str, sources_path: str, name: str) -> str:
    """The job: config is read afresh on every tick, so an edited mapping or catalogue applies
    without a restart. Arguments are plain strings so the job store can keep them."""
    engine = make_engine(url)
    try:
        outcome = run_source_with_retries(engine, load_catalogue(catalogue_path), load_sources(sources_path), name,
                                          trigger="scheduled", who=audit.SCHEDULER)
        audit.record(engine, audit.SCHEDULER, "source.load", name, details=_outcome_details(outcome))
    finally:
        engine.dispose()
    log.info(outcome.summary())
    return outcome.status


def _outcome_details(outcome) -> dict:
    return {"status": outcome.status, "files": outcome.files, "rows_loaded": outcome.rows_loaded,
            "rows_rejected": outcome.rows_rejected, "job_run_id": outcome.job_run_id}


def run_draft_pack_job(url: str, catalogue_path: str) -> str:
    """The daily check: once a quarter has been closed for the catalogue's review_pack_after_days,
    queue its draft review pack (once; again when that build failed or its process died)."""
    from cxdash.review.packs import queue_draft_if_due
    engine = make_engine(url)
    try:
        queued = queue_draft_if_due(engine, load_catalogue(catalogue_path))
        if queued is not None:
            audit.record(engine, audit.SCHEDULER, "pack.build", str(queued), details={"draft": True, "queued": True})
    finally:
        engine.dispose()
    outcome = "no draft due" if queued is None else f"draft review pack queued (build {queued})"
    log.info(outcome)
    return outcome


def run_pack_queue_job(url: str, catalogue_path: str, limit: int = 1) -> str:
    """Every few seconds: mark failed any build whose process died (a killed scheduled draft is
    queued again at once, when still due), then build the queued review packs (at most ``limit``
    at once across every worker, each claimed atomically)."""
    from cxdash.review.packs import fail_stalled, requeue_stopped_drafts, work
    engine = make_engine(url)
    try:
        catalogue = load_catalogue(catalogue_path)
        for pack_id in requeue_stopped_drafts(engine, fail_stalled(engine)):
            log.warning("a scheduled draft review pack's build stopped; queued again as build %s", pack_id)
        built = work(engine, catalogue, limit, once=True)
    finally:
        engine.dispose()
    if built:
        log.info("%s review pack build(s) done", built)
    return f"{built} built"


def build_scheduler(url: str, catalogue_path: str, sources_path: str, pack_builds: int = 1):
    """A (paused) background scheduler with one job per scheduled source in the config (jobs of sources no longer
    configured are removed from the store)."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler
    engine = make_engine(url)
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename="scheduler_job")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    sources = load_sources(sources_path)
    wanted = set()
    for source in sources:
        if source.schedule is None:
            continue
        job_id = JOB_PREFIX + source.name
        wanted.add(job_id)
        scheduler.add_job(run_source_job, trigger=cron_trigger(source.schedule, source.timezone), id=job_id,
                          name=f"load {source.name}", args=[url, catalogue_path, sources_path, source.name],
                          replace_existing=True)
    scheduler.add_job(run_draft_pack_job, trigger="cron", hour=DRAFT_HOUR, id=DRAFT_JOB, name="draft review pack",
                      args=[url, catalogue_path], replace_existing=True)
    scheduler.add_job(run_pack_queue_job, trigger="interval", seconds=QUEUE_SECONDS, id=QUEUE_JOB,
                      name="build queued review packs", args=[url, catalogue_path, pack_builds], replace_existing=True)
    scheduler.start(paused=True)  # jobs from the store are loaded; drop the ones no longer configured
    for job in scheduler.get_jobs():
        if job.id.startswith(JOB_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id)
    return scheduler


def run_scheduler(url: str, catalogue_path: str, sources_path: str, pack_builds: int = 1) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(url, catalogue_path, sources_path, pack_builds)
    jobs = scheduler.get_jobs()
    for job in jobs:
        log.info("scheduled %s: next run %s", job.name, job.next_run_time)
    if not any(job.id.startswith(JOB_PREFIX) for job in jobs):
        log.warning("no source has a schedule in %s: only the draft review pack is scheduled", sources_path)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler.resume()
    try:
        while not stop.wait(1):
            pass
    finally:
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
