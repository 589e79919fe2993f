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
from cxdash.presentation.formatting import format_date, format_n

CHECK_NAMES = {"completeness": "Completeness", "out_of_range": "Out-of-range values", "duplicates": "Duplicates",
               "missing_values": "Missing values", "quarter_gaps": "Gaps in quarters"}


def health() -> pd.DataFrame:
    ctx = current()
    return source_health(ctx.engine, ctx.sources)


def _when(value) -> str:
    if value is None or pd.isna(value):
        return "never"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def panel_freshness(panel: str, frame: pd.DataFrame | None = None) -> html.P:
    """One line saying how current a panel's data is, naming the stalest source and why."""
    state, mine = panel_health(health() if frame is None else frame, panel)
    if mine.empty:
        return freshness_tag(None, PANEL_LABELS[panel], "no source of this kind is configured or loaded.")
    order = {"failed": 0, "missing": 1, "late": 2, "unknown": 3, "fresh": 4}
    worst = mine.sort_values("health", key=lambda s: s.map(order)).iloc[0]
    if worst["health"] == "failed":
        detail = f"source {worst['source']} failed: {_short(_text(worst['message']) or 'no reason recorded')}"
    elif worst["health"] == "missing":
        detail = f"source {worst['source']} has not loaded yet."
    else:
        cadence = f" (expected {worst['cadence']})" if worst["cadence"] else ""
        detail = (f"last new data {_when(worst['last_success'])}{cadence}; data as of "
                  f"{format_date(worst['data_as_of'])}.")
    return freshness_tag(state, PANEL_LABELS[panel], detail)


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def summary_sentence(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "No source is configured or loaded yet."
    counts = frame["health"].value_counts()
    parts = [f"{counts[s]} {s}" for s in ("fresh", "late", "missing", "failed", "unknown") if s in counts]
    sentence = f"{len(frame)} sources: " + ", ".join(parts).replace("unknown", "without a cadence") + "."
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
             freshness_tag(row.health, "Health", _text(row.message) or f"last new data {_when(row.last_success)}")]
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
        health_text=frame["health"].str.capitalize(), last_success_text=frame["last_success"].map(_when),
        as_of_text=frame["data_as_of"].map(format_date), last_attempt_text=frame["last_attempt"].map(_when))
    checked_at = dt.datetime.now(dt.UTC)
    return html.Div([
        html.H1("Data sources and quality"),
        html.P("Every source of the customer's voice: where it comes from, when it last brought new data, "
               "what was rejected and why, and the quality checks. A source is late when no new data arrived "
               "within its expected cadence (plus a grace period).", className="usa-intro"),
        takeaway(summary_sentence(frame if everything else frame.assign(message=None)), id="data-takeaway"),
        html.H2("Sources"),
        data_table(table, [("source", "Source", None), ("kind", "Kind", None), ("health_text", "Health", None),
                           ("last_success_text", "Last new data", None), ("as_of_text", "Data as of", None),
                           ("rows_loaded", "Rows loaded", format_n), ("rows_rejected", "Rows rejected", format_n),
                           ("schedule", "Schedule (cron)", None), ("cadence", "Expected cadence", None),
                           ("last_attempt_text", "Last attempt", None)]
                          + ([("message", "Failure reason", None)] if everything else []),
                   "Sources, their health and their latest loads", "sources"),
        *([html.H2("Each source"), *[_source_section(row, reasons, checks, runs) for row in frame.itertuples()]]
          if everything else [html.P(RESTRICTED, id="data-restricted")]),
        html.P(f"Checked {_when(checked_at)}.", className="cx-footnote"),
    ], className="cx-data-page")
