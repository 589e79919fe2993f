"""Equity: how each customer segment (channel, user group, region, ...) scores beside the
best-served segment of its comparison, with the gap's corrected significance test.

Plain functions of segment_result frames (dimension, question, segment, agree, n, pct, ci_low,
ci_high, suppressed, is_best, best_segment, gap, p_value, p_adjusted, significant, note): the
page calls them, tests call them without a browser. A "family" is one dimension x question of
one quarter and scope: the set of segments whose gaps were tested and corrected together.
"""
from __future__ import annotations

import re
import urllib.parse

import pandas as pd
import plotly.graph_objects as go
from dash import dcc

from cxdash.catalogue import Labels
from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.exports import chart_data
from cxdash.metrics.equity import METHOD_NAMES, equity_sentence, largest_gap
from cxdash.presentation import labels as labels_of
from cxdash.presentation.charts import GRID, INK, MUTED, PRIMARY, WORSE, style
from cxdash.presentation.formatting import (
    MISSING,
    format_change,
    format_interval,
    format_n,
    format_p,
    format_value,
    is_missing,
)

CHANNEL = "channel"
DEFAULT_DIMENSION = CHANNEL
DEFAULT_QUESTION = "trust"
# Dimension -> (label in a dropdown or table, singular noun in a sentence).
DIMENSIONS = {
    CHANNEL: ("Channel", "channel"),
    "UserGroup": ("User group", "user group"),
    "Region": ("Region", "region"),
    "Years": ("Years as a customer", "tenure group"),
}
# Question -> (label, noun in a sentence, what the % counts). A-11 questions first, then indicators.
QUESTIONS = {
    "trust": ("Trust", "trust", "agree"),
    "satisfaction": ("Satisfaction", "satisfaction", "agree"),
    "effectiveness": ("Effectiveness (quality)", "effectiveness", "agree"),
    "ease": ("Ease (simplicity)", "ease", "agree"),
    "efficiency": ("Efficiency (speed)", "efficiency", "agree"),
    "transparency": ("Equity and transparency", "equity and transparency", "agree"),
    "employee": ("Employee helpfulness", "employee helpfulness", "agree"),
    "on_time_rate": ("Cases completed on time", "cases completed on time", "on time"),
    "first_contact_resolution": ("Resolved at first contact", "resolution at first contact", "resolved"),
}
_OPTIONAL = re.compile(r"^q(\d+)$")  # generation-1 optional questions q8..q11


def dimension_label(dimension: str, labels: Labels | None = None) -> str:
    """The catalog's name of a segment column, the known name, or the column name in words."""
    return labels_of.dimension_name(dimension, labels) or DIMENSIONS.get(
        dimension, (labels_of.column_words(dimension), None))[0]


def dimension_noun(dimension: str, labels: Labels | None = None) -> str:
    """The singular noun a sentence uses: 'channel', 'user group'; 'X segment' when unknown."""
    named = labels_of.dimension_name(dimension, labels)
    if named:
        return named[:1].lower() + named[1:]
    return DIMENSIONS.get(dimension, (None, f"{labels_of.column_words(dimension).lower()} segment"))[1]


def question_label(question: str, labels: Labels | None = None) -> str:
    """The catalog's label, the A-11 name, 'Question 8 (no label in the catalog)', or the name in words."""
    configured = labels_of.configured_question(question, labels)
    if configured:
        return configured
    if question in QUESTIONS:
        return QUESTIONS[question][0]
    return labels_of.numbered_question(question, labels) or question.replace("_", " ").capitalize()


def question_noun(question: str, labels: Labels | None = None) -> str:
    if question in QUESTIONS and not labels_of.configured_question(question, labels):
        return QUESTIONS[question][1]
    label = question_label(question, labels)
    return label[:1].lower() + label[1:]


def counted(question: str) -> str:
    """What the percentage is a share of: '% agree', '% on time', '% selected' for checklists."""
    if question in QUESTIONS:
        return QUESTIONS[question][2]
    return "selected" if question.startswith(("positive_", "negative_")) else "agree"


def segment_label(dimension: str, segment: str, labels: Labels | None = None) -> str:
    return channel_label(segment) if dimension == CHANNEL else labels_of.segment_value(dimension, segment, labels)


def dimension_order(dimensions) -> list[str]:
    """Channel first, then the known segment types, then the rest by name."""
    known = list(DIMENSIONS)
    return sorted(set(dimensions), key=lambda d: (known.index(d) if d in known else len(known), d))


def question_order(questions) -> list[str]:
    """The A-11 order (trust, satisfaction, the drivers), optional questions by number, indicators, the rest."""
    known = [q for q in QUESTIONS if q not in ("on_time_rate", "first_contact_resolution")]

    def key(q: str):
        if q in known:
            return (0, known.index(q), "")
        optional = _OPTIONAL.match(q)
        if optional:
            return (1, int(optional.group(1)), "")
        if q in QUESTIONS:
            return (2, list(QUESTIONS).index(q), "")
        return (3, 0, q)
    return sorted(set(questions), key=key)


def dimension_options(dimensions, labels: Labels | None = None) -> list[dict]:
    return [{"label": dimension_label(d, labels), "value": d} for d in dimension_order(dimensions)]


def question_options(questions, labels: Labels | None = None) -> list[dict]:
    return [{"label": question_label(q, labels), "value": q} for q in question_order(questions)]


def default_of(values, preferred: str) -> str | None:
    """The preferred default when the database has it, else the first in the page's order."""
    values = list(values)
    return preferred if preferred in values else (values[0] if values else None)


def pick(value: str | None, values, default: str | None) -> str | None:
    """A value from the URL or a dropdown, or the default when it is unknown (an old link)."""
    return value if value in set(values) else default


def scope_label(quarter_display: str, provider: str, service: str) -> str:
    """'FY2022 Q4 (Applying for ...)', '(Provider X)' or '(all services)': the takeaways' scope."""
    what = service if service != ALL else (provider if provider != ALL else "all services")
    return f"{quarter_display} ({what})"


def query_string(quarter: str | None, provider: str, service: str, dimension: str | None, question: str | None,
                 default_dimension: str | None, default_question: str | None) -> str:
    """Every filter that differs from its default, so a copied link reproduces the view."""
    items = {"quarter": quarter,
             "provider": None if provider == ALL else provider,
             "service": None if service == ALL else service,
             "dimension": None if dimension == default_dimension else dimension,
             "question": None if question == default_question else question}
    items = {k: v for k, v in items.items() if v}
    return "?" + urllib.parse.urlencode(items) if items else ""


# --- one comparison family ---------------------------------------------------------------------

def _flags(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("suppressed", "is_best", "significant"):
        out[column] = out[column].fillna(False).astype(bool)
    for column in ("pct", "ci_low", "ci_high", "gap", "p_value", "p_adjusted"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["note"] = out["note"].fillna("")
    return out


def family(results: pd.DataFrame, dimension: str, question: str, min_n: int, method: str = "holm",
           labels: Labels | None = None) -> pd.DataFrame:
    """One dimension x question of a scope's results, segments labelled for reading, best first,
    suppressed last, with the settings metrics.equity's takeaway reads from ``attrs``."""
    mine = results[results["dimension"].eq(dimension) & results["question"].eq(question)]
    out = _flags(mine)
    out["segment"] = [segment_label(dimension, s, labels) for s in out["segment"]]
    out["best_segment"] = [None if is_missing(s) else segment_label(dimension, s, labels) for s in out["best_segment"]]
    out = (out.assign(_neg_n=-out["n"]).sort_values(["pct", "_neg_n", "segment"], ascending=[False, True, True],
                                                     na_position="last", kind="mergesort")
           .drop(columns="_neg_n").reset_index(drop=True))
    out.attrs.update(min_n=min_n, method=method, higher_is_better=True)
    return out


def family_sentence(fam: pd.DataFrame, dimension: str, question: str, scope: str, labels: Labels | None = None) -> str:
    return equity_sentence(fam, dimension_noun(dimension, labels), question_noun(question, labels), scope)


def no_data_sentence(dimension: str, question: str, scope: str, labels: Labels | None = None) -> str:
    return (f"No comparison of {question_noun(question, labels)} by {dimension_noun(dimension, labels)} in {scope}: choose "
            "another dimension or question; the overview below lists every comparison with data.")


def gap_status(row) -> str:
    """The label a reader sees beside each segment: 'best', '−12.0 pts, significant' ..."""
    if row["suppressed"]:
        return "suppressed"
    if row["is_best"]:
        return "best"
    if is_missing(row["gap"]) or is_missing(row["p_value"]):
        return "no comparison"
    return f"{format_change(row['gap'], 'percent')}, {'significant' if row['significant'] else 'not significant'}"


def suppressed_text(fam: pd.DataFrame, min_n: int) -> str | None:
    """'Suppressed (n < 30): Group1, Group5.' — segments listed, never drawn; None when there are none."""
    hidden = fam[fam["suppressed"]]
    if hidden.empty:
        return None
    return f"Suppressed (n < {min_n}): " + ", ".join(hidden["segment"]) + "."


def shown_segments(fam: pd.DataFrame) -> pd.Series:
    """Which segments of a family have a figure to show (not suppressed, not missing)."""
    return ~fam["suppressed"] & fam["pct"].notna()


def dot_figure(fam: pd.DataFrame, question: str) -> go.Figure:
    """Each shown segment's % with its 95% interval; the gap and its significance in words at the right."""
    shown = fam[shown_segments(fam)]
    statuses = [gap_status(r) for r in shown.to_dict("records")]
    kinds = ["best" if s == "best" else ("significant" if s.endswith(", significant") else
                                         ("other" if s == "no comparison" else "not significant")) for s in statuses]
    colour = {"best": PRIMARY, "significant": WORSE, "not significant": MUTED, "other": MUTED}
    symbol = {"best": "diamond", "significant": "circle", "not significant": "circle-open", "other": "square-open"}
    pct = shown["pct"] * 100
    fig = go.Figure(go.Scatter(
        x=pct, y=shown["segment"], mode="markers",
        marker={"size": 13, "color": [colour[k] for k in kinds], "symbol": [symbol[k] for k in kinds],
                "line": {"width": 2, "color": [colour[k] for k in kinds]}},
        error_x={"type": "data", "symmetric": False, "array": shown["ci_high"] * 100 - pct,
                 "arrayminus": pct - shown["ci_low"] * 100, "color": INK, "thickness": 1.5, "width": 6},
        customdata=list(zip(shown["n"].map(format_n), statuses,
                            [format_interval(lo, hi, "percent") for lo, hi in zip(shown["ci_low"], shown["ci_high"])])),
        hovertemplate="%{y}: %{x:.1f}% (95% interval %{customdata[2]}, n = %{customdata[0]}); "
                      "%{customdata[1]}<extra></extra>",
    ))
    for segment, status in zip(shown["segment"], statuses):
        fig.add_annotation(x=1.01, xref="paper", xanchor="left", y=segment, yref="y", text=status,
                           showarrow=False, font={"color": INK})
    best = shown[shown["is_best"]]
    if not best.empty:
        fig.add_vline(x=float(best["pct"].iloc[0]) * 100, line={"color": PRIMARY, "dash": "dot", "width": 1})
    low = max(0.0, float(shown["ci_low"].min()) * 100 - 5) if len(shown) else 0.0
    high = min(100.0, float(shown["ci_high"].max()) * 100 + 3) if len(shown) else 100.0
    style(fig, height=110 + 46 * max(len(shown), 1), legend=False, margin={"l": 10, "r": 220, "t": 20, "b": 50})
    fig.update_xaxes(title=f"% {counted(question)}, with 95% interval", range=[low, high], ticksuffix="%",
                     gridcolor=GRID, zeroline=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=list(shown["segment"]),
                     showgrid=False, type="category")
    return fig


FAMILY_COLUMNS = [
    ("segment", "Segment", None),
    ("n", "n", None),
    ("pct", "%", None),
    ("interval", "95% interval", None),
    ("gap", "Gap to best", None),
    ("p", "p", None),
    ("p_adjusted", "Holm-adjusted p", None),
    ("significant", "Significant", None),
    ("note", "Note", None),
]


def family_data(fam: pd.DataFrame, dimension: str, question: str, labels: Labels | None = None) -> list[list]:
    """The comparison's CSV: shares, gaps and p-values as numbers, a suppressed segment blank."""
    return chart_data.rows([{**r, "label": r["segment"]} for r in fam.to_dict("records")],
                           chart_data.segment_columns(dimension_label(dimension, labels),
                                                      f"{question_label(question, labels)} (% agree)"))


def family_rows(fam: pd.DataFrame, min_n: int) -> list[dict]:
    """The family as text: a suppressed segment says so instead of a number."""
    rows = []
    for r in fam.to_dict("records"):
        tested = not is_missing(r["p_value"])
        note = r["note"] or ("Best-served: the reference for the gaps" if r["is_best"] else "")
        rows.append({
            "segment": r["segment"], "n": format_n(r["n"]),
            "pct": f"Suppressed (n < {min_n})" if r["suppressed"] else format_value(r["pct"], "percent"),
            "interval": format_interval(r["ci_low"], r["ci_high"], "percent"),
            "gap": "Best-served" if r["is_best"] else format_change(r["gap"], "percent"),
            "p": format_p(r["p_value"]), "p_adjusted": format_p(r["p_adjusted"]),
            "significant": ("Yes" if r["significant"] else "No") if tested else MISSING,
            "note": note,
        })
    return rows


# --- every family of a scope -------------------------------------------------------------------

def overview(results: pd.DataFrame, labels: Labels | None = None) -> pd.DataFrame:
    """One row per dimension x question: best segment, largest significant gap, number of
    comparisons; families with a significant gap first, the largest gap first."""
    rows = []
    frame = _flags(results)
    for (dimension, question), mine in frame.groupby(["dimension", "question"], sort=False):
        best = mine[mine["is_best"]]
        worst = largest_gap(frame, {"dimension": dimension, "question": question})
        rows.append({
            "dimension": dimension, "question": question,
            "segments": len(mine), "shown": int((~mine["suppressed"]).sum()),
            "suppressed": int(mine["suppressed"].sum()),
            "best_segment": segment_label(dimension, best["segment"].iloc[0], labels) if not best.empty else None,
            "best_pct": float(best["pct"].iloc[0]) if not best.empty else None,
            "worst_segment": segment_label(dimension, worst["segment"], labels) if worst else None,
            "worst_pct": worst["pct"] if worst else None,
            "gap": worst["gap"] if worst else None,
            "comparisons": int(mine["p_value"].notna().sum()),
            "significant": int(mine["significant"].sum()),
        })
    columns = ["dimension", "question", "segments", "shown", "suppressed", "best_segment", "best_pct",
               "worst_segment", "worst_pct", "gap", "comparisons", "significant"]
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        return table
    dims, questions = dimension_order(table["dimension"]), question_order(table["question"])
    table["_d"] = table["dimension"].map(dims.index)
    table["_q"] = table["question"].map(questions.index)
    table["gap"] = table["gap"].astype(float)
    return (table.sort_values(["gap", "_d", "_q"], na_position="last", kind="mergesort")
            .drop(columns=["_d", "_q"]).reset_index(drop=True))


OVERVIEW_COLUMNS = [
    ("comparison", "Comparison", lambda link: link),  # a dcc.Link to the comparison's view, or its name
    ("best", "Best-served segment", None),
    ("largest", "Largest significant gap", None),
    ("tests", "Significant gaps", None),
    ("suppressed", "Suppressed segments", None),
]


def comparison_name(dimension: str, question: str, labels: Labels | None = None) -> str:
    return f"{question_label(question, labels)} by {dimension_label(dimension, labels).lower()}"


def overview_rows(table: pd.DataFrame, href=None, labels: Labels | None = None) -> list[dict]:
    """Rows of text; with ``href(dimension, question)`` the comparison's name links to its view."""
    rows = []
    for r in table.to_dict("records"):
        name = comparison_name(r["dimension"], r["question"], labels)
        if is_missing(r["best_segment"]):
            best = "No comparison: fewer than two segments have enough answers"
        else:
            best = f"{r['best_segment']} ({format_value(r['best_pct'], 'percent')})"
        if not is_missing(r["worst_segment"]):
            largest = (f"{r['worst_segment']}: {format_change(r['gap'], 'percent')} "
                       f"({format_value(r['worst_pct'], 'percent')})")
        else:
            largest = "None significant" if r["comparisons"] else MISSING
        rows.append({"comparison": dcc.Link(name, href=href(r["dimension"], r["question"])) if href else name,
                     "comparison_text": name, "best": best, "largest": largest,
                     "tests": f"{r['significant']} of {r['comparisons']} comparisons" if r["comparisons"] else MISSING,
                     "suppressed": f"{r['suppressed']} of {r['segments']}"})
    return rows


def overview_sentence(table: pd.DataFrame, scope: str, labels: Labels | None = None) -> str:
    if table.empty:
        return f"No segment comparisons in {scope}."
    compared = table[table["comparisons"] > 0]
    gaps = table[table["gap"].notna()]
    total = f"{len(compared)} comparison{'s' if len(compared) != 1 else ''}"
    if compared.empty:
        return (f"In {scope}, no comparison is possible: no dimension and question has two segments with "
                "enough answers.")
    if gaps.empty:
        return f"In {scope}, none of {total} with two or more segments shows a significant gap to its best-served segment."
    top = gaps.iloc[0]
    return (f"In {scope}, {len(gaps)} of {total} {'shows' if len(gaps) == 1 else 'show'} a significant gap; "
            f"the largest is in "
            f"{comparison_name(top['dimension'], top['question'], labels).lower()}: {top['worst_segment']} is "
            f"{abs(top['gap']) * 100:.1f} points below {top['best_segment']} "
            f"({format_value(top['worst_pct'], 'percent')} vs {format_value(top['best_pct'], 'percent')}).")


def method_note(min_n: int, method: str = "holm", alpha: float = 0.05) -> str:
    name = METHOD_NAMES.get(method, method)
    return (f"Each group is compared with the best-served group by a two-proportion z test; p-values are adjusted "
            f"with {name}'s method within each comparison; groups with fewer than {min_n} answers are suppressed. "
            f"A gap is significant when its adjusted p-value is below {alpha:g}. Gaps are in percentage points "
            "(the group's share minus the best-served group's); intervals are 95% Wilson score intervals. Survey "
            "shares count answers of 4 or 5 on the 5-point scale; 'cases completed on time' counts closed cases "
            "with a due date.")
