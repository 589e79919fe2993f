"""Feedback data access: counts for indicators, the computed theme tables, and what pages show.

Only redacted text is ever stored, so only redacted text can come back from here. Counts are
GROUP BY queries; sentiment comes back as a sum beside the count so any roll-up is exact.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, case, delete, func, insert, select, update

from cxdash import redaction
from cxdash.channels import ALL
from cxdash.db.models import FeedbackItem, FeedbackItemTheme, FeedbackTheme
from cxdash.db.queries import _frame, _ints
from cxdash.db.stale_rows import stale_ids, stale_versions
from cxdash.metrics import sentiment

FEEDBACK_CELL = ["provider", "service", "channel", "stage"]
NEGATIVE = "negative"


def feedback_texts(conn: Connection | Engine) -> pd.DataFrame:
    """Every item's id and redacted text, in id order (the input of theming)."""
    t = FeedbackItem
    frame = _frame(conn, select(t.id, t.text_redacted.label("text")).order_by(t.id))
    return frame


def _stale_chunks(conn: Connection, version_column, version: str, columns, chunk: int):
    """The items whose ``version_column`` is not ``version`` (or NULL), ``chunk`` at a time in id
    order: their ids are read once (only ids, through the column's index), then each chunk's
    ``columns`` (the text stays out of memory but for one chunk)."""
    t = FeedbackItem
    ids = stale_ids(conn, version_column, version)
    for start in range(0, len(ids), chunk):
        yield conn.execute(select(t.id, *columns).where(t.id.in_(ids[start:start + chunk])).order_by(t.id)).all()


def redact_again(conn: Connection, chunk: int = 1000) -> int:
    """Redact again, with today's rules, the items stored under older ones (or before versions were
    recorded): the stored text is all there is, so what older rules missed is removed from it now.
    Sentiment is scored again on the new text (and stamped with today's sentiment rules). Returns
    how many items were redacted again."""
    t = FeedbackItem
    statement = (update(t).where(t.id == bindparam("item_id"))
                 .values(text_redacted=bindparam("text"), redactions=bindparam("count"),
                         sentiment=bindparam("score"), sentiment_label=bindparam("label"),
                         redaction_version=redaction.VERSION, sentiment_version=sentiment.VERSION))
    done = 0
    for rows in _stale_chunks(conn, t.redaction_version, redaction.VERSION, (t.text_redacted, t.redactions), chunk):
        values = []
        for item_id, text, count in rows:
            again = redaction.redact(text)
            score, label = sentiment.score(again.text)
            values.append({"item_id": item_id, "text": again.text.strip() or text, "count": count + again.count,
                           "score": score, "label": label})
        conn.execute(statement, values)
        done += len(rows)
    return done


def rescore_sentiment(conn: Connection, chunk: int = 1000) -> int:
    """Score again, with today's sentiment rules, the items scored under other ones (or before
    versions were recorded), from their stored (redacted) text, which is what a load scores. Each
    item's score, label and version change in one UPDATE. Returns how many items were scored again."""
    t = FeedbackItem
    statement = (update(t).where(t.id == bindparam("item_id"))
                 .values(sentiment=bindparam("score"), sentiment_label=bindparam("label"),
                         sentiment_version=sentiment.VERSION))
    done = 0
    for rows in _stale_chunks(conn, t.sentiment_version, sentiment.VERSION, (t.text_redacted,), chunk):
        values = []
        for item_id, text in rows:
            score, label = sentiment.score(text)
            values.append({"item_id": item_id, "score": score, "label": label})
        conn.execute(statement, values)
        done += len(rows)
    return done


def older_sentiment_versions(conn: Connection) -> list[str]:
    """The other sentiment versions stored items were scored under, "none" for items scored before
    versions were recorded (what the audit trail says was scored again)."""
    found = conn.execute(stale_versions(FeedbackItem.sentiment_version, sentiment.VERSION)).scalars()
    return sorted("none" if v is None else v for v in found)


def sentiment_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Items and the sum of their sentiment per cell, fiscal quarter and sentiment label."""
    t = FeedbackItem
    dims = [getattr(t, c) for c in FEEDBACK_CELL] + [t.fiscal_year, t.fiscal_quarter, t.sentiment_label]
    statement = select(*dims, func.count().label("n"), func.sum(t.sentiment).label("sentiment_sum")).group_by(*dims)
    frame = _ints(_frame(conn, statement), ["n", "fiscal_year", "fiscal_quarter"])
    frame["sentiment_sum"] = pd.to_numeric(frame["sentiment_sum"]).astype(float)
    return frame


def replace_themes(conn: Connection, themes: pd.DataFrame, assignments: pd.DataFrame, now) -> dict[int, int]:
    """Swap in a new theming in the caller's transaction; returns theme number -> stored id."""
    conn.execute(delete(FeedbackItemTheme))
    conn.execute(delete(FeedbackTheme))
    ids = {}
    for row in themes.to_dict("records"):
        ids[int(row["theme"])] = conn.execute(
            insert(FeedbackTheme).values(label=row["label"], terms=row["terms"], computed_at=now)
        ).inserted_primary_key[0]
    rows = [{"feedback_item_id": int(r["id"]), "theme_id": ids[int(r["theme"])], "weight": float(r["weight"])}
            for r in assignments.to_dict("records")]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(FeedbackItemTheme), rows[start:start + 5000])
    return ids


def _scoped(statement, fiscal_year, fiscal_quarter, provider, service, channel, stage):
    t = FeedbackItem
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year)
    if fiscal_quarter is not None:
        statement = statement.where(t.fiscal_quarter == fiscal_quarter)
    for column, value in (("provider", provider), ("service", service), ("channel", channel), ("stage", stage)):
        if value is not None and value != ALL:
            statement = statement.where(getattr(t, column) == value)
    return statement


def top_themes(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None,
               provider: str = ALL, service: str = ALL, stage: str = ALL, channel: str = ALL,
               limit: int | None = None) -> pd.DataFrame:
    """Themes by items in a scope ('all' or None: no filter), most items first: theme_id, label,
    items, negative (items), negative_share."""
    t, link, theme = FeedbackItem, FeedbackItemTheme, FeedbackTheme
    negative = func.sum(case((t.sentiment_label == NEGATIVE, 1), else_=0))
    statement = (select(theme.id.label("theme_id"), theme.label, func.count().label("items"),
                        negative.label("negative"))
                 .select_from(t).join(link, link.feedback_item_id == t.id).join(theme, theme.id == link.theme_id)
                 .group_by(theme.id, theme.label).order_by(func.count().desc(), theme.id))
    statement = _scoped(statement, fiscal_year, fiscal_quarter, provider, service, channel, stage)
    if limit is not None:
        statement = statement.limit(limit)
    frame = _ints(_frame(conn, statement), ["theme_id", "items", "negative"])
    frame["negative_share"] = (frame["negative"] / frame["items"]).astype(float)
    return frame


def theme_stage_counts(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None,
                       provider: str = ALL, service: str = ALL, channel: str = ALL) -> pd.DataFrame:
    """Items and negative items per journey stage and theme (for 'top themes by stage')."""
    t, link, theme = FeedbackItem, FeedbackItemTheme, FeedbackTheme
    negative = func.sum(case((t.sentiment_label == NEGATIVE, 1), else_=0))
    statement = (select(t.stage, theme.id.label("theme_id"), theme.label, func.count().label("items"),
                        negative.label("negative"))
                 .select_from(t).join(link, link.feedback_item_id == t.id).join(theme, theme.id == link.theme_id)
                 .group_by(t.stage, theme.id, theme.label))
    statement = _scoped(statement, fiscal_year, fiscal_quarter, provider, service, channel, None)
    return _ints(_frame(conn, statement), ["theme_id", "items", "negative"])


def verbatims(conn: Connection | Engine, theme_id: int, stage: str = ALL, limit: int = 5,
              fiscal_year: int | None = None, fiscal_quarter: int | None = None,
              provider: str = ALL, service: str = ALL, channel: str = ALL) -> pd.DataFrame:
    """The distinct redacted texts that most belong to a theme (highest weight first): text,
    weight, items (how many items said exactly this), sentiment (the compound score) and sentiment
    label. Only redacted text
    exists to be returned."""
    t, link = FeedbackItem, FeedbackItemTheme
    weight = func.max(link.weight)
    statement = (select(t.text_redacted.label("text"), weight.label("weight"), func.count().label("items"),
                        func.max(t.sentiment).label("sentiment"), func.max(t.sentiment_label).label("sentiment_label"))
                 .join(link, link.feedback_item_id == t.id).where(link.theme_id == theme_id)
                 .group_by(t.text_redacted).order_by(weight.desc(), func.min(t.id)).limit(limit))
    statement = _scoped(statement, fiscal_year, fiscal_quarter, provider, service, channel, stage)
    return _ints(_frame(conn, statement), ["items"])


def themes(conn: Connection | Engine) -> pd.DataFrame:
    """The stored themes: id, label, terms."""
    t = FeedbackTheme
    return _frame(conn, select(t.id, t.label, t.terms).order_by(t.id))


def item_themes(conn: Connection | Engine) -> pd.DataFrame:
    """Each item's theme and weight."""
    t = FeedbackItemTheme
    return _frame(conn, select(t.feedback_item_id, t.theme_id, t.weight).order_by(t.feedback_item_id))
