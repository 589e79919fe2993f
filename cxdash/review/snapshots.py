"""Frozen reviews. When a quarter's review is held, its contents are stored as they were, so a
pack rebuilt later, after corrected data were reloaded, still shows what the executives saw;
and what has changed since can be listed beside it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine

from cxdash.catalogue import Catalogue
from cxdash.db import review_queries
from cxdash.db.engine import transaction
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review.assemble import assemble
from cxdash.review.contents import MeasureSlide, ReviewContents

COMPARED = (("value", "Value"), ("n", "Responses (n)"), ("target", "Target"), ("status", "Status"))


def freeze(engine: Engine, catalogue: Catalogue, quarter: FiscalQuarter, provider: str, service: str,
           held_on: dt.date | None = None, *, within: Connection | None = None) -> ReviewContents:
    """Store today's contents as the held review (refused if it was already held); with
    ``within``, in that transaction (the one that records who froze it)."""
    held_on = held_on or dt.date.today()
    contents = assemble(engine, catalogue, quarter, provider, service, review_date=held_on)
    contents = contents.model_copy(update={"frozen_on": held_on})
    review_queries.save_snapshot(within or engine, quarter.year, quarter.quarter, provider, service, held_on,
                                 contents.model_dump_json())
    return contents


def frozen(engine: Engine, quarter: FiscalQuarter, provider: str, service: str) -> tuple[int, ReviewContents] | None:
    """(snapshot id, contents) of the held review, or None."""
    row = review_queries.snapshot(engine, quarter.year, quarter.quarter, provider, service)
    return (row["id"], ReviewContents.model_validate_json(row["contents"])) if row else None


def contents_for(engine: Engine, catalogue: Catalogue, quarter: FiscalQuarter, provider: str,
                 service: str) -> tuple[int | None, ReviewContents]:
    """What a pack of this review shows: the frozen contents once held, today's numbers before."""
    held = frozen(engine, quarter, provider, service)
    return held if held else (None, assemble(engine, catalogue, quarter, provider, service))


def differences(held: ReviewContents, today: ReviewContents) -> list[dict]:
    """Per measure and compared field, where today's number differs from the held review's:
    measure_id, name, unit, field, label, held, today. A measure missing on one side shows None."""
    before = {m.measure_id: m for m in held.measures}
    after = {m.measure_id: m for m in today.measures}
    out = []
    for measure_id in list(before) + [k for k in after if k not in before]:
        old, new = before.get(measure_id), after.get(measure_id)
        some = old or new
        for field, label in COMPARED:
            a, b = _get(old, field), _get(new, field)
            if not _same(a, b):
                out.append({"measure_id": measure_id, "name": some.name, "unit": some.unit, "field": field,
                            "label": label, "held": a, "today": b})
    return out


def _get(measure: MeasureSlide | None, field: str):
    return None if measure is None else getattr(measure, field)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return a == b


def reopen(bind: Connection | Engine, quarter: FiscalQuarter, provider: str, service: str, reason: str) -> dict:
    """Undo a held review (a wrongful freeze): the snapshot goes, so the review can be held again.
    Returns what was frozen (id, held_on, contents) for the audit trail, which keeps the freeze and
    the reopening side by side. A reason is required."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise UserError("reason: say why the held review is reopened (at least 5 characters)")
    if len(reason) > 1000:
        raise UserError("reason: at most 1,000 characters")
    with transaction(bind) as conn:
        row = review_queries.snapshot(conn, quarter.year, quarter.quarter, provider, service)
        if row is None:
            raise UserError(f"the {quarter.display} review of this scope is not held; there is nothing to reopen")
        review_queries.delete_snapshot(conn, row["id"])
    return {"snapshot_id": row["id"], "held_on": row["held_on"], "reason": reason, "contents": row["contents"]}
