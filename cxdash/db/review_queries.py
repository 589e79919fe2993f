"""Reads and writes of the quarterly review: commentary, decisions and actions, annotations,
frozen snapshots and review-pack builds (with their progress and the finished file)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cxdash import redaction
from cxdash.db import redaction_queries
from cxdash.db.engine import transaction
from cxdash.db.models import Annotation, ReviewAction, ReviewCommentary, ReviewPack, ReviewSnapshot
from cxdash.errors import UserError


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rows(conn: Connection | Engine, statement) -> list[dict]:
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return _rows(c, statement)
    return [dict(r._mapping) for r in conn.execute(statement)]


# --- commentary ---------------------------------------------------------------------------

def save_commentary(bind: Connection | Engine, measure_id: str, fiscal_year: int, fiscal_quarter: int, *, what_happened: str,
                    why: str, what_next: str, author: str) -> None:
    """One commentary per measure and quarter: saving again replaces it."""
    t = ReviewCommentary
    values = {"what_happened": what_happened, "why": why, "what_next": what_next, "author": author,
              "updated_at": _now(), "redaction_version": redaction.VERSION}
    key = (t.measure_id == measure_id, t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    with transaction(bind) as conn:
        if conn.execute(update(t).where(*key).values(**values)).rowcount == 0:
            conn.execute(insert(t).values(measure_id=measure_id, fiscal_year=fiscal_year,
                                          fiscal_quarter=fiscal_quarter, **values))


def commentary(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int) -> dict[str, dict]:
    """measure id -> its commentary for the quarter."""
    t = ReviewCommentary
    statement = select(t.measure_id, t.what_happened, t.why, t.what_next, t.author, t.updated_at).where(
        t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    return {r.pop("measure_id"): r for r in _rows(conn, statement)}


# --- decisions and actions ----------------------------------------------------------------

def add_action(bind: Connection | Engine, *, measure_id: str | None, fiscal_year: int, fiscal_quarter: int, kind: str,
               description: str, owner: str, due_date: dt.date | None) -> int:
    with transaction(bind) as conn:
        return conn.execute(insert(ReviewAction).values(
            measure_id=measure_id, fiscal_year=fiscal_year, fiscal_quarter=fiscal_quarter, kind=kind,
            description=description, owner=owner, due_date=due_date, status="open", created_at=_now(),
            updated_at=_now(), redaction_version=redaction.VERSION).returning(ReviewAction.id)).scalar_one()


def set_action_status(bind: Connection | Engine, action_id: int, status: str, on: dt.date | None = None) -> None:
    """Mark an action done (on a day) or open again."""
    if status not in ("open", "done"):
        raise UserError(f"action status must be 'open' or 'done', not {status!r}")
    with transaction(bind) as conn:
        changed = conn.execute(update(ReviewAction).where(ReviewAction.id == action_id).values(
            status=status, completed_on=(on or dt.date.today()) if status == "done" else None,
            updated_at=_now())).rowcount
    if not changed:
        raise UserError(f"no action with id {action_id}")


def action(conn: Connection | Engine, action_id: int) -> dict | None:
    t = ReviewAction
    rows = _rows(conn, select(t.id, t.measure_id, t.fiscal_year, t.fiscal_quarter, t.kind, t.description,
                              t.status).where(t.id == action_id))
    return rows[0] if rows else None


def actions(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, since: dt.date) -> list[dict]:
    """Actions recorded at this quarter's review or earlier, except those done before ``since``
    (the previous review's quarter start): what is new, still open, or closed since."""
    t = ReviewAction
    recorded = (t.fiscal_year < fiscal_year) | ((t.fiscal_year == fiscal_year) & (t.fiscal_quarter <= fiscal_quarter))
    statement = (select(t.id, t.measure_id, t.fiscal_year, t.fiscal_quarter, t.kind, t.description, t.owner,
                        t.due_date, t.status, t.completed_on)
                 .where(recorded, or_(t.status != "done", t.completed_on.is_(None), t.completed_on >= since))
                 .order_by(t.fiscal_year, t.fiscal_quarter, t.id))
    return _rows(conn, statement)


# --- annotations --------------------------------------------------------------------------

def add_annotation(bind: Connection | Engine, *, event_date: dt.date, label: str, description: str = "", provider: str = "all",
                   service: str = "all") -> int:
    with transaction(bind) as conn:
        return conn.execute(insert(Annotation).values(
            event_date=event_date, label=label, description=description, provider=provider, service=service,
            created_at=_now(), redaction_version=redaction.VERSION).returning(Annotation.id)).scalar_one()


def annotation(conn: Connection | Engine, annotation_id: int) -> dict | None:
    t = Annotation
    rows = _rows(conn, select(t.id, t.event_date, t.label, t.description, t.provider, t.service)
                 .where(t.id == annotation_id))
    return rows[0] if rows else None


def delete_annotation(bind: Connection | Engine, annotation_id: int) -> None:
    with transaction(bind) as conn:
        conn.execute(delete(Annotation).where(Annotation.id == annotation_id))


def annotations(conn: Connection | Engine, provider: str = "all", service: str = "all") -> list[dict]:
    """Events that apply to a scope: those for everyone, for its provider, and for its service."""
    t = Annotation
    statement = select(t.id, t.event_date, t.label, t.description, t.provider, t.service)
    if provider != "all":
        statement = statement.where(t.provider.in_(["all", provider]))
    if service != "all":
        statement = statement.where(t.service.in_(["all", service]))
    else:
        statement = statement.where(t.service == "all")
    return _rows(conn, statement.order_by(t.event_date, t.id))


# --- frozen reviews -----------------------------------------------------------------------

def _snapshot_key(fiscal_year: int, fiscal_quarter: int, provider: str, service: str):
    t = ReviewSnapshot
    return (t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter, t.provider == provider,
            t.service == service)


def save_snapshot(bind: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str, service: str,
                  held_on: dt.date, contents: str) -> int:
    """Freeze a review. A held review stays as it was: freezing it twice is refused."""
    with transaction(bind) as conn:
        existing = conn.execute(select(ReviewSnapshot.held_on).where(
            *_snapshot_key(fiscal_year, fiscal_quarter, provider, service))).first()
        if existing:
            raise UserError(f"the FY{fiscal_year}Q{fiscal_quarter} review of this scope was already held on "
                            f"{existing.held_on:%d %b %Y}; its snapshot is frozen")
        return conn.execute(insert(ReviewSnapshot).values(
            fiscal_year=fiscal_year, fiscal_quarter=fiscal_quarter, provider=provider, service=service,
            held_on=held_on, contents=contents, created_at=_now(),
            redaction_version=redaction_queries.snapshot_version(conn)).returning(ReviewSnapshot.id)).scalar_one()


def delete_snapshot(bind: Connection | Engine, snapshot_id: int) -> bool:
    """Reopen a held review: its snapshot goes (packs built from it keep their files; the audit
    trail keeps the freeze, the reopening with its reason, and the frozen contents)."""
    with transaction(bind) as conn:
        return conn.execute(delete(ReviewSnapshot).where(ReviewSnapshot.id == snapshot_id)).rowcount > 0


def snapshot(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str,
             service: str) -> dict | None:
    t = ReviewSnapshot
    rows = _rows(conn, select(t.id, t.held_on, t.contents).where(
        *_snapshot_key(fiscal_year, fiscal_quarter, provider, service)))
    return rows[0] if rows else None


# --- review-pack builds -------------------------------------------------------------------

PACK_COLUMNS = ("id", "fiscal_year", "fiscal_quarter", "provider", "service", "format", "template", "trigger",
                "snapshot_id", "status", "progress", "step", "message", "requested_at", "finished_at", "file_name", "pid", "host",
                "requested_by", "started_at")
OPEN = ("queued", "running")
QUEUE_LOCK = 15015  # PostgreSQL advisory lock taken while claiming, so the running count is exact


def _pack_columns():
    return [getattr(ReviewPack, c) for c in PACK_COLUMNS]


def _open_pack(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str, service: str,
               fmt: str, template: str | None) -> int | None:
    t = ReviewPack
    same_template = t.template.is_(None) if template is None else t.template == template
    return _first(conn, select(t.id).where(t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter,
                                           t.provider == provider, t.service == service, t.format == fmt,
                                           same_template, t.status.in_(OPEN)))


def _first(conn, statement):
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return c.execute(statement).scalars().first()
    return conn.execute(statement).scalars().first()


def request_pack(bind: Connection | Engine, *, fiscal_year: int, fiscal_quarter: int, provider: str, service: str,
                 fmt: str, trigger: str, template: str | None = None,
                 requested_by: str | None = None) -> tuple[int, bool]:
    """Queue a build: (its id, True), or (the id of the identical build already queued or running,
    False). The partial unique index ux_review_pack_open makes this hold between processes too."""
    key = (fiscal_year, fiscal_quarter, provider, service, fmt, template)
    with transaction(bind) as conn:
        found = _open_pack(conn, *key)
        if found is not None:
            return found, False
        # ON CONFLICT DO NOTHING, not a caught IntegrityError: losing the race to an identical
        # request must leave the caller's transaction (the audit event's) usable on PostgreSQL
        dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[conn.dialect.name]
        made = conn.execute(dialect_insert(ReviewPack).values(
            fiscal_year=fiscal_year, fiscal_quarter=fiscal_quarter, provider=provider, service=service, format=fmt,
            template=template, trigger=trigger, status="queued", progress=0.0, step="Waiting to start",
            requested_at=_now(), requested_by=requested_by).on_conflict_do_nothing().returning(ReviewPack.id)
        ).scalar()
        if made is not None:
            return made, True
        found = _open_pack(conn, *key)
        if found is None:
            raise UserError("the build request conflicted with another and was not queued; please try again")
        return found, False


def claim_pack(engine: Engine, worker: dict, limit: int | None = None, pack_id: int | None = None) -> int | None:
    """Mark the oldest queued build (or ``pack_id``) running for ``worker`` (pid, host), atomically:
    the UPDATE only changes a row still 'queued', so two workers never build the same one; with
    ``limit``, only while fewer than ``limit`` builds are running (checked in the same statement;
    on PostgreSQL under an advisory lock). The id claimed, or None."""
    t = ReviewPack
    while True:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(QUEUE_LOCK)))
            candidate = pack_id if pack_id is not None else conn.execute(
                select(t.id).where(t.status == "queued").order_by(t.requested_at, t.id).limit(1)).scalar()
            if candidate is None:
                return None
            statement = update(t).where(t.id == candidate, t.status == "queued")
            if limit is not None:
                running = select(func.count()).select_from(t).where(t.status == "running").scalar_subquery()
                statement = statement.where(running < limit)
            claimed = conn.execute(statement.values(status="running", step="Starting", started_at=_now(),
                                                    **worker)).rowcount
        if claimed == 1:
            return candidate
        if pack_id is not None:
            return None
        with engine.connect() as conn:  # lost the race for this row, or the limit is reached
            if limit is not None and conn.execute(select(func.count()).select_from(t).where(
                    t.status == "running")).scalar_one() >= limit:
                return None


def open_packs(conn: Connection | Engine) -> list[dict]:
    """Every build queued or running, oldest first."""
    return _rows(conn, select(*_pack_columns()).where(ReviewPack.status.in_(OPEN)).order_by(ReviewPack.id))


def update_pack(engine: Engine, pack_id: int, **values) -> None:
    """Progress, status, the result: each write commits at once, so a page polling sees it."""
    if values.get("status") in ("succeeded", "failed"):
        values.setdefault("finished_at", _now())
    with engine.begin() as conn:
        conn.execute(update(ReviewPack).where(ReviewPack.id == pack_id).values(**values))


def pack(conn: Connection | Engine, pack_id: int) -> dict | None:
    rows = _rows(conn, select(*_pack_columns()).where(ReviewPack.id == pack_id))
    return rows[0] if rows else None


def pack_file(conn: Connection | Engine, pack_id: int) -> tuple[str, bytes] | None:
    rows = _rows(conn, select(ReviewPack.file_name, ReviewPack.content).where(
        ReviewPack.id == pack_id, ReviewPack.status == "succeeded"))
    return (rows[0]["file_name"], rows[0]["content"]) if rows and rows[0]["content"] is not None else None


def packs(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None,
          provider: str | None = None, service: str | None = None, trigger: str | None = None,
          limit: int = 20) -> list[dict]:
    """Builds, newest first, optionally of one quarter, scope or trigger (never the file bytes)."""
    t = ReviewPack
    statement = select(*_pack_columns())
    for column, value in ((t.fiscal_year, fiscal_year), (t.fiscal_quarter, fiscal_quarter), (t.provider, provider),
                          (t.service, service), (t.trigger, trigger)):
        if value is not None:
            statement = statement.where(column == value)
    return _rows(conn, statement.order_by(t.id.desc()).limit(limit))
