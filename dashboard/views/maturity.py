"""The Maturity page as plain functions: the fiscal years offered, the overall level and its change
in words, the profile chart and its table, each dimension's levels with their status and evidence,
the Measurement evidence from the dashboard's own data, and the rating form read into what
cxdash.maturity.record_rating expects. No database and no Dash callbacks: tests call them directly."""
from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from cxdash.maturity import MaturityModel
from cxdash.metrics import maturity as levels_of
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import charts
from cxdash.presentation.formatting import MISSING
from cxdash.review.contents import Maturity

STATUS_WORDS = {"met": "Met", "partial": "Partly met", "not_met": "Not met"}
NOT_ASSESSED = "Not assessed"
STATUS_OPTIONS = [{"label": words, "value": key} for key, words in STATUS_WORDS.items()]
PROFILE_COLUMNS = [("dimension", "Dimension"), ("level", "Level this year"), ("previous", "Level last year"),
                   ("change", "Change")]
LEVEL_COLUMNS = [("level", "Level"), ("status", "Status"), ("counts", "Counts toward the level"),
                 ("evidence", "Evidence"), ("assessed_by", "Assessed by")]
MEASUREMENT_COLUMNS = [("label", "What the dashboard's data shows"), ("share", "Share"), ("detail", "Detail")]


# --- fiscal years ---------------------------------------------------------------------------------

def year_label(year: int) -> str:
    return f"FY{year}"


def parse_year(value) -> int | None:
    """'FY2023' or '2023' -> 2023; anything else -> None (the page falls back to its default)."""
    text = str(value or "").strip().upper().removeprefix("FY").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def year_choices(rated: list[int], surveyed: list[int], today: dt.date) -> list[int]:
    """Years with ratings or survey data, and the current fiscal year; newest first."""
    return sorted({*rated, *surveyed, FiscalQuarter.of_date(today).year}, reverse=True)


def pick_year(requested, choices: list[int], rated: list[int]) -> int:
    """The requested year when offered; else the latest rated year; else the newest offered."""
    year = parse_year(requested)
    if year in choices:
        return year
    return max(rated) if rated else choices[0]


def year_options(choices: list[int]) -> list[dict]:
    return [{"label": year_label(y), "value": year_label(y)} for y in choices]


def query_string(year: int) -> str:
    return f"?year={year_label(year)}"


# --- the overall level ----------------------------------------------------------------------------

def level_words(level: int | None, names: dict[int, str]) -> str:
    """3 -> '3 Strategic'; 0 -> '0 Not yet Reactive'; None -> 'Not assessed'."""
    if level is None:
        return NOT_ASSESSED
    return f"{level} {levels_of.level_name(level, names)}"


def previous_overall(profile: Maturity) -> int | None:
    previous = [d.previous_level for d in profile.dimensions]
    return None if not previous or any(p is None for p in previous) else min(previous)


def change_words(change: int | None, previous_year: int) -> str:
    if change is None:
        return f"No assessment of FY{previous_year} to compare with"
    if change == 0:
        return f"No change since FY{previous_year}"
    steps = f"{abs(change)} level{'s' if abs(change) != 1 else ''}"
    return f"{'Up' if change > 0 else 'Down'} {steps} since FY{previous_year}"


def overall_change_words(profile: Maturity) -> str:
    before = previous_overall(profile)
    return change_words(None if before is None else profile.overall - before, profile.fiscal_year - 1)


def overall_headline(profile: Maturity | None) -> str:
    """'Level 2 of 5' (the name is shown beside it)."""
    return "Not assessed" if profile is None else f"Level {profile.overall} of {levels_of.TOP_LEVEL}"


def no_ratings_sentence(year: int) -> str:
    return (f"No rating has been recorded for FY{year} yet: record one with the form below, or load a "
            "self-assessment file (cxdash load maturity FILE).")


# --- the profile chart and its table ------------------------------------------------------------

def dimension_label(name: str, level: int, names: dict[int, str]) -> str:
    """The chart's row label: the dimension and its level in words (so a bar of 0 still says it)."""
    return f"{name}: {level_words(level, names)}"


def profile_figure(profile: Maturity, names: dict[int, str]) -> go.Figure:
    """A horizontal bar per dimension (level 0-5; the row label says it in words) and last year as
    a diamond."""
    dims = list(reversed(profile.dimensions))  # Plotly draws the first category at the bottom
    labels = [dimension_label(d.name, d.level, names) for d in dims]
    fig = go.Figure(go.Bar(
        x=[d.level for d in dims], y=labels, orientation="h", name=f"FY{profile.fiscal_year}",
        marker={"color": charts.PRIMARY},
        hovertemplate="%{y}<extra>FY" + str(profile.fiscal_year) + "</extra>"))
    before = [(d.previous_level, label) for d, label in zip(dims, labels) if d.previous_level is not None]
    if before:
        fig.add_trace(go.Scatter(
            x=[p for p, _ in before], y=[label for _, label in before], mode="markers",
            name=f"FY{profile.fiscal_year - 1}",
            marker={"symbol": "diamond", "size": 14, "color": charts.SERIES[1], "line": {"color": "white", "width": 1.5}},
            hovertemplate="Level %{x}<extra>FY" + str(profile.fiscal_year - 1) + "</extra>"))
    charts.style(fig, height=110 + 60 * len(dims), legend=bool(before))
    fig.update_xaxes(range=[0, levels_of.TOP_LEVEL], tickvals=list(range(levels_of.TOP_LEVEL + 1)),
                     title_text="Maturity level (a level counts only when the levels below it are fully met)")
    fig.update_yaxes(gridcolor="white")
    return fig


def profile_rows(profile: Maturity, names: dict[int, str]) -> list[dict]:
    previous_year = profile.fiscal_year - 1
    rows = []
    for d in profile.dimensions:
        change = None if d.previous_level is None else d.level - d.previous_level
        rows.append({"id": d.id, "dimension": d.name, "level": level_words(d.level, names),
                     "previous": level_words(d.previous_level, names),
                     "change": change_words(change, previous_year) if change is not None else MISSING})
    return rows


# --- each dimension level by level ----------------------------------------------------------------

def level_rows(model: MaturityModel, ratings: list[dict], dimension: str) -> list[dict]:
    """Levels 1-5 of one dimension: status in words, whether it counts, the evidence."""
    mine = {int(r["level"]): r for r in ratings if r["dimension"] == dimension}
    reached = levels_of.dimension_level({lv: r["status"] for lv, r in mine.items()})
    rows = []
    for lv in model.levels:
        r = mine.get(lv.number)
        status = STATUS_WORDS.get(r["status"], r["status"]) if r else NOT_ASSESSED
        if lv.number <= reached:
            counts = "Yes"
        elif r and r["status"] == "met":
            counts = f"No: level {reached + 1} is not fully met"
        else:
            counts = "No"
        rows.append({"number": lv.number, "level": f"{lv.number} {lv.name}", "status": status,
                     "status_key": r["status"] if r else "none", "counts": counts,
                     "evidence": (r.get("evidence") if r else "") or MISSING,
                     "assessed_by": (r.get("assessed_by") if r else "") or MISSING})
    return rows


def dimension_summary(level: int, previous: int | None, names: dict[int, str], year: int) -> str:
    change = None if previous is None else level - previous
    return f"Level {level_words(level, names)}. {change_words(change, year - 1)}."


# --- Measurement: what the data says --------------------------------------------------------------

def share_text(row: dict) -> str:
    if row["share"] is None:
        return "No data"
    return f"{round(row['share'] * 100)}% ({row['numerator']} of {row['denominator']})"


def measurement_rows(evidence: list[dict]) -> list[dict]:
    return [{"id": r["id"], "label": r["label"], "share": share_text(r), "detail": r["detail"]} for r in evidence]


def measurement_sentence(evidence: list[dict], year: int) -> str:
    """The range of the quarterly reporting shares and the targets-and-owners share."""
    quarters = [r for r in evidence if r["id"].startswith("reporting-") and r["share"] is not None]
    targets = next((r for r in evidence if r["id"] == "targets-owners"), None)
    if quarters:
        low, high = min(quarters, key=lambda r: r["share"]), max(quarters, key=lambda r: r["share"])
        loaded = f"{len(quarters)} quarter{'s' if len(quarters) != 1 else ''} of FY{year} with survey data loaded"
        if low["share"] == high["share"]:
            parts = [(f"{share_text(low)} of the catalog's services reported survey data in "
                      f"{'each of the ' if len(quarters) != 1 else 'the '}{loaded}")]
        else:
            parts = [(f"From {share_text(low)} to {share_text(high)} of the catalog's services reported "
                      f"survey data in the {loaded}")]
    else:
        parts = [f"No survey data are loaded for FY{year}"]
    if targets is not None and targets["share"] is not None:
        parts.append(f"{share_text(targets)} of its measures have an FY{year} target and an owner")
    return "; ".join(parts) + "."


# --- the rating form ------------------------------------------------------------------------------

def dimension_options(model: MaturityModel) -> list[dict]:
    return [{"label": d.name, "value": d.id} for d in model.dimensions]


def level_options(model: MaturityModel) -> list[dict]:
    return [{"label": f"{lv.number} {lv.name}", "value": lv.number} for lv in model.levels]


def parse_form(values: dict, year: int) -> dict:
    """The form -> keyword arguments of cxdash.maturity.record_rating (checked there)."""
    def text(key):
        value = values.get(key)
        return value.strip() if isinstance(value, str) else ""
    return {"fiscal_year": year, "dimension": values.get("dimension") or "", "level": values.get("level"),
            "status": values.get("status") or "", "evidence": text("evidence"), "assessed_by": text("assessed_by")}


def saved_text(model: MaturityModel, stored: dict) -> str:
    dim = model.dimension_names.get(stored["dimension"], stored["dimension"])
    level = model.level_names.get(stored["level"], stored["level"])
    return (f"Saved: FY{stored['fiscal_year']} {dim}, level {stored['level']} {level}, "
            f"{STATUS_WORDS[stored['status']].lower()}.")


def notice(kind: str, text: str) -> dict:
    return {"kind": kind, "text": text}
