"""Customer voice: what unprompted feedback and survey free text are about (themes), how they
feel (sentiment), where in the journey they come from (stage), how the negative share moves,
and a few redacted comments of one theme.

Plain functions of frames: the page calls them, tests call them without a browser. A share of
fewer than min_n items is suppressed like any other statistic; counts of items are always shown.
"""
from __future__ import annotations

import urllib.parse

import pandas as pd
import plotly.graph_objects as go
from dash import html

from cxdash.channels import ALL
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.proportions import two_proportion_test
from cxdash.metrics.sentiment import NEGATIVE, NEUTRAL, POSITIVE, strength
from cxdash.metrics.themes import OTHER_LABEL
from cxdash.presentation.charts import INK, PRIMARY, style
from cxdash.presentation.formatting import MISSING, change_in_words, format_indicator, format_n
from cxdash.presentation.journey import stage_order

# (label, word, bar colour, text colour): the order of the stacked segments, left to right.
# Red and blue (not red and green) stay apart for red-green colour blindness; the grey has a
# dark outline so it still stands out against white.
# Neutral holds what VADER cannot call: near 0 or mixed (metrics.sentiment), so it reads "Mixed / unclear".
SENTIMENTS = [(NEGATIVE, "Negative", "#b50909", "#ffffff"), (NEUTRAL, "Mixed / unclear", "#dfe1e2", INK),
              (POSITIVE, "Positive", "#005ea2", "#ffffff")]
LARGEST = "Largest theme"
TREND_QUARTERS = 8


def stage_label(stage: str) -> str:
    return "All stages" if stage == ALL else stage[:1].upper() + stage[1:]


def quoted(label: str) -> str:
    return f"\u201c{label}\u201d"


def suppressed_text(min_n: int) -> str:
    return f"Suppressed (n < {min_n})"


def query_string(quarter: str | None, provider: str, service: str, stage: str, theme: str) -> str:
    """Every filter that differs from its default, so a copied link reproduces the view."""
    items = {k: v for k, v in (("quarter", quarter), ("provider", provider), ("service", service),
                               ("stage", stage), ("theme", theme)) if v and v != ALL}
    return "?" + urllib.parse.urlencode(items) if items else ""


# --- 1. themes by sentiment ---------------------------------------------------------------

def theme_table(counts: pd.DataFrame, stage: str = ALL, min_n: int = 30) -> pd.DataFrame:
    """One row per theme in the scope (largest first, 'other' last): theme_id, label, negative,
    neutral, positive, items, negative_share (None below ``min_n`` items).

    ``counts``: stage, theme_id, label, sentiment_label, items (voice_queries.theme_stage_sentiment)."""
    columns = ["theme_id", "label", NEGATIVE, NEUTRAL, POSITIVE, "items", "negative_share"]
    mine = counts if stage == ALL else counts[counts["stage"] == stage]
    if mine.empty:
        return pd.DataFrame(columns=columns)
    wide = (mine.pivot_table(index=["theme_id", "label"], columns="sentiment_label", values="items", aggfunc="sum",
                             fill_value=0)
            .reindex(columns=[NEGATIVE, NEUTRAL, POSITIVE], fill_value=0).reset_index())
    wide.columns.name = None
    wide["items"] = wide[[NEGATIVE, NEUTRAL, POSITIVE]].sum(axis=1)
    wide["negative_share"] = [n / t if t >= min_n else None for n, t in zip(wide[NEGATIVE], wide["items"])]
    wide["other"] = wide["label"].eq(OTHER_LABEL)
    wide = wide.sort_values(["other", "items", "theme_id"], ascending=[True, False, True], kind="stable")
    return wide[columns].reset_index(drop=True)


def themes_takeaway(table: pd.DataFrame, quarter_label: str) -> str:
    """The largest theme and, if another, the theme with the most negative items."""
    if table.empty:
        return f"No feedback in this scope for {quarter_label}."
    total = int(table["items"].sum())
    top = table.iloc[0]
    share = "" if pd.isna(top["negative_share"]) else f", {format_indicator(top['negative_share'], 'percent')} negative"
    count = f"{len(table)} themes" if len(table) != 1 else "1 theme"
    sentence = (f"In {quarter_label}, {format_n(total)} feedback item{'s' if total != 1 else ''} fell into {count}; "
                f"the largest was {quoted(top['label'])} ({format_n(top['items'])} items{share})")
    worst = table.sort_values([NEGATIVE, "items"], ascending=False, kind="stable").iloc[0]
    if worst["theme_id"] != top["theme_id"] and worst[NEGATIVE] > top[NEGATIVE]:
        sentence += (f"; the most negative comments were about {quoted(worst['label'])} "
                     f"({format_n(worst[NEGATIVE])} of {format_n(worst['items'])} negative)")
    return sentence + "."


def themes_figure(table: pd.DataFrame, min_n: int = 30) -> go.Figure:
    """Stacked horizontal bars: items per theme split by sentiment, counts written in each
    segment and the total and negative share written after each bar."""
    labels = [quoted(label) for label in table["label"]]
    fig = go.Figure()
    for key, word, colour, text_colour in SENTIMENTS:
        values = [int(v) for v in table[key]]
        fig.add_trace(go.Bar(
            name=word, y=labels, x=values, orientation="h", text=[str(v) if v else "" for v in values],
            textposition="inside", insidetextanchor="middle", textangle=0, textfont={"color": text_colour},
            marker={"color": colour, "line": {"color": INK, "width": 1}},
            hovertemplate=f"%{{y}}: %{{x}} {word.lower()}<extra></extra>"))
    for label, row in zip(labels, table.itertuples(index=False)):
        share = (suppressed_text(min_n).lower() if pd.isna(row.negative_share)
                 else format_indicator(row.negative_share, "percent") + " negative")
        fig.add_annotation(x=row.items, y=label, text=f"{format_n(row.items)} items · {share}", showarrow=False,
                           xanchor="left", xshift=6, font={"size": 14, "color": INK})
    most = int(table["items"].max()) if len(table) else 1
    style(fig, height=120 + 44 * max(len(table), 1), margin={"l": 10, "r": 20, "t": 60, "b": 40})
    fig.update_layout(barmode="stack", legend={"traceorder": "normal", "title": {"text": "Sentiment: "}},
                      xaxis={"title": "Feedback items", "range": [0, most * 1.6 + 1], "rangemode": "tozero"},
                      yaxis={"autorange": "reversed"}, bargap=0.3)
    return fig


def theme_rows(table: pd.DataFrame, min_n: int = 30, terms: dict[str, str] | None = None) -> list[dict]:
    """The table beside the themes chart; ``terms`` (label -> key words) keeps each theme's words as detail."""
    return [{"label": r.label, "terms": (terms or {}).get(r.label) or MISSING, NEGATIVE: format_n(r.negative),
             NEUTRAL: format_n(r.neutral), POSITIVE: format_n(r.positive), "items": format_n(r.items),
             "share": suppressed_text(min_n) if pd.isna(r.negative_share)
             else format_indicator(r.negative_share, "percent")}
            for r in table.itertuples(index=False)]


THEME_COLUMNS = [("label", "Theme", None), ("terms", "Key words", None), (NEGATIVE, "Negative", None),
                 (NEUTRAL, "Mixed / unclear", None),
                 (POSITIVE, "Positive", None), ("items", "All items", None), ("share", "Negative share", None)]


# --- 2. themes by journey stage -------------------------------------------------------------

def stage_matrix(counts: pd.DataFrame, preferred: list[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Items per theme (rows, ordered as theme_table) and stage (columns, journey order), with
    a 'total' column; and the stage columns in order."""
    if counts.empty:
        return pd.DataFrame(columns=["theme_id", "label", "total"]), []
    stages = [s for s in stage_order(set(counts["stage"]), preferred) if s != ALL]
    wide = (counts.pivot_table(index=["theme_id", "label"], columns="stage", values="items", aggfunc="sum",
                               fill_value=0).reindex(columns=stages, fill_value=0).reset_index())
    wide.columns.name = None
    order = theme_table(counts)["theme_id"].tolist()
    wide = wide.set_index("theme_id").loc[order].reset_index()
    wide["total"] = wide[stages].sum(axis=1)
    return wide[["theme_id", "label", *stages, "total"]], stages


def stage_takeaway(matrix: pd.DataFrame, stages: list[str], quarter_label: str) -> str:
    """Each stage's largest theme, in journey order."""
    if matrix.empty or not stages:
        return f"No feedback in this scope for {quarter_label}."
    parts = []
    for stage in stages:
        column = matrix[stage]
        if column.max() > 0:
            row = matrix.loc[column.idxmax()]  # ties: the theme listed first (larger overall)
            parts.append(f"{stage_label(stage)} {quoted(row['label'])} ({format_n(row[stage])} items)")
    return f"In {quarter_label}, the largest theme at each stage: " + "; ".join(parts) + "."


def stage_figure(matrix: pd.DataFrame, stages: list[str]) -> go.Figure:
    """A heat map with the count written in every cell (the colour only repeats the number)."""
    values = matrix[stages].to_numpy().tolist()
    fig = go.Figure(go.Heatmap(
        z=values, x=[stage_label(s) for s in stages], y=[quoted(label) for label in matrix["label"]],
        text=[[format_n(v) for v in row] for row in values], texttemplate="%{text}", textfont={"size": 16},
        colorscale=[[0, "#ffffff"], [1, "#1a4480"]], zmin=0, showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}, %{x} stage: %{text} items<extra></extra>"))
    style(fig, height=90 + 44 * max(len(matrix), 1), legend=False, margin={"l": 10, "r": 20, "t": 50, "b": 20})
    fig.update_layout(xaxis={"side": "top", "title": None, "showgrid": False},
                      yaxis={"autorange": "reversed", "showgrid": False})
    return fig


def stage_columns(stages: list[str]) -> list[tuple]:
    return ([("label", "Theme (top words)", None)] + [(s, stage_label(s), format_n) for s in stages]
            + [("total", "All stages", format_n)])


# --- 3. negative share over quarters ----------------------------------------------------------

def trend_rows(indicators: pd.DataFrame, stage: str, upto: FiscalQuarter, min_n: int = 30,
               quarters: int = TREND_QUARTERS) -> list[dict]:
    """Up to ``quarters`` quarters ending at ``upto`` (from the first with feedback): items,
    negative share and mean sentiment of the stage, shares suppressed below ``min_n`` items.

    ``indicators``: indicator_value rows of the scope (indicator, fiscal_year, fiscal_quarter,
    stage, value, n), all channels."""
    mine = indicators[indicators["stage"] == stage]
    values = {(r.indicator, int(r.fiscal_year), int(r.fiscal_quarter)): (r.value, int(r.n))
              for r in mine.itertuples(index=False)}
    span = [upto.previous(k) for k in reversed(range(quarters))]
    rows = []
    for q in span:
        volume = values.get(("feedback_volume", q.year, q.quarter))
        items = volume[1] if volume else 0
        if not rows and not items:
            continue
        share = values.get(("negative_feedback_share", q.year, q.quarter), (None, 0))[0]
        mean = values.get(("mean_sentiment", q.year, q.quarter), (None, 0))[0]
        small = 0 < items < min_n
        rows.append({"quarter": q.label, "display": q.display, "items": items, "suppressed": small,
                     "negative_share": None if small or not items else share,
                     "mean_sentiment": None if small or not items else mean})
    return rows


def trend_takeaway(rows: list[dict], min_n: int = 30, alpha: float = 0.05) -> str:
    known = [r for r in rows if r["negative_share"] is not None]
    small = sum(r["suppressed"] for r in rows)
    empty = sum(not r["items"] for r in rows)
    notes = ([f"{small} quarter{'s' if small != 1 else ''} suppressed (fewer than {min_n} items)"] if small else []) \
        + ([f"{empty} quarter{'s' if empty != 1 else ''} without feedback"] if empty else [])
    tail = ("; " + " and ".join(notes)) if notes else ""
    if not known:
        if not rows:
            return "No feedback in this scope in the quarters shown."
        return f"No quarter shown has at least {min_n} feedback items, so no negative share is shown{tail}."
    last = known[-1]
    if len(known) == 1:
        return (f"Only {last['display']} has a negative share to show: "
                f"{format_indicator(last['negative_share'], 'percent')}{tail}.")
    first = known[0]
    words = change_in_words(last["negative_share"] - first["negative_share"], "percent")
    verb = "did not change" if words == "no change" else f"went {words}"
    # A change is only called one with its test (pooled two-proportion z test on the item counts).
    p_value = two_proportion_test(round(last["negative_share"] * last["items"]), last["items"],
                                  round(first["negative_share"] * first["items"]), first["items"])
    # No p-value in the sentence (an executive reads it); the test's verdict is enough here.
    verdict = "" if p_value is None or words == "no change" else (
        f" ({'significant' if p_value < alpha else 'not significant'})")
    return (f"The share of negative feedback {verb}, from {format_indicator(first['negative_share'], 'percent')} "
            f"in {first['display']} to {format_indicator(last['negative_share'], 'percent')} in {last['display']}"
            f"{verdict}{tail}.")


def trend_figure(rows: list[dict]) -> go.Figure:
    """A line with its value written at each point; a suppressed or empty quarter is a gap."""
    shares = [r["negative_share"] for r in rows]
    fig = go.Figure(go.Scatter(
        x=[r["display"] for r in rows], y=shares, mode="lines+markers+text", connectgaps=False,
        text=[format_indicator(v, "percent") if v is not None else "" for v in shares], textposition="top center",
        line={"color": PRIMARY, "width": 3}, marker={"size": 9, "color": PRIMARY}, cliponaxis=False,
        hovertemplate="%{x}: %{text} negative<extra></extra>"))
    top = max((v for v in shares if v is not None), default=1.0)
    style(fig, height=340, legend=False, margin={"l": 10, "r": 30, "t": 30, "b": 40})
    fig.update_layout(yaxis={"title": "Negative share of items", "tickformat": ".0%",
                             "range": [0, min(1.0, top * 1.25 + 0.05)]},
                      xaxis={"title": None, "type": "category"})
    return fig


def trend_table_rows(rows: list[dict], min_n: int = 30) -> list[dict]:
    out = []
    for r in rows:
        hidden = suppressed_text(min_n) if r["suppressed"] else None
        out.append({"quarter": r["display"], "items": format_n(r["items"]),
                    "share": hidden or format_indicator(r["negative_share"], "percent"),
                    "mean": hidden or format_indicator(r["mean_sentiment"], "score")})
    return out


TREND_COLUMNS = [("quarter", "Quarter", None), ("items", "Feedback items", None), ("share", "Negative share", None),
                 ("mean", "Mean sentiment (\u22121 to +1)", None)]


# --- 4. redacted comments of one theme --------------------------------------------------------

def theme_options(themes: pd.DataFrame) -> list[dict]:
    """The theme dropdown: 'largest in this scope' first, then every stored theme by its words
    (the label is the value, so a link survives a recompute that finds the same themes)."""
    labels = list(dict.fromkeys(themes["label"])) if len(themes) else []
    return [{"label": LARGEST, "value": ALL}] + [{"label": quoted(label), "value": label} for label in labels]


def pick_theme(table: pd.DataFrame, chosen: str) -> dict | None:
    """The theme whose comments to show: the chosen one if it has items in the scope, else the
    largest (when 'all' was chosen). None when there is nothing to show."""
    if table.empty:
        return None
    if chosen == ALL:
        row = table.iloc[0]
    else:
        mine = table[table["label"] == chosen]
        if mine.empty:
            return None
        row = mine.iloc[0]
    return {"theme_id": int(row["theme_id"]), "label": row["label"], "items": int(row["items"]),
            "largest": chosen == ALL}


def sentiment_words(compound, sentiment_label: str) -> str:
    """A comment's sentiment with how sure the model is: 'Negative (strong, score −0.65)',
    'Positive (mild, score +0.36)'; a near-0 or mixed text is only 'Mixed / unclear'."""
    word = {k: w for k, w, *_ in SENTIMENTS}.get(sentiment_label, sentiment_label)
    how = None if compound is None or pd.isna(compound) else strength(float(compound), sentiment_label)
    return f"{word} ({how}, score {format_indicator(compound, 'score')})" if how else word


REDACTION_NOTE = ("Personal details (names, email addresses, phone and account numbers, street addresses) "
                  "were removed before the text was stored; a mark such as [name] shows where.")


def verbatims_block(comments: pd.DataFrame, theme: dict | None, chosen: str, stage: str,
                    quarter_label: str) -> list:
    """A heading, the redaction note and a list of the stored (redacted) comments."""
    where = f"{quarter_label}, {stage_label(stage).lower()}"
    if theme is None:
        title = "Example comments" if chosen == ALL else f"Example comments on {quoted(chosen)}"
        body = [html.P(f"No comments on this theme in this scope ({where}).", id="voice-verbatims-empty")]
        return [html.H2(title, id="voice-verbatims-title"), *body]
    title = f"Example comments on {quoted(theme['label'])}"
    intro = (f"{'The largest theme in this scope' if theme['largest'] else 'The chosen theme'}: "
             f"{format_n(theme['items'])} items in {where}. The comments that belong to it most strongly, "
             f"as stored.")
    items = []
    for r in comments.itertuples(index=False):
        meta = sentiment_words(r.sentiment, r.sentiment_label) + (
            f" · {format_n(r.items)} identical comments" if r.items > 1 else "")
        items.append(html.Li([html.Blockquote(r.text, className="cx-verbatim__text"),
                              html.P(meta, className="cx-verbatim__meta")], className="cx-verbatim"))
    return [html.H2(title, id="voice-verbatims-title"), html.P(intro),
            html.P(REDACTION_NOTE, className="cx-footnote", id="voice-redaction-note"),
            html.Ul(items, className="cx-verbatims usa-list--unstyled", id="voice-verbatims")]
