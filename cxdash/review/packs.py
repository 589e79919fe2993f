"""Review-pack builds: requested (by the CLI, the Review page or the scheduler) as a queued row
in the database, built outside any web request by a worker (``cxdash packs work`` or the
scheduler's queue job) that claims one row at a time, at most ``limit`` at once, writing its
progress to the row as it goes and finally the file, kept there for download. A web worker only
inserts the request and reads the row: it never starts a process."""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, Engine

from cxdash.catalogue import Catalogue
from cxdash.channels import ALL
from cxdash.db import review_queries
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.processes import STOPPED, stale, this_process
from cxdash.review.snapshots import contents_for

log = logging.getLogger(__name__)
FORMATS = ("pptx", "pdf")
STALLED_AFTER = dt.timedelta(minutes=30)  # a build takes a minute or two; longer means its process died
MEDIA_TYPES = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "pdf": "application/pdf"}


def request(engine: Engine, quarter: FiscalQuarter, fmt: str, trigger: str, provider: str = ALL, service: str = ALL,
            template: str | None = None, requested_by: str | None = None) -> int:
    """Queue a build and return its id; while an identical build is queued or running, its id
    (a build whose process died is marked failed first, so it is requested afresh)."""
    return request_or_existing(engine, quarter, fmt, trigger, provider, service, template, requested_by)[0]


def request_or_existing(engine: Engine, quarter: FiscalQuarter, fmt: str, trigger: str, provider: str = ALL,
                        service: str = ALL, template: str | None = None, requested_by: str | None = None, *,
                        within: Connection | None = None) -> tuple[int, bool]:
    """(build id, True when newly queued; False: the identical open build's id); with ``within``,
    queued in that transaction (the one that records who asked)."""
    if fmt not in FORMATS:
        raise UserError(f"format: {fmt!r}; expected one of {', '.join(FORMATS)}")
    fail_stalled(engine)
    return review_queries.request_pack(within or engine, fiscal_year=quarter.year, fiscal_quarter=quarter.quarter,
                                       provider=provider, service=service, fmt=fmt, trigger=trigger,
                                       template=template, requested_by=requested_by)


def file_name(quarter: FiscalQuarter, provider: str, service: str, fmt: str) -> str:
    scope = service if service != ALL else provider if provider != ALL else "all-services"
    slug = re.sub(r"[^a-z0-9]+", "-", scope.lower()).strip("-")[:60]
    return f"cx-review-{quarter.label}-{slug}.{fmt}"


def run(engine: Engine, catalogue: Catalogue, pack_id: int) -> dict:
    """Claim a queued build and build it in this process (the command line: at once, outside the
    worker's limit); a failure is recorded on the build (and raised as a UserError)."""
    job = review_queries.pack(engine, pack_id)
    if job is None:
        raise UserError(f"no review pack build with id {pack_id}")
    if review_queries.claim_pack(engine, this_process(), pack_id=pack_id) is None:
        raise UserError(f"review pack build {pack_id} is {review_queries.pack(engine, pack_id)['status']}, not queued")
    return build_claimed(engine, catalogue, pack_id)


def run_or_wait(engine: Engine, catalogue: Catalogue, pack_id: int, poll_seconds: float = 1.0) -> dict:
    """The command line's build: claim and build it here, or, when a worker is building the
    identical request already, wait for that build; a failed build raises a UserError."""
    if review_queries.claim_pack(engine, this_process(), pack_id=pack_id) is not None:
        return build_claimed(engine, catalogue, pack_id)
    while True:
        job = review_queries.pack(engine, pack_id)
        if job["status"] == "running" and fail_if_stalled(engine, job):
            job = review_queries.pack(engine, pack_id)
        if job["status"] == "succeeded":
            return job
        if job["status"] == "failed":
            raise UserError(f"review pack build {pack_id} failed: {job['message']}")
        time.sleep(poll_seconds)


def build_claimed(engine: Engine, catalogue: Catalogue, pack_id: int) -> dict:
    """Build a pack this process claimed (status running, its pid on the row)."""
    from cxdash.exports.pdf import to_pdf
    from cxdash.exports.review_deck import build

    job = review_queries.pack(engine, pack_id)
    quarter = FiscalQuarter(job["fiscal_year"], job["fiscal_quarter"])
    step = _stepper(engine, pack_id)
    try:
        step(0.02, "Reading the numbers")
        snapshot_id, contents = contents_for(engine, catalogue, quarter, job["provider"], job["service"])
        share = 0.75 if job["format"] == "pdf" else 0.95
        built = build(contents, job["template"], progress=lambda f, what: step(0.05 + share * f, what))
        content = built.data
        if job["format"] == "pdf":
            step(0.82, "Converting to PDF")
            content = to_pdf(built.data)
    except Exception as exc:  # recorded for the page; the CLI re-raises it
        message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        review_queries.update_pack(engine, pack_id, status="failed", message=message, step="Failed")
        raise UserError(f"review pack build {pack_id} failed: {message}") from exc
    review_queries.update_pack(engine, pack_id, status="succeeded", progress=1.0, step="Ready", content=content,
                               snapshot_id=snapshot_id, file_name=file_name(quarter, job["provider"],
                                                                             job["service"], job["format"]),
                               message=pack_message(bool(snapshot_id), built.warnings))
    return review_queries.pack(engine, pack_id)


WARNING_SEPARATOR = ". Warning: "


def pack_message(frozen: bool, warnings: list[str]) -> str:
    """What the page and the CLI say of a built pack: where its numbers came from, then what the
    review still lacks (the deck's warnings, e.g. an off-track measure without commentary)."""
    message = "From the frozen review" if frozen else "Draft: today's numbers"
    return message + "".join(f"{WARNING_SEPARATOR}{w.rstrip('.')}" for w in warnings)


def stalled(job: dict, now: dt.datetime | None = None) -> bool:
    """A build still queued or running whose process is gone (same host, not alive) or long after
    a worker started it (or, before that, after it was requested) (cxdash/processes.py)."""
    if job["status"] not in ("queued", "running"):
        return False
    return stale(job.get("pid"), job.get("host"), job.get("started_at") or job["requested_at"], STALLED_AFTER, now)


def fail_if_stalled(engine: Engine, job: dict) -> bool:
    """Record a stalled build as failed; True when it was. A queued build is never stalled by
    its process (it has none yet): it waits for a worker, however long."""
    if job["status"] == "queued" or not stalled(job):
        return False
    review_queries.update_pack(engine, job["id"], status="failed", step="Failed", message=STOPPED)
    return True


def fail_stalled(engine: Engine) -> list[int]:
    """Mark every open build whose process is gone (or that waited past STALLED_AFTER) failed."""
    return [job["id"] for job in review_queries.open_packs(engine) if fail_if_stalled(engine, job)]


# --- the worker -------------------------------------------------------------------------------

def work(engine: Engine, catalogue: Catalogue, limit: int = 1, *, once: bool = False, poll_seconds: float = 2.0,
         stop: threading.Event | None = None) -> int:
    """Build queued packs, at most ``limit`` at once across every worker on this database (each
    claimed atomically, so no two workers build the same one). ``once``: return when the queue
    is empty; otherwise poll every ``poll_seconds`` until ``stop`` is set. Returns how many it built
    (succeeded or failed)."""
    if limit < 1:
        raise UserError(f"--limit: {limit}; expected 1 or more")
    stop = stop or threading.Event()
    done = 0
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="pack") as pool:
        active: set[Future] = set()
        while not stop.is_set():
            for failed in fail_stalled(engine):
                log.warning("review pack build %s: %s; marked failed", failed, STOPPED)
            finished = {f for f in active if f.done()}
            done += len(finished)
            active -= finished
            while len(active) < limit:
                pack_id = review_queries.claim_pack(engine, this_process(), limit=limit)
                if pack_id is None:
                    break
                log.info("review pack build %s claimed", pack_id)
                active.add(pool.submit(_build_logged, engine, catalogue, pack_id))
            if once and not active:
                break
            time.sleep(0.2 if once else poll_seconds)
        for future in active:
            future.result()
            done += 1
    return done


def _build_logged(engine: Engine, catalogue: Catalogue, pack_id: int) -> None:
    try:
        built = build_claimed(engine, catalogue, pack_id)
        log.info("review pack build %s: %s", pack_id, built["file_name"])
    except UserError as exc:
        log.error("%s", exc)


def _stepper(engine: Engine, pack_id: int) -> Callable[..., None]:
    def step(progress: float, what: str, **values) -> None:
        review_queries.update_pack(engine, pack_id, progress=round(min(progress, 0.99), 3), step=what[:200], **values)
    return step


# --- the scheduled draft --------------------------------------------------------------------

def draft_due(today: dt.date, after_days: int, built: set[str]) -> FiscalQuarter | None:
    """The last closed quarter, once ``after_days`` have passed since it closed and no scheduled
    draft of it was built (``built``: quarter labels)."""
    closed = FiscalQuarter.of_date(today).previous()
    if today < closed.end + dt.timedelta(days=after_days) or closed.label in built:
        return None
    return closed


def queue_draft_if_due(engine: Engine, catalogue: Catalogue, today: dt.date | None = None) -> int | None:
    """The scheduler's daily check: queue the draft pack (all services, PowerPoint) of the quarter
    that closed ``review_pack_after_days`` ago, once; a draft whose build failed or whose process
    died is queued again. The build's id, or None when nothing is due."""
    today = today or dt.date.today()
    fail_stalled(engine)  # a killed draft counts as failed, so it is queued again
    built = {FiscalQuarter(p["fiscal_year"], p["fiscal_quarter"]).label
             for p in review_queries.packs(engine, trigger="scheduled", limit=1000) if p["status"] != "failed"}
    quarter = draft_due(today, catalogue.settings.review_pack_after_days, built)
    if quarter is None:
        return None
    return request(engine, quarter, "pptx", "scheduled")


def requeue_stopped_drafts(engine: Engine, stopped: list[int]) -> list[int]:
    """Queue again each scheduled draft among the builds ``stopped`` (marked failed because their
    process died): the same quarter, scope and format. The new builds' ids."""
    again = []
    for job in (review_queries.pack(engine, pack_id) for pack_id in stopped):
        if job is not None and job["trigger"] == "scheduled":
            again.append(request(engine, FiscalQuarter(job["fiscal_year"], job["fiscal_quarter"]), job["format"],
                                 "scheduled", job["provider"], job["service"], job["template"]))
    return again


def build_draft_if_due(engine: Engine, catalogue: Catalogue, today: dt.date | None = None) -> dict | None:
    """Queue the draft when due and build it here (the queue's worker would otherwise): the build,
    or None when nothing is due."""
    pack_id = queue_draft_if_due(engine, catalogue, today)
    if pack_id is None:
        return None
    return run(engine, catalogue, pack_id)
