"""The Data page and the per-panel freshness lines: sources, runs, rejections, quality checks."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from dash import html

from cxdash.dashboard import data
from cxdash.dashboard.components import data_table, freshness_tag, takeaway
from cxdash.dashboard.context import current
from cxdash.db import queries
from cxdash.health import PANEL_LABELS, panel_health, source_health, stored_quality
from cxdash.metrics.freshness import SEVERITY, WORDS
from cxdash.presentation.formatting import format_date, format_n

CHECK_NAMES = {"completeness": "Completeness", "out_of_range": "Out-of-range values", "duplicates": "Duplicates",
               "missing_values": "Missing values", "quarter_gaps": "Gaps in quarters"}


def health(shown_until: dt.date | None = None) -> pd.DataFrame:
    """Every source's health; ``shown_until``: the last day of the quarter a page shows."""
    ctx = current()
    return source_health(ctx.engine, ctx.sources, shown_until=shown_until)


def _when(value) -> str:
    if value is None or pd.isna(value):
        return "never"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def panel_freshness(panel: str, frame: pd.DataFrame | None = None, shown_until: dt.date | None = None) -> html.P:
    """One line saying how current a panel's data are: the stalest source's state in words beside
    the date its data run to, what was expected, and (separately) when it was last loaded."""
    state, mine = panel_health(health(shown_until) if frame is None else frame, panel)
    if mine.empty:
        return freshness_tag(None, PANEL_LABELS[panel], "no source of this kind is configured or loaded.")
    worst = mine.sort_values("health", key=lambda s: -s.map(SEVERITY)).iloc[0]
    if worst["health"] == "failed":
        detail = f"source {worst['source']} failed: {_short(_text(worst['message']) or 'no reason recorded')}"
    elif worst["health"] == "missing":
        detail = f"source {worst['source']} has not loaded yet."
    else:
        detail = f"data as of {format_date(worst['data_as_of'])}{_expected(worst)}. Last loaded {_when(worst['last_success'])}."
    return freshness_tag(state, PANEL_LABELS[panel], detail)


def _expected(row) -> str:
    """'; quarterly, the next data were due by 17 May 2023' (or 'are due by'), when known."""
    if not row["cadence"]:
        return " (no cadence set)"
    due = row["due_by"]
    if due is None or pd.isna(due):
        return f" ({row['cadence']})"
    tense = "were" if row["health"] == "out_of_date" else "are"
    return f"; {row['cadence']} source, the next data {tense} due by {format_date(due)}"


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def summary_sentence(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "No source is configured or loaded yet."
    counts = frame["health"].value_counts()
    words = {**{s: w.lower() for s, w in WORDS.items()}, "unknown": "without a cadence or data date"}
    parts = [f"{counts[s]} {words[s]}" for s in SEVERITY if s in counts]
    sentence = f"{len(frame)} sources: " + ", ".join(parts) + "."
    failed = frame[frame["health"] == "failed"]
    if not failed.empty:
        sentence += " Failed: " + "; ".join(f"{r.source} ({_short(_text(r.message) or 'no reason recorded')})"
                                            for r in failed.itertuples()) + "."
    return sentence


def _source_section(row, reasons: pd.DataFrame, checks: pd.DataFrame, runs: pd.DataFrame) -> html.Section:
    slug = "src-" + "".join(c if c.isalnum() else "-" for c in row.source)
    mine_checks = checks[checks["source"] == row.source].assign(
        result=lambda f: f["passed"].map({True: "✓ Passed", False: "✕ Failed"}).fillna("– Not judged"),
        name=lambda f: f["check"].map(CHECK_NAMES))
    mine_reasons = reasons[reasons["source"] == row.source]
    mine_runs = runs[runs["source"] == row.source].head(10)
    parts = [html.H3(row.source, id=slug),
             freshness_tag(row.health, "Freshness", _text(row.message) or
                           f"data as of {format_date(row.data_as_of)}{_expected(row._asdict())}. "
                           f"Last loaded {_when(row.last_success)}.")]
    parts.append(data_table(mine_checks, [("name", "Check", None), ("result", "Result", None),
                                          ("detail", "Detail", None)],
                            f"Quality checks for {row.source}", f"{slug}-checks"))
    if mine_reasons.empty:
        parts.append(html.P("No rows were rejected in the latest load."))
    else:
        parts.append(data_table(mine_reasons, [("field", "Field", None), ("reason", "Reason", None),
                                               ("rows", "Rows", format_n), ("first_line", "First line", format_n)],
                                f"Rejected rows of {row.source}'s latest load, by reason", f"{slug}-rejections"))
    if not mine_runs.empty:
        parts.append(data_table(mine_runs.assign(started=mine_runs["started_at"].map(_when)),
                                [("started", "Started", None), ("trigger", "Trigger", None),
                                 ("attempt", "Attempt", format_n), ("status", "Status", None),
                                 ("rows_loaded", "Rows loaded", format_n), ("message", "Reason", None)],
                                f"Recent runs of {row.source}", f"{slug}-runs"))
    return html.Section(parts, className="cx-source", **{"aria-labelledby": slug})


RESTRICTED = ("Rejected rows, quality checks and failure reasons cover every provider's data, so they are shown "
              "only to people with a cross-agency grant.")


def layout(_query: dict | None = None) -> html.Div:
    ctx = current()
    frame = health()
    everything = data.scope().everything
    checks = stored_quality(ctx.engine, frame)  # stored at compute (or after a load), not scanned per view
    with ctx.engine.connect() as conn:
        reasons = queries.rejection_reasons(conn)
        runs = queries.job_runs(conn)
    table = frame.assign(
        health_text=frame["health"].map(lambda s: WORDS.get(s, s)), last_success_text=frame["last_success"].map(_when),
        as_of_text=frame["data_as_of"].map(format_date), due_text=frame["due_by"].map(format_date),
        last_attempt_text=frame["last_attempt"].map(_when))
    checked_at = dt.datetime.now(dt.UTC)
    return html.Div([
        html.H1("Data sources and quality"),
        html.P("Every source of the customer's voice: where it comes from, how current its data are, when it "
               "was last loaded, what was rejected and why, and the quality checks. Freshness is judged on the "
               "date the data run to, not on when a file was loaded: a source is out of date when its data end "
               "more than one cadence plus a grace period before today (a quarterly source with 45 days' grace "
               "whose data end 31 Dec 2022 is out of date from 18 May 2023).", className="usa-intro"),
        takeaway(summary_sentence(frame if everything else frame.assign(message=None)), id="data-takeaway"),
        html.H2("Sources"),
        data_table(table, [("source", "Source", None), ("kind", "Kind", None), ("as_of_text", "Data as of", None),
                           ("health_text", "Freshness", None), ("due_text", "Next data due by", None),
                           ("last_success_text", "Last loaded", None),
                           ("rows_loaded", "Rows loaded", format_n), ("rows_rejected", "Rows rejected", format_n),
                           ("schedule", "Schedule (cron)", None), ("cadence", "Expected cadence", None),
                           ("last_attempt_text", "Last attempt", None)]
                          + ([("message", "Failure reason", None)] if everything else []),
                   "Sources, how current their data are and their latest loads", "sources"),
        *([html.H2("Each source"), *[_source_section(row, reasons, checks, runs) for row in frame.itertuples()]]
          if everything else [html.P(RESTRICTED, id="data-restricted")]),
        html.P(f"Checked {_when(checked_at)}.", className="cx-footnote"),
    ], className="cx-data-page")
