"""The Quarterly review page as plain functions: the page's words, the rows of its tables (from
ReviewContents and the review queries' dicts), the differences since a held review formatted like
the other pages, a pack build's progress in words, and the forms' values read into what
cxdash.review.records expects. No database and no Dash callbacks: tests call them directly."""
from __future__ import annotations

import datetime as dt
import json

from cxdash.channels import ALL
from cxdash.errors import UserError
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation.formatting import MISSING, format_date, format_n, format_value, is_missing
from cxdash.presentation.takeaways import STATUS_WORDS
from cxdash.review.contents import Action, Annotation, Commentary, MeasureSlide

NO_MEASURE = "none"  # the measure dropdown's value for "No single measure" (Dash values cannot be None)
STATE_WORDS = {"done": "Done", "open": "Open", "late": "Late"}
KIND_WORDS = {"decision": "Decision", "action": "Action"}
FORMAT_WORDS = {"pptx": "PowerPoint", "pdf": "PDF"}
TRIGGER_WORDS = {"page": "This page", "manual": "Command line", "scheduled": "Scheduled draft"}
PACK_STATUS_WORDS = {"queued": "Queued", "running": "Building", "succeeded": "Ready", "failed": "Failed"}
COMMENTARY_PARTS = (("what_happened", "What happened"), ("why", "Why"), ("what_next", "What next"))
SUPPRESSED = "Suppressed (small sample)"

ACTION_COLUMNS = [("kind", "Kind"), ("description", "Description"), ("measure", "Measure"), ("owner", "Owner"),
                  ("due", "Due"), ("state", "State"), ("recorded", "Recorded at")]
ANNOTATION_COLUMNS = [("date", "Date"), ("label", "Event"), ("description", "Description"), ("scope", "Applies to")]
DIFFERENCE_COLUMNS = [("measure", "Measure"), ("what", "What changed"), ("held", "At the review"),
                      ("today", "Today")]
PACK_COLUMNS = [("requested", "Requested"), ("format", "Format"), ("trigger", "Started from"), ("status", "Status")]


# --- words ------------------------------------------------------------------------------------

def title(quarter_display: str | None) -> str:
    return f"Quarterly review, {quarter_display}" if quarter_display else "Quarterly review"


def status_line(held_on: dt.date | None) -> str:
    """Whether the page shows today's numbers or the frozen ones of the held review."""
    return f"Held on {format_date(held_on)}: the numbers are frozen" if held_on else "Draft: today's numbers"


def scope_words(provider: str, service: str) -> str:
    return " · ".join(["All providers" if provider == ALL else provider, "All services" if service == ALL else service])


def when_text(value) -> str:
    """A stored time (UTC; SQLite gives it back without a zone) as '25 Nov 2026, 14:03 UTC'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return format_date(value)
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return f"{format_date(value)}, {value:%H:%M} UTC"


def value_text(m: MeasureSlide) -> str:
    if m.suppressed:
        return SUPPRESSED
    return format_value(m.value, m.unit) if m.value is not None else "No data"


def target_text(m: MeasureSlide) -> str:
    return f"Target {format_value(m.target, m.unit)}" if m.target is not None else "No target set"


def status_text(status: str) -> str:
    """'on_track' -> 'On track': the status in words (the page shows the tag, icon and words, too)."""
    words = STATUS_WORDS.get(status, status.replace("_", " "))
    return words[:1].upper() + words[1:]


def commentary_parts(c: Commentary | None) -> list[tuple[str, str]]:
    """(heading, text) of the filled parts, in order."""
    if c is None:
        return []
    return [(head, getattr(c, key).strip()) for key, head in COMMENTARY_PARTS if getattr(c, key).strip()]


def commentary_byline(c: Commentary | None) -> str:
    if c is None:
        return ""
    parts = []
    if c.author:
        parts.append(f"By {c.author}")
    if c.updated_at:
        parts.append(f"last updated {when_text(c.updated_at)}")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:] if text else ""


def form_values(c: Commentary | None) -> dict[str, str]:
    """What the commentary form starts with: the saved commentary, or empty."""
    keys = [k for k, _ in COMMENTARY_PARTS] + ["author"]
    return {k: (getattr(c, k) if c else "") or "" for k in keys}


# --- tables -----------------------------------------------------------------------------------

def action_rows(actions: list[Action]) -> list[dict]:
    """One row per decision or action, its state in words (Late: open past its due date)."""
    return [{
        "id": a.id, "kind": KIND_WORDS.get(a.kind, a.kind), "description": a.description,
        "measure": a.measure_name or (a.measure_id or "No single measure"), "owner": a.owner or MISSING,
        "due": format_date(a.due_date) if a.due_date else MISSING, "state": STATE_WORDS[a.state],
        "state_key": a.state, "recorded": _quarter_display(a.quarter),
        "status": a.status, "to": "open" if a.status == "done" else "done",
        "button": "Reopen" if a.status == "done" else "Mark done",
    } for a in actions]


def _quarter_display(label: str) -> str:
    try:
        return FiscalQuarter.parse(label).display
    except ValueError:
        return label


def annotation_rows(annotations: list[Annotation]) -> list[dict]:
    return [{"id": e.id, "date": format_date(e.event_date), "label": e.label, "description": e.description or MISSING,
             "scope": scope_words(e.provider, e.service)} for e in annotations]


def _formatted(field: str, value, unit: str) -> str:
    if value is None:
        return "Not in this review" if field == "value" else MISSING
    if field == "n":
        return format_n(value)
    if field == "status":
        return status_text(value)
    return format_value(value, unit)


def difference_rows(differences: list[dict]) -> list[dict]:
    """snapshots.differences(...) formatted: values and targets in the measure's unit, n with
    separators, statuses in words."""
    return [{"measure_id": d["measure_id"], "measure": d["name"], "what": d["label"],
             "held": _formatted(d["field"], d["held"], d["unit"]),
             "today": _formatted(d["field"], d["today"], d["unit"])} for d in differences]


def differences_sentence(rows: list[dict], held_on: dt.date) -> str:
    if not rows:
        return "No number has changed since the review was held."
    measures = len({r["measure_id"] for r in rows})
    return (f"{len(rows)} number{'s' if len(rows) != 1 else ''} of {measures} measure{'s' if measures != 1 else ''} "
            f"changed since the review was held on {format_date(held_on)} (data reloaded or corrected since). "
            "The pack keeps the numbers as they were at the review.")


def pack_rows(builds: list[dict]) -> list[dict]:
    """Previous builds, newest first: when, format, trigger and status in words."""
    rows = []
    for b in builds:
        status = PACK_STATUS_WORDS.get(b["status"], b["status"])
        if b["status"] == "failed" and b.get("message"):
            status = f"Failed: {b['message']}"
        elif b["status"] == "succeeded" and b.get("message"):
            status = f"Ready ({b['message'][:1].lower()}{b['message'][1:]})"
        rows.append({"id": b["id"], "requested": when_text(b["requested_at"]),
                     "format": FORMAT_WORDS.get(b["format"], b["format"]),
                     "trigger": TRIGGER_WORDS.get(b["trigger"], b["trigger"]), "status": status,
                     "downloadable": b["status"] == "succeeded", "file_name": b.get("file_name")})
    return rows


# --- a build's progress ---------------------------------------------------------------------

def finished(pack: dict | None) -> bool:
    return pack is None or pack["status"] in ("succeeded", "failed")


def progress_value(pack: dict | None) -> float:
    if pack is None:
        return 0.0
    if pack["status"] == "succeeded":
        return 1.0
    return max(0.0, min(1.0, float(pack.get("progress") or 0.0)))


def progress_percent(pack: dict | None) -> str:
    return f"{round(progress_value(pack) * 100)}%"


def progress_text(pack: dict | None) -> str:
    """The step in words, for the live region (no percentage: it would be read every second)."""
    if pack is None:
        return "No build of the review pack was found."
    fmt = FORMAT_WORDS.get(pack["format"], pack["format"])
    if pack["status"] == "queued":
        return f"The {fmt} pack is queued: it starts when the pack builder is free."
    if pack["status"] == "running":
        return f"Building the {fmt} pack: {pack.get('step') or 'working'}."
    if pack["status"] == "succeeded":
        return f"The {fmt} pack is ready: {pack.get('file_name') or 'download it below'}."
    return f"The {fmt} pack could not be built: {pack.get('message') or 'no reason was recorded'}."


# --- forms ------------------------------------------------------------------------------------

def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_date(field: str, value) -> dt.date | None:
    """A date input's value ('YYYY-MM-DD', or empty) -> a date; a clear message otherwise."""
    value = _text(value) if not isinstance(value, dt.date) else value
    if value in ("", None):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise UserError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_commentary(values: dict) -> dict:
    """The commentary form -> keyword arguments of records.save_commentary."""
    return {"what_happened": _text(values.get("what_happened")), "why": _text(values.get("why")),
            "what_next": _text(values.get("what_next")), "author": _text(values.get("author"))}


def parse_action(values: dict) -> dict:
    """The add-an-action form -> keyword arguments of records.add_action."""
    measure = values.get("measure")
    return {"kind": values.get("kind") or "action", "description": _text(values.get("description")),
            "measure_id": None if measure in (None, "", NO_MEASURE) else measure,
            "owner": _text(values.get("owner")), "due_date": parse_date("due date", values.get("due"))}


def parse_annotation(values: dict, provider: str, service: str) -> dict:
    """The add-an-event form -> keyword arguments of records.add_annotation (scope: the page's)."""
    day = parse_date("event date", values.get("date"))
    if day is None:
        raise UserError("event date: required")
    return {"event_date": day, "label": _text(values.get("label")), "description": _text(values.get("description")),
            "provider": provider or ALL, "service": service or ALL}


def measure_options(measures: list[MeasureSlide]) -> list[dict]:
    return [{"label": "No single measure", "value": NO_MEASURE}] + [
        {"label": m.name, "value": m.measure_id} for m in measures]


def notice(kind: str, text: str, where: str) -> dict:
    """A message after a write: kind 'success' or 'error'; where: the part of the page it belongs to
    ('commentary:<measure id>', 'actions', 'annotations', 'freeze', 'pack')."""
    return {"kind": kind, "text": text, "where": where}


def dom_id(component_id: dict | str) -> str:
    """The DOM id Dash gives a pattern-matching id (keys sorted, JSON values), for <label for=...>."""
    if isinstance(component_id, str):
        return component_id
    return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{json.dumps(component_id[k], ensure_ascii=False)}"
                          for k in sorted(component_id)) + "}"
