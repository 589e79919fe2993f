"""The audit trail: every change with who made it and when (append-only; see
cxdash.db.access_queries). Pages, the CLI and the scheduler call record() after a change."""
from __future__ import annotations

import csv
import io

from sqlalchemy import Connection, Engine

from cxdash.db import access_queries
from cxdash.exports.csv_safety import safe_cell
from cxdash.permissions import EVERYTHING, Principal
from cxdash.permissions import cli_principal as cli_principal  # where commands take who runs them

COLUMNS = (("at", "When (UTC)"), ("username", "Who"), ("via", "Signed in via"), ("action", "What"),
           ("target", "On"), ("provider", "Provider"), ("service", "Service"), ("details", "Details"))


SCHEDULER = Principal(username="scheduler", role="administrator", scope=EVERYTHING, via="scheduler")


def record(conn: Connection | Engine, who: Principal, action: str, target: str = "", *, provider: str = "all",
           service: str = "all", details: dict | None = None) -> int:
    """Append one event; with an Engine, in its own transaction (a Connection: the caller's)."""
    values = dict(username=who.username, via=who.via, action=action, target=str(target or ""),
                  provider=provider or "all", service=service or "all", details=details)
    if isinstance(conn, Engine):
        with conn.begin() as c:
            return access_queries.record(c, **values)
    return access_queries.record(conn, **values)


def events(engine: Engine, **filters) -> list[dict]:
    return access_queries.events(engine, **filters)


def to_csv(rows: list[dict]) -> str:
    """The trail as CSV, every cell made safe for spreadsheets (formula prefixes escaped)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([safe_cell(row.get(key)) for key, _ in COLUMNS])
    return out.getvalue()
