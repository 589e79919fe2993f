"""Local accounts: for small offices and the demo, beside (or instead of) the agency's OpenID
Connect provider. Passwords are hashed with Argon2id (argon2-cffi's PasswordHasher, its default
parameters) and never stored or logged; only cxdash.db.account_queries touches the table."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine

from cxdash import permissions
from cxdash.db import access_queries, account_queries
from cxdash.errors import UserError

ROLES = permissions.ROLES
DEFAULT_ROLE = "viewer"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}")

_hasher = PasswordHasher()
# Verified when the username is unknown, so a wrong username takes as long as a wrong password.
_UNKNOWN = _hasher.hash(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    role: str

    @property
    def shown_as(self) -> str:
        return self.display_name or self.username


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.fullmatch(username):
        raise UserError(f"username {username!r}: use 1-150 letters, digits and . _ @ + - (starting with a letter or digit)")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"password: at most {MAX_PASSWORD} characters")
    return password


def add(engine: Engine, username: str, password: str, *, name: str = "", role: str = DEFAULT_ROLE) -> Account:
    username = check_username(username)
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    name = (name or "").strip()
    if len(name) > 200:
        raise UserError("name: at most 200 characters")
    check_password(password)
    if account_queries.exists(engine, username):
        raise UserError(f"an account named {username!r} already exists")
    account_queries.add(engine, username=username, display_name=name, role=role, password_hash=_hasher.hash(password))
    return Account(username, name, role)


def new_password() -> str:
    """A random password (the demo's account)."""
    return secrets.token_urlsafe(15)


def authenticate(engine: Engine, username: str, password: str) -> Account | None:
    """The account, when the username and password match an account that is not disabled."""
    row = account_queries.for_sign_in(engine, (username or "").strip()) if username else None
    if not password or len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(row["password_hash"] if row else _UNKNOWN, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row["disabled"]:
        return None
    if _hasher.check_needs_rehash(row["password_hash"]):
        account_queries.set_password_hash(engine, row["username"], _hasher.hash(password))
    account_queries.signed_in(engine, row["username"])
    return Account(row["username"], row["display_name"], row["role"])


def active(engine: Engine, username: str) -> bool:
    return account_queries.active(engine, username)


def access(engine: Engine, username: str) -> tuple[str, permissions.Scope] | None:
    """An active account's role and scope as stored now (None: disabled or gone)."""
    row = account_queries.for_sign_in(engine, username)
    if row is None or row["disabled"]:
        return None
    return row["role"], permissions.local_scope(row["role"], access_queries.grants(engine, username))


def grant(engine: Engine, username: str, provider: str, service: str, granted_by: str) -> bool:
    """Let a local account see a provider (service 'all': all of its services) or, with provider
    'all', everything. False when it already had the grant."""
    if not account_queries.exists(engine, username):
        raise UserError(f"no account named {username!r}")
    provider, service = " ".join((provider or "all").split()), " ".join((service or "all").split())
    if provider == "all" and service != "all":
        raise UserError("--service needs --provider")
    with engine.begin() as conn:
        return access_queries.add_grant(conn, username, provider, service, granted_by)


def revoke(engine: Engine, username: str, provider: str, service: str) -> bool:
    provider, service = " ".join((provider or "all").split()), " ".join((service or "all").split())
    with engine.begin() as conn:
        return access_queries.remove_grant(conn, username, provider, service)


def grants(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    return access_queries.all_grants(engine)


def set_role(engine: Engine, username: str, role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if not account_queries.set_role(engine, username, role):
        raise UserError(f"no account named {username!r}")


def disable(engine: Engine, username: str) -> None:
    if not account_queries.set_disabled(engine, username, True):
        raise UserError(f"no account named {username!r}")


def accounts(engine: Engine) -> list[dict]:
    return account_queries.accounts(engine)


def set_password(engine: Engine, username: str, password: str) -> None:
    check_password(password)
    if not account_queries.exists(engine, username):
        raise UserError(f"no account named {username!r}")
    account_queries.set_password_hash(engine, username, _hasher.hash(password))
