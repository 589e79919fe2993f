"""Reads and writes of access grants (user_grant) and the audit trail (audit_event).

The audit trail is append-only: this module only inserts into it and reads it (a database
trigger refuses UPDATE and DELETE, migration 0014)."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, Engine, delete, insert, select

from cxdash.db.models import AuditEvent, UserGrant

AUDIT_COLUMNS = ("id", "at", "username", "via", "action", "target", "provider", "service", "details")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- grants -------------------------------------------------------------------------------------

def grants(conn: Connection | Engine, username: str) -> list[tuple[str, str]]:
    """(provider, service) pairs granted to a local account ('all' service: the whole provider)."""
    statement = select(UserGrant.provider, UserGrant.service).where(UserGrant.username == username).order_by(
        UserGrant.provider, UserGrant.service)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return [tuple(r) for r in c.execute(statement).all()]
    return [tuple(r) for r in conn.execute(statement).all()]


def all_grants(conn: Connection | Engine) -> dict[str, list[tuple[str, str]]]:
    statement = select(UserGrant.username, UserGrant.provider, UserGrant.service).order_by(
        UserGrant.username, UserGrant.provider, UserGrant.service)
    with (conn.connect() if isinstance(conn, Engine) else _same(conn)) as c:
        rows = c.execute(statement).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for username, provider, service in rows:
        out.setdefault(username, []).append((provider, service))
    return out


class _same:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        return False


def add_grant(conn: Connection, username: str, provider: str, service: str, granted_by: str) -> bool:
    """False when the account already had this grant."""
    exists = conn.execute(select(UserGrant.id).where(UserGrant.username == username, UserGrant.provider == provider,
                                                     UserGrant.service == service)).first()
    if exists:
        return False
    conn.execute(insert(UserGrant).values(username=username, provider=provider, service=service,
                                          granted_by=granted_by, granted_at=_now()))
    return True


def remove_grant(conn: Connection, username: str, provider: str, service: str) -> bool:
    result = conn.execute(delete(UserGrant).where(UserGrant.username == username, UserGrant.provider == provider,
                                                  UserGrant.service == service))
    return result.rowcount > 0


# --- the audit trail ------------------------------------------------------------------------------

def record(conn: Connection, *, username: str, via: str, action: str, target: str = "", provider: str = "all",
           service: str = "all", details: dict | None = None, at: dt.datetime | None = None) -> int:
    """Append one event, in the caller's transaction (so the change and its record land together)."""
    return conn.execute(insert(AuditEvent).values(
        at=at or _now(), username=username[:200], via=via[:20], action=action[:60], target=(target or "")[:500],
        provider=(provider or "all")[:300], service=(service or "all")[:500],
        details=json.dumps(details or {}, default=str, sort_keys=True)).returning(AuditEvent.id)).scalar_one()


def events(conn: Connection | Engine, *, username: str | None = None, action: str | None = None,
           since: dt.date | None = None, until: dt.date | None = None, limit: int | None = 1000) -> list[dict]:
    """Events newest first, optionally of one user or action and within dates (until: inclusive)."""
    t = AuditEvent
    statement = select(*[getattr(t, c) for c in AUDIT_COLUMNS])
    if username:
        statement = statement.where(t.username == username)
    if action:
        statement = statement.where(t.action == action)
    if since:
        statement = statement.where(t.at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until:
        statement = statement.where(t.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC))
    statement = statement.order_by(t.id.desc())
    if limit:
        statement = statement.limit(limit)
    with (conn.connect() if isinstance(conn, Engine) else _same(conn)) as c:
        return [dict(r._mapping) for r in c.execute(statement).all()]


def actions(conn: Connection | Engine) -> list[str]:
    with (conn.connect() if isinstance(conn, Engine) else _same(conn)) as c:
        return [r[0] for r in c.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()]
