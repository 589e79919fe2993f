"""What the review writes down: commentary, decisions and actions, annotations. Each entry is
checked (a clear message naming the field) and its free text redacted before it is stored, as
for customer feedback: commentary may quote a case."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine

from cxdash.catalogue import Catalogue
from cxdash.db import review_queries
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.redaction import checked_text

MAX_TEXT = 4000
MAX_SHORT = 200
KINDS = ("decision", "action")


def _text(field: str, value: str | None, limit: int = MAX_TEXT, required: bool = False) -> str:
    return checked_text(field, value, limit, required)


def _short(field: str, value: str | None, required: bool = False) -> str:
    return checked_text(field, value, MAX_SHORT, required)


def _staff(field: str, value: str | None) -> str:
    """Who wrote it: the signed-in user's name, staff named on purpose (not redacted)."""
    return checked_text(field, value, MAX_SHORT, redacted=False)


def _date(field: str, value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise UserError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def _measure(catalogue: Catalogue, measure_id: str | None, required: bool = True) -> str | None:
    if not measure_id:
        if required:
            raise UserError("measure: required")
        return None
    try:
        return catalogue.measure(measure_id).id
    except KeyError:
        raise UserError(f"measure: {measure_id!r} is not in the catalog") from None


def save_commentary(bind: Connection | Engine, catalogue: Catalogue, measure_id: str, quarter: FiscalQuarter, *,
                    what_happened: str = "", why: str = "", what_next: str = "", author: str = "") -> None:
    parts = {"what_happened": _text("what happened", what_happened), "why": _text("why", why),
             "what_next": _text("what next", what_next)}
    if not any(parts.values()):
        raise UserError("commentary: write at least one of what happened, why, what next")
    review_queries.save_commentary(bind, _measure(catalogue, measure_id), quarter.year, quarter.quarter,
                                   **parts, author=_staff("author", author))


def add_action(bind: Connection | Engine, catalogue: Catalogue, quarter: FiscalQuarter, *, description: str,
               measure_id: str | None = None, kind: str = "action", owner: str = "", due_date=None) -> int:
    if kind not in KINDS:
        raise UserError(f"kind: {kind!r}; expected one of {', '.join(KINDS)}")
    return review_queries.add_action(
        bind, measure_id=_measure(catalogue, measure_id, required=False), fiscal_year=quarter.year,
        fiscal_quarter=quarter.quarter, kind=kind, description=_text("description", description, required=True),
        owner=checked_text("owner", owner, MAX_SHORT, redacted=False), due_date=_date("due date", due_date))


def set_action_status(bind: Connection | Engine, action_id: int, status: str, on=None) -> None:
    review_queries.set_action_status(bind, int(action_id), status, _date("completed on", on))


def add_annotation(bind: Connection | Engine, *, event_date, label: str, description: str = "", provider: str = "all",
                   service: str = "all") -> int:
    day = _date("event date", event_date)
    if day is None:
        raise UserError("event date: required")
    return review_queries.add_annotation(bind, event_date=day, label=_short("label", label, required=True),
                                         description=_text("description", description), provider=provider or "all",
                                         service=service or "all")
