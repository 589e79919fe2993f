"""Service drivers: one outcome's trend against target, what drives it, and how channels compare.

Plain functions of the computed frames (trend_result, driver_result, segment_result rows) and the
catalogue: the page calls them, tests call them without a browser. Every chart has a sentence and
a table; a change or a driver that is not significant is always said to be so, in words.
"""
from __future__ import annotations

import math
import textwrap
import urllib.parse

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cxdash.catalogue import Catalogue, Labels, Measure
from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.metrics.a11_scores import DRIVERS
from cxdash.metrics.drivers import drivers_sentence
from cxdash.metrics.equity import equity_sentence
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import same_name
from cxdash.metrics.proportions import wilson_interval
from cxdash.metrics.trends import change_sentence
from cxdash.presentation.charts import BETTER, INK, MUTED, PRIMARY, WORSE, add_target_steps, percent_axis, style
from cxdash.presentation.formatting import (
    MISSING,
    format_change,
    format_date,
    format_interval,
    format_n,
    format_p,
    format_value,
    is_missing,
)
from cxdash.presentation.labels import configured_question, numbered_question

OUTCOMES = ("trust", "satisfaction")  # the outcomes key drivers are estimated for
DEFAULT_OUTCOME = "trust"
QUESTION_LABELS = {
    "trust": "Trust", "satisfaction": "Satisfaction", "effectiveness": "Effectiveness", "ease": "Ease",
    "efficiency": "Efficiency", "transparency": "Equity/transparency", "employee": "Employee helpfulness",
}
ONWARD = [
    ("/journey", "Journey stages", "where in the journey trust and satisfaction are lowest"),
    ("/operations", "Operations", "time to complete, backlog and the contact center"),
    ("/voice", "Customer voice", "what customers write about, by theme and stage"),
    ("/equity", "Equity", "every customer segment compared with the best-served"),
]


# --- filters ----------------------------------------------------------------------------------

def outcome_of(value) -> str:
    """The outcome of a link or dropdown: trust, satisfaction or one of the drivers (a scorecard
    measure on ease links here with outcome=ease); anything else falls back to trust."""
    return value if value in QUESTION_LABELS else DEFAULT_OUTCOME


def outcome_options() -> list[dict]:
    return [{"label": QUESTION_LABELS[q], "value": q} for q in (*OUTCOMES, *DRIVERS)]


def driver_outcome(outcome: str) -> str:
    """Key drivers exist for trust and satisfaction; a driver question is shown as a driver of trust."""
    return outcome if outcome in OUTCOMES else DEFAULT_OUTCOME


def question_label(question: str, labels: Labels | None = None) -> str:
    configured = configured_question(question, labels)
    if configured:
        return configured
    numbered = numbered_question(question, labels)
    if numbered:
        return numbered
    if question in QUESTION_LABELS:
        return QUESTION_LABELS[question]
    for prefix, word in (("positive_", "positive"), ("negative_", "negative")):
        if question.startswith(prefix):
            return f"{question[len(prefix):].replace('_', ' ').capitalize()} ({word})"
    return question.replace("_", " ").capitalize()


def query_string(quarter: str | None, provider: str, service: str, outcome: str) -> str:
    """Only what differs from the defaults, so a shared link stays short."""
    items = {k: v for k, v in (("quarter", quarter), ("provider", provider), ("service", service)) if v and v != ALL}
    if outcome != DEFAULT_OUTCOME:
        items["outcome"] = outcome
    return "?" + urllib.parse.urlencode(items) if items else ""


def scope_words(provider: str, service: str) -> str:
    if service != ALL:
        return service
    return "all services" if provider == ALL else f"all services of {provider}"


def onward_links(quarter: str | None, provider: str, service: str) -> list[dict]:
    """The drill-down: the same quarter and scope on the other analysis pages."""
    query = query_string(quarter, provider, service, DEFAULT_OUTCOME)
    return [{"href": path + query, "label": label, "description": description}
            for path, label, description in ONWARD]


# --- targets ----------------------------------------------------------------------------------

def matching_measures(catalogue: Catalogue, provider: str, service: str, question: str) -> list[Measure]:
    """Catalogue measures whose % agree is this scope's trend: same question, all channels and
    stages, covering exactly the chosen service. A provider or 'all' roll-up mixes services a
    target was not set for, and a mean-scale target is not a % agree one."""
    if service == ALL:
        return []
    out = []
    for measure in catalogue.measures:
        params = measure.params
        if params.question != question or params.statistic != "pct_agree" or params.channel != ALL or params.stage != ALL:
            continue
        covered = [catalogue.service(s) for s in measure.services]
        if len(covered) == 1 and same_name(covered[0].name, service) and (
                provider == ALL or same_name(covered[0].provider, provider)):
            out.append(measure)
    return out


def other_scale_measures(catalogue: Catalogue, service: str, question: str) -> list[Measure]:
    """Measures of the same service and question on the mean point scale (their target is not % agree)."""
    if service == ALL:
        return []
    return [m for m in catalogue.measures if m.params.question == question and m.params.statistic == "mean"
            and any(same_name(catalogue.service(s).name, service) for s in m.services)]


# --- trend ------------------------------------------------------------------------------------

def trend_rows(trend: pd.DataFrame, question: str, quarter: FiscalQuarter, measures: list[Measure],
               alpha: float = 0.05) -> pd.DataFrame:
    """The question's quarters up to and including ``quarter``, oldest first, with a Wilson
    interval (shown quarters only) and the catalogue target of each quarter's fiscal year."""
    rows = trend[trend["question"].eq(question)].copy() if len(trend) else trend.copy()
    columns = ["fiscal_year", "fiscal_quarter", "agree", "n", "value", "suppressed", "qoq_change", "qoq_p",
               "qoq_significant", "yoy_change", "yoy_p", "yoy_significant", "trend_quarters", "trend_slope",
               "trend_p", "trend_significant", "trend_direction"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "quarter", "display", "ci_low", "ci_high", "target"])
    rows["index"] = rows["fiscal_year"].astype(int) * 4 + rows["fiscal_quarter"].astype(int) - 1
    rows = rows[rows["index"] <= quarter.index].sort_values("index").reset_index(drop=True)
    quarters = [FiscalQuarter(int(y), int(q)) for y, q in zip(rows["fiscal_year"], rows["fiscal_quarter"])]
    rows["quarter"] = [q.label for q in quarters]
    rows["display"] = [q.display for q in quarters]
    rows["suppressed"] = rows["suppressed"].astype(bool)
    low, high = wilson_interval(rows["agree"].to_numpy(), rows["n"].to_numpy(), alpha=alpha)
    shown = ~rows["suppressed"].to_numpy()
    rows["ci_low"] = np.where(shown, low, np.nan)
    rows["ci_high"] = np.where(shown, high, np.nan)
    rows["value"] = pd.to_numeric(rows["value"]).where(shown)
    targets = [{m.target_for(q.year) for m in measures} - {None} for q in quarters]
    rows["target"] = [next(iter(t)) if len(t) == 1 else (min(t) if t else None) for t in targets]
    return rows


def _significance(change, p_value, significant) -> str:
    return f"{format_change(change, 'percent')} ({'significant' if _true(significant) else 'not significant'}, " \
           f"{format_p(p_value)})"


def _true(value) -> bool:
    return not is_missing(value) and bool(value)


def _change_text(row: dict, name: str, lag: int) -> str:
    other = FiscalQuarter(int(row["fiscal_year"]), int(row["fiscal_quarter"])).previous(lag).display
    if row["suppressed"]:
        return MISSING
    if is_missing(row[f"{name}_change"]):
        return f"No figure for {other}"
    return _significance(row[f"{name}_change"], row[f"{name}_p"], row[f"{name}_significant"])


def _trend_text(row: dict) -> str:
    direction = row.get("trend_direction")
    quarters = 0 if is_missing(row.get("trend_quarters")) else int(row["trend_quarters"])
    if is_missing(direction):
        return f"Too few quarters ({quarters})"
    words = "No clear trend" if direction == "no clear trend" else f"{direction.capitalize()} (significant)"
    return f"{words}, {format_p(row['trend_p'])}, {quarters} quarters"


TREND_COLUMNS = [
    ("display", "Quarter", None), ("value_text", "% agree", None), ("interval_text", "95% interval", None),
    ("n_text", "Responses (n)", None), ("qoq_text", "Change vs previous quarter", None),
    ("yoy_text", "Change vs same quarter last year", None), ("target_text", "Target", None),
    ("trend_text", "Trend test up to this quarter", None), ("events_text", "Events", None),
]


def trend_events(annotations: list[dict]) -> dict[str, list[str]]:
    """Quarter (as displayed) -> its events in words ('15 Nov 2022: online form launched')."""
    out: dict[str, list[str]] = {}
    for a in annotations:
        out.setdefault(FiscalQuarter.of_date(a["event_date"]).display, []).append(
            f"{format_date(a['event_date'])}: {a['label']}")
    return out


def trend_table_rows(rows: pd.DataFrame, min_n: int, events: dict[str, list[str]] | None = None) -> list[dict]:
    events = events or {}
    out = []
    for r in rows.to_dict("records"):
        out.append({
            "display": r["display"],
            "value_text": f"Suppressed (n < {min_n})" if r["suppressed"] else format_value(r["value"], "percent"),
            "interval_text": format_interval(r["ci_low"], r["ci_high"], "percent"),
            "n_text": format_n(r["n"]),
            "qoq_text": _change_text(r, "qoq", 1), "yoy_text": _change_text(r, "yoy", 4),
            "target_text": format_value(r["target"], "percent") if not is_missing(r["target"]) else "No target",
            "trend_text": MISSING if r["suppressed"] else _trend_text(r),
            "events_text": "; ".join(events.get(r["display"], [])) or MISSING,
        })
    return out


def trend_takeaway(rows: pd.DataFrame, quarter: FiscalQuarter, outcome: str, scope: str, min_n: int) -> str:
    """metrics.trends.change_sentence of the chosen quarter, or why there is none."""
    label = f"{question_label(outcome)} (% agree)"
    if rows.empty:
        return f"There are no {question_label(outcome).lower()} scores for {scope} up to {quarter.display}."
    last = rows.iloc[-1]
    if last["quarter"] != quarter.label:
        return (f"There is no {question_label(outcome).lower()} score for {scope} in {quarter.display}; "
                f"the latest is {last['display']}.")
    sentence = change_sentence(last.to_dict(), label, unit="percent", min_n=min_n)
    target = last["target"]
    if not is_missing(target) and not last["suppressed"]:
        gap = float(last["value"]) - float(target)
        sentence += (f" The target for FY{int(last['fiscal_year'])} is {format_value(target, 'percent')}: "
                     + ("met." if gap >= 0 else f"{abs(gap) * 100:.1f} points short."))
    return sentence


def _value_label_positions(shown: pd.DataFrame, y_range: tuple[float, float]) -> list[str]:
    """Left of each point, moved off the target line where the label would sit on it."""
    close = 0.06 * (y_range[1] - y_range[0])  # about a label's height on a 420-pixel chart
    out = []
    for v, t in zip(shown["value"].astype(float) * 100, shown["target"].astype(float) * 100):
        out.append("middle left" if math.isnan(t) or abs(v - t) > close else ("top left" if v >= t else "bottom left"))
    return out


def _y_range(shown: pd.DataFrame, targets: pd.DataFrame) -> tuple[float, float]:
    return percent_axis([*(shown["ci_low"] * 100), *(shown["ci_high"] * 100), *(targets["target"].astype(float) * 100)])


def trend_figure(rows: pd.DataFrame, outcome: str, min_n: int, events: dict[str, list[str]] | None = None) -> go.Figure:
    """% agree by quarter with 95% intervals, value labels, the target as a dashed step line,
    a text annotation on every significant quarter-over-quarter change, and a dotted line with
    its label at each quarter with an event (policy change, outage)."""
    shown = rows[~rows["suppressed"]]
    targets = rows[rows["target"].notna()]
    y_range = _y_range(shown, targets)
    fig = go.Figure()
    pct = shown["value"] * 100
    positions = _value_label_positions(shown, y_range)
    fig.add_scatter(
        x=shown["display"], y=pct, mode="lines+markers+text", name=f"{question_label(outcome)} (% agree)",
        line={"color": PRIMARY, "width": 2}, marker={"size": 9, "color": PRIMARY},
        error_y={"type": "data", "array": shown["ci_high"] * 100 - pct, "arrayminus": pct - shown["ci_low"] * 100,
                 "color": PRIMARY, "thickness": 1.5, "width": 4},
        text=[f"{v:.1f}%" for v in pct], textposition=positions, cliponaxis=False,
        hovertemplate="%{x}: %{y:.1f}% agree<extra></extra>",
    )
    if not targets.empty:
        # each fiscal year's target across its own quarters (hover and legend from the invisible trace)
        add_target_steps(fig, [None if is_missing(t) else float(t) for t in rows["target"]], scale=100)
        fig.add_scatter(x=rows["display"], y=rows["target"].astype(float) * 100, mode="markers", name="Target",
                        marker={"color": INK, "size": 1, "opacity": 0}, showlegend=False,
                        hovertemplate="%{x}: target %{y:.1f}%<extra></extra>")
        fig.add_scatter(x=[None], y=[None], mode="lines", name="Target (each fiscal year's)",
                        line={"color": INK, "width": 2, "dash": "dash"}, hoverinfo="skip")
        end = targets.iloc[-1]
        fig.add_annotation(x=1, xref="paper", y=float(end["target"]) * 100, showarrow=False,
                           text=f"Target<br>{round(float(end['target']) * 100, 1):g}%", xanchor="left", xshift=4,
                           font={"color": INK})
    # Significant changes in words (▲/▼ alone would rest on a shape): above a rise, below a fall.
    for r, position in zip(shown.to_dict("records"), positions):
        if _true(r["qoq_significant"]) and not is_missing(r["qoq_change"]) and r["qoq_change"] != 0:
            rise = r["qoq_change"] > 0
            shift = 16 if position.startswith("top" if rise else "bottom") else 4  # clear of the value label
            fig.add_annotation(x=r["display"], y=(r["ci_high"] if rise else r["ci_low"]) * 100,
                               text="▲ significant<br>rise" if rise else "▼ significant<br>fall", showarrow=False,
                               yanchor="bottom" if rise else "top", yshift=shift if rise else -shift,
                               font={"size": 12, "color": BETTER if rise else WORSE})
    for r in rows[rows["suppressed"]].to_dict("records"):
        fig.add_annotation(x=r["display"], y=0.02, yref="paper", text=f"Suppressed<br>(n < {min_n})",
                           showarrow=False, yanchor="bottom", font={"size": 12, "color": INK})
    for display in rows["display"]:
        if display in (events or {}):
            fig.add_shape(type="line", x0=display, x1=display, xref="x", y0=0, y1=1, yref="paper",
                          line={"color": INK, "width": 1, "dash": "dot"}, layer="below")
            labels = [e.split(": ", 1)[-1] for e in events[display]]
            fig.add_annotation(x=display, y=1, yref="paper", yanchor="bottom", showarrow=False,
                               text="Event: " + "<br>".join(textwrap.shorten(t, 28) for t in labels),
                               font={"size": 11, "color": INK}, bgcolor="rgba(255,255,255,0.85)")
    style(fig, height=420)
    fig.update_yaxes(title="% agree", ticksuffix="%", range=list(y_range))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(rows["display"]),
                     tickangle=-45 if len(rows) > 8 else 0)
    fig.update_layout(margin={"l": 10, "r": 70, "t": 60, "b": 40})
    return fig


# --- key drivers ------------------------------------------------------------------------------

def _model(driver: str) -> str:
    return "checklist" if driver.startswith(("positive_", "negative_")) else "agree"


def driver_models(results: pd.DataFrame, outcome: str) -> list[pd.DataFrame]:
    """One frame per fitted model of the outcome (1-5 agree drivers; checklist options), sorted
    by importance with estimates first; a form asks one or the other, so they are never pooled."""
    if results.empty:
        return []
    mine = results[results["outcome"].eq(outcome)].copy()
    mine["significant"] = mine["significant"].fillna(False).astype(bool)
    mine["label"] = mine["driver"].map(question_label)
    mine["model"] = mine["driver"].map(_model)
    models = []
    for _, frame in mine.groupby("model", sort=True):
        order = (-frame["importance"].astype(float)).sort_values(kind="stable", na_position="last").index
        models.append(frame.loc[order].reset_index(drop=True))
    return models


def is_checklist(model: pd.DataFrame) -> bool:
    return bool(model["model"].iloc[0] == "checklist")


def window_text(model: pd.DataFrame) -> str:
    row = model.iloc[0]
    first = FiscalQuarter(int(row["first_year"]), int(row["first_quarter"]))
    last = FiscalQuarter(int(row["fiscal_year"]), int(row["fiscal_quarter"]))
    return f"{first.display} to {last.display}"


def driver_subtitle(model: pd.DataFrame) -> str:
    """'Responses FY2022 Q1 to FY2022 Q4 (n = 639, R² = 0.30)'."""
    n = int(model["n"].max())
    r2 = model["r_squared"].dropna()
    fit = f"n = {n:,}" + (f", R\u00b2 = {float(r2.iloc[0]):.2f}" if len(r2) else "")
    return f"Responses {window_text(model)} ({fit})"


def drivers_takeaway(model: pd.DataFrame, outcome: str, scope: str) -> str:
    frame = model.drop(columns=["label", "model"])
    return drivers_sentence(frame, outcome, f"responses from {window_text(model)} for {scope}")


def _number(value) -> str:
    if is_missing(value):
        return MISSING
    text = f"{float(value):.2f}"
    return ("\u2212" + text[1:]) if text.startswith("-") and text.strip("-0.") else text.lstrip("-")


def method_words(model: pd.DataFrame, outcome: str) -> str:
    if is_checklist(model):
        return (f"Importance is the change in {outcome} when a customer selects the option (OLS coefficient); "
                "performance is the share who selected it.")
    return (f"Importance is the standardised coefficient of a regression of {outcome} on every driver (OLS): "
            f"the change in {outcome}, in standard deviations, per standard deviation of the "
            "driver. Performance is the share agreeing (4 or 5).")


def _estimated(model: pd.DataFrame) -> pd.DataFrame:
    return model[model["importance"].notna()]


def _tick(row: dict) -> str:
    return row["label"] if row["significant"] else f"{row['label']} (not significant)"


def drivers_figure(model: pd.DataFrame, outcome: str) -> go.Figure:
    """Importance with its 95% interval per driver, largest first; significant drivers solid blue,
    the others hollow grey and named "(not significant)" on the axis."""
    estimated = _estimated(model)
    fig = go.Figure()
    for significant, name, colour, symbol in ((True, "Significant (p < 0.05)", PRIMARY, "circle"),
                                              (False, "Not significant", MUTED, "circle-open")):
        part = estimated[estimated["significant"].eq(significant)]
        if part.empty:
            continue
        ticks = [_tick(r) for r in part.to_dict("records")]
        fig.add_scatter(
            x=part["importance"], y=ticks, mode="markers+text", name=name,
            marker={"size": 13, "color": colour, "symbol": symbol, "line": {"color": colour, "width": 2}},
            error_x={"type": "data", "array": part["ci_high"] - part["importance"],
                     "arrayminus": part["importance"] - part["ci_low"], "color": colour, "thickness": 2, "width": 6},
            text=[_number(v) for v in part["importance"]], textposition="top center", cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        )
    style(fig, height=130 + 60 * max(len(estimated), 1))
    fig.add_vline(x=0, line={"color": INK, "width": 1})
    fig.update_yaxes(type="category", categoryorder="array",
                     categoryarray=[_tick(r) for r in estimated.to_dict("records")][::-1])
    unit = "change when selected" if is_checklist(model) else "standardised coefficient"
    fig.update_xaxes(title=f"Importance for {outcome} ({unit}), with 95% interval", zeroline=False)
    fig.update_layout(margin={"l": 10, "r": 30, "t": 60, "b": 40})
    return fig


def _significance_word(row: dict) -> str:
    if is_missing(row["importance"]) or is_missing(row["p_value"]):
        return "No estimate"
    return "Significant" if row["significant"] else "Not significant"


DRIVER_COLUMNS = [
    ("label", "Driver", None), ("importance_text", "Importance", None), ("interval_text", "95% interval", None),
    ("p_text", "p-value", None), ("significance", "Significance", None), ("performance_text", "Performance", None),
    ("performance_n_text", "Responses answering", None), ("quadrant", "Importance × performance", None),
    ("note_text", "Note", None),
]


def driver_table_rows(model: pd.DataFrame, min_n: int) -> list[dict]:
    out = []
    for r in model.to_dict("records"):
        performance = format_value(r["performance"], "percent")
        if is_missing(r["performance"]) and 0 < int(r["performance_n"]) < min_n:
            performance = f"Suppressed (n < {min_n})"
        interval = MISSING if is_missing(r["ci_low"]) else f"{_number(r['ci_low'])} to {_number(r['ci_high'])}"
        out.append({
            "label": r["label"], "importance_text": _number(r["importance"]), "interval_text": interval,
            "p_text": format_p(r["p_value"]), "significance": _significance_word(r),
            "performance_text": performance, "performance_n_text": format_n(r["performance_n"]),
            "quadrant": r["quadrant"], "note_text": r["note"] if not is_missing(r["note"]) else "",
        })
    return out


def no_estimate_items(model: pd.DataFrame) -> list[str]:
    """Drivers without an estimate, each with why (not asked, no variation, too few responses...)."""
    missing = model[model["importance"].isna()]
    return [f"{r['label']}: no estimate ({r['note'] or 'no reason recorded'})" for r in missing.to_dict("records")]


# --- importance x performance -----------------------------------------------------------------

def _placed(model: pd.DataFrame) -> pd.DataFrame:
    return model[model["importance"].notna() & model["performance"].notna() & model["significant"]]


def medians(model: pd.DataFrame) -> tuple[float | None, float | None]:
    """(performance, importance) medians of the significant drivers: the quadrant boundaries."""
    placed = _placed(model)
    if placed.empty:
        return None, None
    return float(placed["performance"].median()), float(placed["importance"].median())


LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left",
                   "top right", "top left", "bottom right", "bottom left")


def label_positions(x: list[float], y: list[float], labels: list[str], x_range: tuple[float, float],
                    y_range: tuple[float, float], width: float = 760, height: float = 330,
                    char_width: float = 7.5, line_height: float = 18, gap: float = 9) -> list[str]:
    """A text position per point so that labels do not cover each other or other markers: each
    label takes the first of LABEL_POSITIONS whose box (estimated in pixels of a plot ``width`` x
    ``height``) is clear and inside the plot, or the least crowded one."""
    def pixels(xv, yv):
        return ((xv - x_range[0]) / ((x_range[1] - x_range[0]) or 1) * width,
                (yv - y_range[0]) / ((y_range[1] - y_range[0]) or 1) * height)

    def box(px, py, text, position):
        w, h = len(text) * char_width, line_height
        vertical, horizontal = position.split()
        left = {"center": px - w / 2, "right": px + gap, "left": px - gap - w}[horizontal]
        bottom = {"top": py + gap, "bottom": py - gap - h, "middle": py - h / 2}[vertical]
        return left, bottom, left + w, bottom + h

    def overlap(a, b):
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    points = [pixels(a, b) for a, b in zip(x, y)]
    markers = [(px - 8, py - 8, px + 8, py + 8) for px, py in points]
    placed, out = [], []
    for (px, py), text in zip(points, labels):
        best, best_cost = LABEL_POSITIONS[0], None
        for position in LABEL_POSITIONS:
            b = box(px, py, text, position)
            outside = max(0.0, -b[0]) + max(0.0, b[2] - width) + max(0.0, -b[1]) + max(0.0, b[3] - height)
            cost = sum(overlap(b, o) for o in placed + markers) + outside * line_height
            if best_cost is None or cost < best_cost:
                best, best_cost = position, cost
            if cost == 0:
                break
        placed.append(box(px, py, text, best))
        out.append(best)
    return out


def ip_figure(model: pd.DataFrame, outcome: str) -> go.Figure:
    """Each estimated driver at (performance, importance), labelled with its name and quadrant;
    the median lines of the significant drivers split the quadrants."""
    shown = model[model["importance"].notna() & model["performance"].notna()].copy()
    fig = go.Figure()
    x_range, y_range = (0.0, 100.0), (0.0, 1.0)
    if len(shown):
        x_low, x_high = float(shown["performance"].min() * 100), float(shown["performance"].max() * 100)
        pad = max((x_high - x_low) * 0.2, 8.0)
        x_range = (max(0.0, x_low - pad), min(100.0, x_high + pad))
        y_low, y_high = float(shown["importance"].min()), float(shown["importance"].max())
        y_pad = max((y_high - y_low) * 0.2, 0.05)
        y_range = (min(0.0, y_low) - y_pad, y_high + 1.5 * y_pad)
        shown["text"] = [f"{r['label']} · {r['quadrant']}" for r in shown.to_dict("records")]
        shown["position"] = label_positions(list(shown["performance"] * 100), list(shown["importance"]),
                                            list(shown["text"]), x_range, y_range)
    for significant, name, colour, symbol in ((True, "Significant (p < 0.05)", PRIMARY, "circle"),
                                              (False, "Not significant", MUTED, "circle-open")):
        part = shown[shown["significant"].eq(significant)]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["performance"] * 100, y=part["importance"], mode="markers+text", name=name,
            marker={"size": 13, "color": colour, "symbol": symbol, "line": {"color": colour, "width": 2}},
            text=list(part["text"]), textposition=list(part["position"]), cliponaxis=False,
            hovertemplate="%{text}: %{x:.1f}%, importance %{y:.2f}<extra></extra>",
        )
    style(fig, height=460)
    performance, importance = medians(model)
    if performance is not None:
        fig.add_vline(x=performance * 100, line={"color": MUTED, "width": 1, "dash": "dot"},
                      annotation_text="median performance", annotation_position="top left",
                      annotation_font={"size": 12, "color": INK})
        fig.add_hline(y=importance, line={"color": MUTED, "width": 1, "dash": "dot"},
                      annotation_text="median importance", annotation_position="bottom right",
                      annotation_font={"size": 12, "color": INK})
    unit = "% selected" if is_checklist(model) else "% agree"
    fig.update_xaxes(title=f"Performance ({unit})", ticksuffix="%", range=list(x_range))
    fig.update_yaxes(title=f"Importance for {outcome}", range=list(y_range))
    fig.update_layout(margin={"l": 10, "r": 30, "t": 60, "b": 40})
    return fig


IP_COLUMNS = [
    ("label", "Driver", None), ("performance_text", "Performance", None), ("importance_text", "Importance", None),
    ("significance", "Significance", None), ("quadrant", "Quadrant", None),
]


def ip_table_rows(model: pd.DataFrame) -> list[dict]:
    return [{"label": r["label"], "performance_text": format_value(r["performance"], "percent"),
             "importance_text": _number(r["importance"]), "significance": _significance_word(r),
             "quadrant": r["quadrant"]} for r in model.to_dict("records")]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def ip_takeaway(model: pd.DataFrame, outcome: str) -> str:
    """Names the 'Fix first' drivers: above-median importance, below-median performance."""
    placed = _placed(model)
    if placed.empty:
        return (f"No driver of {outcome} is significant, so none is placed in a quadrant; every estimated "
                "driver is drawn hollow and grey.")
    fix = placed[placed["quadrant"].eq("Fix first")]
    if not fix.empty:
        details = _listed([f"{r['label']} ({format_value(r['performance'], 'percent')})" for r in fix.to_dict("records")])
        verb = "matters" if len(fix) == 1 else "matter"
        return (f"Fix first: {details} — {verb} more than the median driver for {outcome}, "
                "but fewer customers agree than for the median driver.")
    keep = placed[placed["quadrant"].eq("Keep it up")]["label"].tolist()
    text = f"No significant driver of {outcome} is in 'Fix first' (above-median importance, below-median performance)"
    return text + (f"; {_listed(keep)} {'is' if len(keep) == 1 else 'are'} important and performing well (Keep it up)."
                   if keep else ".")


# --- channels ---------------------------------------------------------------------------------

def channel_frame(segments: pd.DataFrame, question: str, min_n: int) -> pd.DataFrame:
    """The channel comparison family of the question, best first, with labels; the settings
    equity_sentence reads are restored on the frame (segment_result rows were made with them)."""
    if segments.empty:
        frame = pd.DataFrame(columns=["segment", "agree", "n", "pct", "ci_low", "ci_high", "suppressed", "is_best",
                                      "best_segment", "gap", "p_value", "p_adjusted", "significant", "note"])
    else:
        frame = segments[segments["dimension"].eq("channel") & segments["question"].eq(question)].copy()
    for column in ("pct", "ci_low", "ci_high", "gap", "p_value", "p_adjusted"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    for column in ("suppressed", "is_best", "significant"):
        frame[column] = frame[column].fillna(False).astype(bool)
    frame["label"] = frame["segment"].map(channel_label)
    frame = frame.sort_values(["pct", "n"], ascending=[False, False], na_position="last").reset_index(drop=True)
    frame.attrs.update(min_n=min_n, method="holm", higher_is_better=True, group_keys=[])
    return frame


def channel_takeaway(frame: pd.DataFrame, outcome: str, scope: str, quarter: FiscalQuarter) -> str:
    """metrics.equity.equity_sentence of the channel family; one reporting channel is said plainly."""
    if len(frame) == 1 and not frame["suppressed"].iloc[0]:
        row = frame.iloc[0]
        return (f"Only one channel, {row['label']}, reports {outcome} for {scope} in {quarter.display} "
                f"({format_value(row['pct'], 'percent')} agree), so there is nothing to compare.")
    named = frame.assign(segment=frame["label"], best_segment=frame["best_segment"].map(
        lambda s: None if is_missing(s) else channel_label(s)))
    named.attrs.update(frame.attrs)
    return equity_sentence(named, "channel", f"{outcome} (% agree)", f"{scope} in {quarter.display}")


def _gap_words(row: dict) -> str:
    if row["suppressed"]:
        return MISSING
    if row["is_best"]:
        return "Best-served channel"
    if is_missing(row["gap"]):
        return MISSING
    return f"{format_change(row['gap'], 'percent')} ({'significant' if row['significant'] else 'not significant'})"


def _channel_tick(row: dict) -> str:
    if row["is_best"]:
        return f"{row['label']} (best)"
    if is_missing(row["gap"]):
        return row["label"]
    return f"{row['label']} ({'significant gap' if row['significant'] else 'gap not significant'})"


def _channel_label_text(row: dict) -> str:
    value = format_value(row["pct"], "percent")
    return value if row["is_best"] or is_missing(row["gap"]) else f"{value} · {format_change(row['gap'], 'percent')}"


def channel_figure(frame: pd.DataFrame, outcome: str) -> go.Figure:
    """% agree per channel with its interval, best first; a significant gap is red with a filled
    dot, the rest blue or hollow, and every channel says its status on the axis."""
    shown = frame[~frame["suppressed"] & frame["pct"].notna()]
    fig = go.Figure()
    groups = ((shown["is_best"], "Best-served", PRIMARY, "diamond"),
              (~shown["is_best"] & shown["significant"], "Significantly below best", WORSE, "circle"),
              (~shown["is_best"] & ~shown["significant"], "Not significantly different", MUTED, "circle-open"))
    for mask, name, colour, symbol in groups:
        part = shown[mask]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["pct"] * 100, y=[_channel_tick(r) for r in part.to_dict("records")], mode="markers+text",
            name=name, marker={"size": 13, "color": colour, "symbol": symbol, "line": {"color": colour, "width": 2}},
            error_x={"type": "data", "array": (part["ci_high"] - part["pct"]) * 100,
                     "arrayminus": (part["pct"] - part["ci_low"]) * 100, "color": colour, "thickness": 2, "width": 6},
            text=[_channel_label_text(r) for r in part.to_dict("records")], textposition="top center",
            cliponaxis=False, hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
    style(fig, height=130 + 60 * max(len(shown), 1))
    fig.update_yaxes(type="category", categoryorder="array",
                     categoryarray=[_channel_tick(r) for r in shown.to_dict("records")][::-1])
    if len(shown):
        low, high = float(shown["ci_low"].min() * 100), float(shown["ci_high"].max() * 100)
        pad = max((high - low) * 0.15, 2.0)
        fig.update_xaxes(range=[max(0.0, low - pad), min(100.0, high + pad)])
    fig.update_xaxes(title=f"{outcome.capitalize()}: % agree, with 95% interval", ticksuffix="%")
    fig.update_layout(margin={"l": 10, "r": 30, "t": 60, "b": 40})
    return fig


CHANNEL_COLUMNS = [
    ("label", "Channel", None), ("pct_text", "% agree", None), ("interval_text", "95% interval", None),
    ("n_text", "Responses (n)", None), ("gap_text", "Gap to best channel", None),
    ("p_text", "p-value (Holm-adjusted)", None), ("note_text", "Note", None),
]


def channel_table_rows(frame: pd.DataFrame, min_n: int) -> list[dict]:
    return [{
        "label": r["label"],
        "pct_text": f"Suppressed (n < {min_n})" if r["suppressed"] else format_value(r["pct"], "percent"),
        "interval_text": format_interval(r["ci_low"], r["ci_high"], "percent"),
        "n_text": format_n(r["n"]), "gap_text": _gap_words(r), "p_text": format_p(r["p_adjusted"]),
        "note_text": "" if is_missing(r["note"]) else str(r["note"]),
    } for r in frame.to_dict("records")]


def shown_channels(frame: pd.DataFrame) -> int:
    return int((~frame["suppressed"] & frame["pct"].notna()).sum()) if len(frame) else 0
