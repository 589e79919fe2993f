"""Journey stages: each stage's survey scores beside its operational, feedback and employee
indicators, for one quarter and scope, so the weakest stage stands out.

Plain functions of frames: the page calls them, tests call them without a browser.
"""
from __future__ import annotations

import pandas as pd

from cxdash.channels import ALL

# (key, header, panel, unit): the columns of the stage table, in reading order.
COLUMNS = [
    ("trust", "Trust (% agree)", "survey", "percent"),
    ("satisfaction", "Satisfaction (% agree)", "survey", "percent"),
    ("time_to_complete_median", "Time to complete (median)", "operations", "days"),
    ("on_time_rate", "Completed on time", "operations", "percent"),
    ("backlog", "Backlog at quarter end", "operations", "cases"),
    ("abandonment_rate", "Calls abandoned", "operations", "percent"),
    ("average_speed_of_answer", "Average speed of answer", "operations", "seconds"),
    ("first_contact_resolution", "Resolved at first contact", "operations", "percent"),
    ("feedback_volume", "Feedback items", "voice", "items"),
    ("negative_feedback_share", "Negative feedback", "voice", "percent"),
]
EMPLOYEE_INDICATORS = [("employee_engagement", "Employee engagement"), ("global_satisfaction", "Employee satisfaction")]
STAGE_ORDER = ["start", "process", "end"]


def stage_order(stages, preferred: list[str] | None = None) -> list[str]:
    """Catalogue order for the service's stages, then start/process/end, others A-Z, 'all' last."""
    preferred = preferred or STAGE_ORDER
    stages = set(stages) - {ALL}
    known = [s for s in preferred if s in stages] + [s for s in STAGE_ORDER if s in stages and s not in preferred]
    return known + sorted(stages - set(known)) + [ALL]


def stage_table(scores: pd.DataFrame, indicators: pd.DataFrame, stages: list[str] | None = None) -> pd.DataFrame:
    """One row per stage (and 'all'), one column per indicator that has any value; survey
    cells below the minimum n are left empty (suppressed), never shown.

    ``scores``: score_cell rows of the scope (question, stage, pct_agree, n, suppressed);
    ``indicators``: indicator_value rows of the scope (indicator, stage, value, n).
    """
    values: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], int] = {}
    for r in scores.itertuples(index=False):
        if r.question in ("trust", "satisfaction"):
            values[(r.stage, r.question)] = None if r.suppressed else r.pct_agree
            counts[(r.stage, r.question)] = int(r.n)
    keys = {k for k, *_ in COLUMNS}
    for r in indicators.itertuples(index=False):
        if r.indicator in keys:
            values[(r.stage, r.indicator)] = r.value
            counts[(r.stage, r.indicator)] = int(r.n)
    all_stages = stage_order({s for s, _ in values} | {ALL}, stages)
    rows = []
    for stage in all_stages:
        row = {"stage": stage}
        for key, *_ in COLUMNS:
            row[key] = values.get((stage, key))
            row[f"{key}_n"] = counts.get((stage, key))
        rows.append(row)
    frame = pd.DataFrame(rows)
    present = [k for k, *_ in COLUMNS if frame[k].notna().any()]
    return frame[["stage", *[c for k in present for c in (k, f"{k}_n")]]]


def weakest_stage_sentence(table: pd.DataFrame, quarter_label: str) -> str:
    """The takeaway: which stage is weakest on trust (or, without survey data, slowest to complete)."""
    stages = table[table["stage"] != ALL]
    for key, noun, pick, fmt in (("trust", "trust", "idxmin", lambda v: f"{v * 100:.1f}% agree"),
                                 ("satisfaction", "satisfaction", "idxmin", lambda v: f"{v * 100:.1f}% agree"),
                                 ("time_to_complete_median", "time to complete", "idxmax",
                                  lambda v: f"a median of {v:g} days"),
                                 ("negative_feedback_share", "negative feedback", "idxmax",
                                  lambda v: f"{v * 100:.1f}% negative")):
        if key in stages and stages[key].notna().sum() >= 2:
            column = stages[key].astype(float)
            row = stages.loc[getattr(column, pick)()]
            return f"In {quarter_label}, the {row['stage']} stage is the weakest on {noun}: {fmt(row[key])}."
    if len(table) and table.drop(columns="stage").notna().any().any():
        return f"In {quarter_label}, there are too few stages with data to compare."
    return f"No survey scores or indicators for {quarter_label} in this scope."


def latest_employee(indicators: pd.DataFrame, fiscal_year: int) -> list[dict]:
    """The most recent employee index at or before ``fiscal_year`` (the survey is yearly)."""
    out = []
    for key, label in EMPLOYEE_INDICATORS:
        mine = indicators[(indicators["indicator"] == key) & (indicators["fiscal_year"] <= fiscal_year)]
        if not mine.empty:
            row = mine.sort_values(["fiscal_year", "fiscal_quarter"]).iloc[-1]
            out.append({"indicator": key, "label": label, "value": row["value"], "n": row["n"],
                        "fiscal_year": int(row["fiscal_year"])})
    return out
