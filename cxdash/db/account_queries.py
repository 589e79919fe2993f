"""Reads and writes of local accounts (user_account). Hashing is cxdash.accounts' job: only
hashes reach this module."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, select, update

from cxdash.db.models import UserAccount

COLUMNS = ("username", "display_name", "role", "disabled", "created_at", "last_sign_in_at")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add(engine: Engine, *, username: str, display_name: str, role: str, password_hash: str) -> None:
    now = _now()
    with engine.begin() as conn:
        conn.execute(insert(UserAccount).values(username=username, display_name=display_name, role=role,
                                                password_hash=password_hash, disabled=False,
                                                created_at=now, updated_at=now))


def exists(engine: Engine, username: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(UserAccount.id).where(UserAccount.username == username)).first() is not None


def for_sign_in(engine: Engine, username: str) -> dict | None:
    """The account's name, role, hash and whether it is disabled (None: no such account)."""
    t = UserAccount
    with engine.connect() as conn:
        row = conn.execute(select(t.username, t.display_name, t.role, t.password_hash, t.disabled)
                           .where(t.username == username)).first()
    return dict(row._mapping) if row else None


def active(engine: Engine, username: str) -> bool:
    """Whether the account exists and is not disabled (checked on every signed-in request)."""
    t = UserAccount
    with engine.connect() as conn:
        return conn.execute(select(t.id).where(t.username == username, t.disabled.is_(False))).first() is not None


def accounts(engine: Engine) -> list[dict]:
    t = UserAccount
    with engine.connect() as conn:
        rows = conn.execute(select(*[getattr(t, c) for c in COLUMNS]).order_by(t.username)).all()
    return [dict(r._mapping) for r in rows]


def set_disabled(engine: Engine, username: str, disabled: bool) -> bool:
    """False when there is no such account."""
    with engine.begin() as conn:
        result = conn.execute(update(UserAccount).where(UserAccount.username == username)
                              .values(disabled=disabled, updated_at=_now()))
    return result.rowcount > 0


def set_password_hash(engine: Engine, username: str, password_hash: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(UserAccount).where(UserAccount.username == username)
                     .values(password_hash=password_hash, updated_at=_now()))


def signed_in(engine: Engine, username: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(UserAccount).where(UserAccount.username == username).values(last_sign_in_at=_now()))


def set_role(engine: Engine, username: str, role: str) -> bool:
    """False when there is no such account."""
    with engine.begin() as conn:
        result = conn.execute(update(UserAccount).where(UserAccount.username == username)
                              .values(role=role, updated_at=_now()))
    return result.rowcount > 0
