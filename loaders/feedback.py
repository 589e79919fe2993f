"""Unprompted feedback (complaints, comments, compliments) and survey free text, through a mapping.

One CSV row is one item. The text is redacted of personal information (cxdash.redaction)
first, before anything else happens to the row: the stored item, and a rejected row's raw
values alike, only ever hold the redacted text; a rejected row's other values and its reason
are redacted too (the comment can spill into them). Sentiment is scored on the redacted text.
An item needs a key, a readable received time, mapped channel and stage values, and some
text; a row without text is rejected ("no text"), or skipped when the mapping says blank
comments are normal (optional survey comments).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash import redaction
from cxdash.channels import MAPPED_CHANNELS, normalise_channel
from cxdash.db.models import FeedbackItem, FeedbackItemTheme
from cxdash.loaders import natural_keys
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.mapped_rows import (
    NothingToStore,
    RowProblem,
    fitted,
    keyed_chunks,
    load_mapped,
    mapped_time,
    mapped_value,
)
from cxdash.loaders.runner import Chunk, LoadReport, Rejection
from cxdash.mappings import FeedbackMapping
from cxdash.metrics import sentiment
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "feedback"
CHUNK_ROWS = 2000
REPEATED_TEXTS = 4096  # distinct texts a load keeps redacted


def parse_row(mapping: FeedbackMapping, line: int, values: dict, text: redaction.Redacted,
              window: DateWindow | None = None) -> dict:
    """A feedback_item row from a row's mapped values and its already redacted text."""
    key = values.get(mapping.item_key, "").strip()
    if not key:
        raise RowProblem(mapping.item_key, "missing item key")
    if not text.text.strip():
        if mapping.blank_text == "skip":
            raise NothingToStore
        raise RowProblem(mapping.text, "no text")
    received_at, received = mapped_time(values, mapping.received_at, required=True, window=window)
    channel = normalise_channel(mapped_value(values, mapping.channel, "channel"), MAPPED_CHANNELS)
    if channel is None:
        raise RowProblem(mapping.channel.column or "channel", "not a Touchpoints channel")
    quarter = FiscalQuarter.of_date(received)
    score, label = sentiment.score(text.text)
    return fitted({
        "item_key": key, "line": line, "kind": mapped_value(values, mapping.feedback_kind, "feedback kind"),
        "received_at": received_at, "received_date": received,
        "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "provider": mapped_value(values, mapping.provider, "provider"),
        "service": mapped_value(values, mapping.service, "service"),
        "channel": channel, "stage": mapped_value(values, mapping.stage, "stage"),
        "text_redacted": text.text.strip(), "redactions": text.count,
        "redaction_version": redaction.VERSION, "sentiment": score, "sentiment_label": label,
        "sentiment_version": sentiment.VERSION,
    }, FeedbackItem, {"item_key": mapping.item_key, "kind": mapping.feedback_kind.column, "provider": mapping.provider.column,
                      "service": mapping.service.column, "stage": mapping.stage.column})


def chunks(path: Path, mapping: FeedbackMapping, window: DateWindow | None = None) -> Iterator[Chunk]:
    current = {}  # the row being read: its text, redacted once (parse follows prepare row by row)
    # Each distinct text is redacted once a load: the same function of the same text, and an
    # export's texts are often a few repeated ones ("N/A", "Thank you").
    redact = lru_cache(maxsize=REPEATED_TEXTS)(redaction.redact)

    def prepare(raw: dict, width_ok: bool) -> dict:
        """Redact before anything else: a row and a rejection only ever hold redacted text."""
        if not width_ok:  # shifted cells: any of them may hold part of the text
            return {c: redact(v).text for c, v in raw.items()}
        current["text"] = redact(raw.get(mapping.text))
        return {**raw, mapping.text: current["text"].text} if mapping.text in raw else raw

    read = keyed_chunks(path, mapping.read_columns(), lambda line, raw: parse_row(mapping, line, raw, current["text"], window),
                        key="item_key", key_field=mapping.item_key, chunk_rows=CHUNK_ROWS,
                        as_of=lambda row: row["received_date"], prepare=prepare)
    for chunk in read:
        for rejection in chunk.rejections:
            _redact_rejection(rejection, mapping.text, redact)
        yield chunk


def _redact_rejection(rejection: Rejection, text_column: str, redact: Callable[[str], redaction.Redacted]) -> None:
    """A rejection's other cells and its reason redacted too, as compute redacts them again: a
    comment with an unquoted comma spills into the next cells, and the reason quotes its cell
    ("cannot read ' call 410-555-0100' as a time"). The comment itself was redacted first."""
    rejection.reason = redact(rejection.reason).text
    rejection.raw = {column: redact(value).text if column != text_column and isinstance(value, str) else value
                     for column, value in rejection.raw.items()}


def write(conn: Connection, source: str, run_id: int, rows: list[dict], _mapping=None) -> int:
    """Replace the items with the same natural key, whoever delivered them, with their themes
    (computed again by the next compute)."""
    return natural_keys.replace(conn, FeedbackItem, source, run_id, rows, dependants=[FeedbackItemTheme.feedback_item_id])


def load(engine: Engine, path: Path, mapping: FeedbackMapping | str | Path, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    return load_mapped(engine, path, mapping, FeedbackMapping, kind=KIND, chunks=chunks, write=write, source=source,
                       window=window,
                       # the redaction rules shape the stored text: new rules make a re-load re-redact
                       parameters={"redaction": redaction.VERSION})
