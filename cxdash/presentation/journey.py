"""Journey stages: each stage's survey scores beside its operational and feedback indicators, for
one quarter and scope, each judged against its catalogue target or else against the other
stages, so the weakest stage stands out; and one stage in detail.

Plain functions of frames: the page and the review pack call them (so a deck shows the page's
heat map), tests call them without a browser. Survey cells and rates from fewer than min_n
responses, cases or items are suppressed (never a number).
"""
from __future__ import annotations

import datetime as dt
import math
import urllib.parse
from dataclasses import dataclass

import pandas as pd

from cxdash.catalogue import UNASSIGNED_STAGE, Catalogue, Labels
from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.metrics.status import AT_RISK, OFF_TRACK, ON_TRACK, measure_status
from cxdash.presentation.formatting import (
    MISSING,
    format_date,
    format_indicator,
    format_interval,
    format_n,
    format_value,
    is_missing,
)
from cxdash.presentation.heat_map import Cell
from cxdash.presentation.labels import configured_question, numbered_question


@dataclass(frozen=True)
class Indicator:
    key: str
    header: str          # the table's column name
    short: str           # the heat map's column name (<br> wraps it)
    panel: str           # the freshness panel that feeds it: survey, operations, voice
    unit: str            # a presentation.formatting indicator unit
    better: str | None   # 'higher', 'lower', or None where more is neither good nor bad (a volume)


# The columns of the stage table and heat map, in reading order.
INDICATORS = [
    Indicator("trust", "Trust (% agree)", "Trust", "survey", "percent", "higher"),
    Indicator("satisfaction", "Satisfaction (% agree)", "Satis-<br>faction", "survey", "percent", "higher"),
    Indicator("effectiveness", "Effectiveness (% agree)", "Effective-<br>ness", "survey", "percent", "higher"),
    Indicator("ease", "Ease (% agree)", "Ease", "survey", "percent", "higher"),
    Indicator("efficiency", "Efficiency (% agree)", "Efficiency", "survey", "percent", "higher"),
    Indicator("transparency", "Transparency (% agree)", "Trans-<br>parency", "survey", "percent", "higher"),
    Indicator("employee", "Helpful employees (% agree)", "Helpful<br>employees", "survey", "percent", "higher"),
    Indicator("time_to_complete_median", "Time to complete (median)", "Time to<br>complete", "operations", "days",
              "lower"),
    Indicator("on_time_rate", "Completed on time", "On time", "operations", "percent", "higher"),
    Indicator("backlog", "Backlog at quarter end", "Backlog", "operations", "cases", "lower"),
    Indicator("abandonment_rate", "Calls abandoned", "Calls<br>abandoned", "operations", "percent", "lower"),
    Indicator("average_speed_of_answer", "Average speed of answer", "Speed of<br>answer", "operations", "seconds",
              "lower"),
    Indicator("first_contact_resolution", "Resolved at first contact", "Resolved<br>first time", "operations",
              "percent", "higher"),
    Indicator("feedback_volume", "Feedback items", "Feedback<br>items", "voice", "items", None),
    Indicator("negative_feedback_share", "Negative feedback", "Negative<br>feedback", "voice", "percent", "lower"),
]
BY_KEY = {i.key: i for i in INDICATORS}
SURVEY = [i.key for i in INDICATORS if i.panel == "survey"]
# Volumes shown beside a stage's indicators by channel: context, neither good nor bad.
VOLUMES = [Indicator("volume", "Cases created", "Cases", "operations", "cases", None),
           Indicator("calls_offered", "Calls offered", "Calls", "operations", "contacts", None)]
# Whole counts of every case or item: not estimates from a sample, so shown whatever their size.
COUNTS = frozenset({"backlog", "feedback_volume", "volume", "calls_offered"})
EMPLOYEE_INDICATORS = [("employee_engagement", "Employee engagement"), ("global_satisfaction", "Employee satisfaction")]
STAGE_ORDER = ["start", "process", "end"]
QUESTION_LABELS = {"trust": "Trust", "satisfaction": "Satisfaction", "effectiveness": "Effectiveness (needs met)",
                   "ease": "Ease", "efficiency": "Efficiency (reasonable time)",
                   "transparency": "Transparency (treated fairly)", "employee": "Helpful employees"}
# status -> (icon, words). The icon repeats the words and is hidden from screen readers.
MARKS = {"weakest": ("▼", "weakest"), "strongest": ("▲", "strongest"), ON_TRACK: ("✓", "on track"),
         AT_RISK: ("!", "at risk"), OFF_TRACK: ("✕", "off track")}
TARGET_STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK)


def stage_order(stages, preferred: list[str] | None = None) -> list[str]:
    """Catalogue order for the service's stages, then start/process/end, others A-Z, 'all' last."""
    preferred = preferred or STAGE_ORDER
    stages = set(stages) - {ALL}
    known = [s for s in preferred if s in stages] + [s for s in STAGE_ORDER if s in stages and s not in preferred]
    return known + sorted(stages - set(known)) + [ALL]


def stage_label(stage: str) -> str:
    return "All stages" if stage == ALL else stage[:1].upper() + stage[1:]


def suppressed_text(min_n: int) -> str:
    return f"Suppressed (n < {min_n})"


def is_suppressed(key: str, n, min_n: int) -> bool:
    """Rates and medians from fewer than ``min_n`` cases, calls or items are not shown; counts always are."""
    return key not in COUNTS and (is_missing(n) or n < min_n)


# --- the stage x indicator cells ------------------------------------------------------------

def stage_cells(scores: pd.DataFrame, indicators: pd.DataFrame, stages: list[str] | None = None,
                min_n: int = 30) -> pd.DataFrame:
    """One row per stage (journey order, 'all' last) and indicator that has any value in the
    scope: stage, key, value, n, suppressed, unit. A suppressed cell keeps its n but loses its value.

    ``scores``: score_cell rows (question, stage, pct_agree, n, suppressed); ``indicators``:
    indicator_value rows (indicator, stage, value, n, and unit where a row says it: time to
    complete is in hours where the mapping counts hours)."""
    rows = []
    for r in scores.itertuples(index=False):
        if r.question in SURVEY:
            hidden = bool(r.suppressed) or r.n < min_n
            rows.append((r.stage, r.question, None if hidden else r.pct_agree, int(r.n), hidden, BY_KEY[r.question].unit))
    for r in indicators.itertuples(index=False):
        if r.indicator in BY_KEY and BY_KEY[r.indicator].panel != "survey":
            hidden = is_suppressed(r.indicator, r.n, min_n)
            rows.append((r.stage, r.indicator, None if hidden or is_missing(r.value) else float(r.value), int(r.n),
                         hidden, _unit(r, r.indicator)))
    frame = pd.DataFrame(rows, columns=["stage", "key", "value", "n", "suppressed", "unit"])
    if frame.empty:
        return frame
    stage_rank = {s: i for i, s in enumerate(stage_order(set(frame["stage"]), stages))}
    key_rank = {i.key: k for k, i in enumerate(INDICATORS)}
    frame["value"] = pd.to_numeric(frame["value"])
    return (frame.assign(_s=frame["stage"].map(stage_rank), _k=frame["key"].map(key_rank))
            .sort_values(["_s", "_k"]).drop(columns=["_s", "_k"]).reset_index(drop=True))


def _unit(row, key: str) -> str:
    """A row's own unit where it has one (hours, for a service that works in hours), else the indicator's."""
    unit = getattr(row, "unit", None)
    return unit if isinstance(unit, str) and unit else BY_KEY[key].unit


@dataclass(frozen=True)
class Target:
    measure: str           # the catalogue measure's name
    value: float | None    # its target in the fiscal year (None: no target that year)
    direction: str
    at_risk_within: float


def catalogue_targets(catalogue: Catalogue, provider: str, service: str, fiscal_year: int) -> dict:
    """(question, stage) -> Target for the % agree measures of one service: a measure of one
    stage (params.stage) judges that stage; a measure of all stages judges the roll-up and the
    stages it names (its ``stages``). Roll-ups of several services have no target."""
    entry = catalogue.find_service(provider, service) if ALL not in (provider, service) else None
    if entry is None:
        return {}
    out = {}
    for m in catalogue.measures:
        if m.params.statistic != "pct_agree" or m.params.channel != ALL or entry.id not in m.services:
            continue
        stages = [m.params.stage] if m.params.stage != ALL else [ALL, *m.stages]
        for stage in stages:
            out[(m.params.question, stage)] = Target(m.name, m.target_for(fiscal_year), m.direction,
                                                     m.thresholds.at_risk_within)
    return out


def assess(cells: pd.DataFrame, targets: dict | None = None) -> pd.DataFrame:
    """Add standing (0 weakest .. 1 strongest among the stages with a value; NaN when not
    compared), rank ('weakest', 'strongest' or None), target and status to the cells.

    status: 'suppressed', 'no_data', a target status (on_track, at_risk, off_track) where a
    catalogue target applies, else the rank (None in the middle or when not compared). Lower is
    better where the indicator says so; volumes, the 'all' row and responses without a stage
    ('unassigned', not a step of the journey) are never ranked."""
    targets = targets or {}
    out = cells.copy()
    out["standing"] = math.nan
    out["rank"] = None
    ranked = out["stage"].ne(ALL) & out["stage"].ne(UNASSIGNED_STAGE) & out["value"].notna()
    for key, group in out[ranked].groupby("key", sort=False):
        better = BY_KEY[key].better
        if better is None or len(group) < 2:
            continue
        values = group["value"].astype(float)
        if "unit" in group and group["unit"].nunique() > 1:  # hours beside days: rank in hours
            values = values * group["unit"].map(lambda u: 24 if u == "days" else 1)
        best, worst = (values.max(), values.min()) if better == "higher" else (values.min(), values.max())
        if best == worst:
            out.loc[group.index, "standing"] = 0.5
            continue
        out.loc[group.index, "standing"] = (values - worst) / (best - worst)
        out.loc[group.index[values.eq(worst).to_numpy()], "rank"] = "weakest"
        out.loc[group.index[values.eq(best).to_numpy()], "rank"] = "strongest"
    judged = [targets.get((r.key, r.stage)) for r in out.itertuples(index=False)]
    out["target"] = [t.value if t else None for t in judged]
    out["measure"] = [t.measure if t else None for t in judged]
    statuses = []
    for r, t in zip(out.itertuples(index=False), judged):
        if r.suppressed:
            statuses.append("suppressed")
        elif pd.isna(r.value):
            statuses.append("no_data")
        elif t is not None and t.value is not None:
            statuses.append(measure_status(float(r.value), t.value, t.direction, t.at_risk_within))
        else:
            statuses.append(r.rank)
    out["status"] = statuses
    return out


def backlog_counted_on(indicators: pd.DataFrame) -> dt.date | None:
    """Where the case data end before the quarter does, the day its backlog was counted on (the
    ``backlog_as_of`` indicator, a date stored as its ordinal); None for a quarter that is over."""
    if indicators is None or indicators.empty or "indicator" not in indicators:
        return None
    rows = indicators[(indicators["indicator"] == "backlog_as_of") & (indicators["stage"] == ALL)]
    return None if rows.empty else dt.date.fromordinal(int(rows["value"].iloc[0]))


def backlog_as_of_note(indicators: pd.DataFrame, quarter_label: str) -> str | None:
    """The sentence under the journey saying so, or None."""
    day = backlog_counted_on(indicators)
    if day is None:
        return None
    return (f"The backlog of {quarter_label} is counted as of {format_date(day)}, the latest day in the data: "
            "the quarter is not over.")


def value_text(key: str, value, suppressed: bool, min_n: int, unit: str | None = None) -> str:
    if suppressed:
        return suppressed_text(min_n)
    return format_indicator(value, unit or BY_KEY[key].unit)


def side_by_side(services: list[tuple[str, pd.DataFrame]], min_n: int = 30) -> tuple[list[str], list[list[str]]]:
    """Several services compared, one row each: (header, rows). ``services``: (name, stage_cells)
    per service; a row holds that service's own figures over all its stages (its heat map's 'All
    stages' row), never a figure pooled across services. Columns: the indicators any service has."""
    overall = [(name, {r.key: value_text(r.key, r.value, r.suppressed, min_n)
                       for r in cells[cells["stage"] == ALL].itertuples(index=False)}) for name, cells in services]
    shown = [i for i in INDICATORS if any(i.key in values for _, values in overall)]
    return (["Service", *[i.header for i in shown]],
            [[name, *[values.get(i.key, MISSING) for i in shown]] for name, values in overall])


def cell(row, min_n: int = 30) -> Cell:
    """A heat-map cell: value, status words (a target status, then the rank if it differs), colour."""
    marks = []
    if row.status in MARKS:
        marks.append(MARKS[row.status])
    if row.status in TARGET_STATUSES and row.rank in MARKS:
        marks.append(MARKS[row.rank])
    score = None if pd.isna(row.standing) else float(row.standing)
    return Cell(value_text(row.key, row.value, row.suppressed, min_n, _unit(row, row.key)), tuple(marks), score)


def heat_grid(assessed: pd.DataFrame, min_n: int = 30) -> tuple[list[str], list[Indicator], list[list[Cell]]]:
    """(stages, indicators, cells) of the heat map: rows in journey order with 'all' last,
    columns in reading order; a cell without a row is missing ('—')."""
    if assessed.empty:
        return [], [], []
    stages = list(dict.fromkeys(assessed["stage"]))
    shown = [i for i in INDICATORS if i.key in set(assessed["key"])]
    by = {(r.stage, r.key): r for r in assessed.itertuples(index=False)}
    grid = [[cell(by[(s, i.key)], min_n) if (s, i.key) in by else Cell(MISSING) for i in shown] for s in stages]
    return stages, shown, grid


def by_indicator(grid: list[list[Cell]]) -> list[list[Cell]]:
    """heat_grid's cells (a row per stage) turned a row per indicator, a column per stage: a
    service's stages read left to right in journey order."""
    return [list(column) for column in zip(*grid)] if grid else []


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _named(rows, limit: int = 3) -> str:
    """'calls abandoned (12.0%), backlog (40) and 1 more'."""
    words = [f"{_lower(indicator_name(r.key))} ({format_indicator(r.value, _unit(r, r.key))})" for r in rows]
    if len(words) > limit:
        words = words[:limit] + [f"{len(words) - limit} more"]
    return _listed(words)


def _lower(header: str) -> str:
    return header[:1].lower() + header[1:]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _all_suppressed(cells: pd.DataFrame) -> bool:
    return not cells.empty and cells["value"].isna().all() and cells["suppressed"].any()


_COUNTED = {"survey": "responses", "operations": "cases or calls", "voice": "feedback items"}


def _too_few(cells: pd.DataFrame, min_n: int) -> str:
    """What the suppressed figures rest on, in the words of what they count (responses, cases or
    calls, feedback items): a city's case data has no survey responses."""
    panels = dict.fromkeys(BY_KEY[k].panel for k in cells["key"] if k in BY_KEY)
    counted = [_COUNTED[p] for p in panels if p in _COUNTED] or ["responses"]
    words = counted[0] if len(counted) == 1 else f"{', '.join(counted[:-1])}, or {counted[-1]}"
    return f"each rests on fewer than {min_n} {words}"


def weakest_stage_sentence(assessed: pd.DataFrame, quarter_label: str, min_n: int = 30) -> str:
    """The takeaway: the stage that is weakest on the most indicators compared across stages;
    without a comparison, the targets missed; else why there is nothing to compare."""
    if _all_suppressed(assessed):
        return f"In {quarter_label}, every figure in this scope is suppressed: {_too_few(assessed, min_n)}."
    if assessed.empty or assessed["value"].isna().all():
        return f"No survey scores or indicators for {quarter_label} in this scope."
    stages = assessed[assessed["stage"].ne(ALL)]
    compared = stages[stages["standing"].notna()]
    weakest = compared[compared["rank"].eq("weakest")]
    if not weakest.empty:
        total = compared["key"].nunique()
        counts = weakest.groupby("stage", sort=False).size()
        top = [s for s in dict.fromkeys(weakest["stage"]) if counts[s] == counts.max()]
        if len(top) == 1:
            mine = weakest[weakest["stage"] == top[0]]
            share = "the only indicator" if total == 1 else f"{counts.max()} of {total} indicators"
            return (f"In {quarter_label}, the {stage_label(top[0])} stage is the weakest on {share} compared "
                    f"across stages: {_named(mine.itertuples())}.")
        return (f"In {quarter_label}, the {_listed([stage_label(s) for s in top])} stages are each the weakest on "
                f"{counts.max()} of {_plural(total, 'indicator')} compared across stages.")
    missed = stages[stages["status"].isin([OFF_TRACK, AT_RISK])]
    with_data = list(dict.fromkeys(stages.loc[stages["value"].notna(), "stage"]))
    if not missed.empty:
        first = missed.iloc[0]
        status = "off track" if first["status"] == OFF_TRACK else "at risk"
        return (f"In {quarter_label}, {_lower(indicator_name(first['key']))} at the {stage_label(first['stage'])} "
                f"stage is {status}: {format_indicator(first['value'], 'percent')} against a target of "
                f"{format_indicator(first['target'], 'percent')}.")
    if len(with_data) == 1:
        return f"In {quarter_label}, only the {stage_label(with_data[0])} stage has data: there is no other stage to compare."
    return f"In {quarter_label}, there are too few stages with data to compare."


def stage_sentence(assessed: pd.DataFrame, stage: str, quarter_label: str, min_n: int = 30) -> str:
    """The drill-down's takeaway: where this stage is weakest or strongest, and its targets."""
    label = stage_label(stage)
    everything = assessed[assessed["stage"] == stage] if not assessed.empty else assessed
    if _all_suppressed(everything):
        return (f"In {quarter_label}, every figure at the {label} stage is suppressed: "
                f"{_too_few(everything, min_n)}.")
    mine = everything[everything["value"].notna()] if not everything.empty else everything
    if mine.empty:
        return f"No survey scores or indicators at the {label} stage for {quarter_label} in this scope."
    parts = []
    compared = mine[mine["standing"].notna()]
    if not compared.empty:
        weakest = compared[compared["rank"].eq("weakest")]
        strongest = compared[compared["rank"].eq("strongest")]
        total = "the only indicator" if len(compared) == 1 else f"{len(compared)} indicators"
        if weakest.empty:
            parts.append(f"is not the weakest on {'any of the ' + total if len(compared) > 1 else total} "
                         "compared across stages")
        else:
            share = total if len(compared) == 1 else f"{len(weakest)} of {total}"
            parts.append(f"is the weakest on {share} compared across stages: {_named(weakest.itertuples())}")
        if not strongest.empty:
            parts.append(f"it is the strongest on {len(strongest)}: {_named(strongest.itertuples())}")
    judged = mine[mine["status"].isin(TARGET_STATUSES)]
    for status, word in ((OFF_TRACK, "off track"), (AT_RISK, "at risk"), (ON_TRACK, "on track")):
        hit = judged[judged["status"] == status]
        if not hit.empty:
            parts.append(f"{_listed([_lower(indicator_name(k)) for k in hit['key']])} "
                         f"{'is' if len(hit) == 1 else 'are'} {word} against target")
    if not parts:
        return f"In {quarter_label}, the {label} stage has data but no other stage or target to compare it with."
    lead = f"the {label} stage" if not compared.empty else f"at the {label} stage,"
    return f"In {quarter_label}, {lead} " + "; ".join(parts) + "."


def stage_rows(assessed: pd.DataFrame, stage: str, min_n: int = 30) -> list[dict]:
    """The drill-down's indicators of one stage: value, n, target and status in words."""
    rows = []
    for r in assessed[assessed["stage"] == stage].itertuples(index=False):
        unit = _unit(r, r.key)
        marks = [MARKS[s][1] for s in (r.status, r.rank if r.status in TARGET_STATUSES else None) if s in MARKS]
        rows.append({"indicator": BY_KEY[r.key].header, "value": value_text(r.key, r.value, r.suppressed, min_n, unit),
                     "n": format_n(r.n), "target": format_indicator(r.target, unit) if r.target is not None else MISSING,
                     "status": "; ".join(marks).capitalize() if marks else MISSING})
    return rows


STAGE_COLUMNS = [("indicator", "Indicator", None), ("value", "Value", None), ("n", "n", None),
                 ("target", "Target", None), ("status", "Status", None)]


def indicator_name(key: str) -> str:
    """'Trust', 'Time to complete': the header without its '(% agree)' or '(median)'."""
    return BY_KEY[key].header.removesuffix(" (% agree)").removesuffix(" (median)")


def targets_used(assessed: pd.DataFrame, fiscal_year: int) -> list[str]:
    """One line per catalogue target applied in the grid, for a note under the heat map:
    'Trust: target 68.0% in FY2022 at the Wait stage and all stages (the measure's name).'"""
    used = assessed[assessed["status"].isin(TARGET_STATUSES)]
    lines = []
    for (key, measure, target), group in used.groupby(["key", "measure", "target"], sort=False):
        where = [f"the {stage_label(s)} stage" for s in group["stage"] if s != ALL]
        where += ["all stages"] if group["stage"].eq(ALL).any() else []
        lines.append(f"{indicator_name(key)}: target {format_indicator(target, 'percent')} in FY{fiscal_year} at "
                     f"{_listed(where)} ({measure}).")
    return lines


# --- one stage in detail ----------------------------------------------------------------------

def question_label(question: str, labels: Labels | None = None) -> str:
    configured = configured_question(question, labels)
    if configured:
        return configured
    if question in QUESTION_LABELS:
        return QUESTION_LABELS[question]
    numbered = numbered_question(question, labels)
    if numbered:
        return numbered
    if "_" in question:
        side, what = question.split("_", 1)
        return f"{side.capitalize()}: {what}"
    return question.capitalize()


def question_rows(scores: pd.DataFrame, stage: str, min_n: int = 30, labels: Labels | None = None) -> list[dict]:
    """Every survey question at one stage: % agree with its 95% interval, mean, n; a question
    below ``min_n`` responses shows 'Suppressed' and no statistic."""
    mine = scores[scores["stage"] == stage]
    order = {q: i for i, q in enumerate(SURVEY)}
    mine = mine.assign(_o=[order.get(q, len(order)) for q in mine["question"]]).sort_values(["_o", "question"])
    rows = []
    for r in mine.itertuples(index=False):
        hidden = bool(r.suppressed) or r.n < min_n
        rows.append({"question": question_label(r.question, labels),
                     "agree": suppressed_text(min_n) if hidden else format_value(r.pct_agree, "percent"),
                     "interval": MISSING if hidden else format_interval(r.ci_low, r.ci_high, "percent"),
                     "mean": MISSING if hidden else format_value(r.mean, "points"),
                     "n": format_n(r.n)})
    return rows


QUESTION_COLUMNS = [("question", "Question", None), ("agree", "% agree (4-5)", None),
                    ("interval", "95% interval", None), ("mean", "Mean (1-5)", None), ("n", "Responses (n)", None)]


def channel_table(frame: pd.DataFrame, min_n: int = 30) -> tuple[list[dict], list[tuple]]:
    """One stage's indicators by channel: (rows, data_table columns), one row per channel
    (largest volume first), one column per indicator with any value."""
    known = {i.key: i for i in VOLUMES + INDICATORS}
    mine = frame[frame["indicator"].isin(known)]
    if mine.empty:
        return [], []
    keys = [k for k in known if k in set(mine["indicator"])]
    by = {(r.channel, r.indicator): r for r in mine.itertuples(index=False)}
    size = mine[mine["indicator"].isin(["volume", "calls_offered", "feedback_volume"])].groupby("channel")["value"].sum()
    channels = sorted(set(mine["channel"]), key=lambda c: (-size.get(c, 0), channel_label(c)))
    rows = []
    for channel in channels:
        row = {"channel": channel_label(channel)}
        for key in keys:
            r = by.get((channel, key))
            row[key] = (MISSING if r is None else suppressed_text(min_n) if is_suppressed(key, r.n, min_n)
                        else format_indicator(r.value, getattr(r, "unit", None) or known[key].unit))
        rows.append(row)
    return rows, [("channel", "Channel", None)] + [(k, known[k].header, None) for k in keys]


def channel_sentence(rows: list[dict], columns: list[tuple], stage: str, quarter_label: str) -> str:
    if not rows:
        return f"No indicator at the {stage_label(stage)} stage is split by channel for {quarter_label}."
    names = _listed([r["channel"] for r in rows])
    return (f"At the {stage_label(stage)} stage in {quarter_label}, {len(columns) - 1} indicator"
            f"{'s' if len(columns) != 2 else ''} by channel: {names}.")


def theme_rows(themes: pd.DataFrame, examples: list, min_n: int = 30) -> list[dict]:
    """Top themes of a stage with one redacted comment each; the negative share needs min_n items."""
    return [{"label": r.label, "items": format_n(r.items),
             "negative": suppressed_text(min_n) if r.items < min_n else format_indicator(r.negative_share, "percent"),
             "example": example or MISSING}
            for r, example in zip(themes.itertuples(index=False), examples)]


THEME_COLUMNS = [("label", "Theme (top words)", None), ("items", "Items", None), ("negative", "Negative", None),
                 ("example", "Example (redacted)", None)]


# --- links ---------------------------------------------------------------------------------------

def query_string(quarter: str | None, provider: str, service: str, stage: str = ALL) -> str:
    """Every filter that differs from its default, so a copied link reproduces the view."""
    items = {k: v for k, v in (("quarter", quarter), ("provider", provider), ("service", service),
                               ("stage", stage)) if v and v != ALL}
    return "?" + urllib.parse.urlencode(items) if items else ""


def href(path: str, quarter: str | None, provider: str, service: str, stage: str = ALL) -> str:
    return path + query_string(quarter, provider, service, stage)


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
