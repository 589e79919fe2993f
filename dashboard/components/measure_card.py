"""Scorecard card for one CX measure."""

from dash import html

from cxdash.dashboard.components.data_table import data_table
from cxdash.dashboard.components.sparkline import sparkline
from cxdash.dashboard.components.status_tag import status_tag
from cxdash.presentation.bottom_line import change_line, commentary_line
from cxdash.presentation.formatting import (
    change_in_words,
    format_change,
    format_date,
    format_interval,
    format_n,
    format_p,
    format_value,
    gap_in_words,
    is_missing,
)

COMMENTARY_PARTS = (("what_happened", "What happened"), ("why", "Why"), ("what_next", "What next"))


def measure_card(card: dict) -> html.Div:
    """One measure at a glance: value this quarter with its uncertainty (95% CI,
    n), target and status, change vs last quarter and whether it is
    statistically significant, the trend, who owns it, how fresh the data is,
    and the survey question(s) behind it, shown rather than hidden.

    `card` keys: measure_id, name, unit and status are required; definition,
    direction, value, ci_low, ci_high, n, suppressed, min_n, target, change,
    p_value, significant, prev_label, quarter_label, sparkline, owner, as_of,
    practical_change, change_clear, change_summary, year_ago_change, year_ago_label,
    last_value, last_label, next_label, next_due,
    wordings, counts, wording_note, commentary (the quarter's review commentary: what_happened, why, what_next, author)
    and href may be missing or None. A suppressed result (n below
    min_n) shows "Suppressed (n < min_n)" and no number at all, never a 0.

    Root: usa-card with id "card-{measure_id}", class cx-measure-card and a
    data-status attribute; place cards in a container with class cx-card-grid.
    """
    unit = card["unit"]
    measure_id = card["measure_id"]
    suppressed = bool(card.get("suppressed"))
    has_value = not suppressed and not is_missing(card.get("value"))

    name = card["name"]
    heading_text = html.A(name, href=card["href"], className="usa-link") if card.get("href") else name
    header = html.Div(
        [
            html.H3(heading_text, className="usa-card__heading", id=f"card-{measure_id}-name"),
            status_tag(card["status"]),
        ],
        className="usa-card__header",
    )

    body = [
        _value_line(card, unit, suppressed, has_value),
        *_uncertainty_line(card, unit, has_value),
        _target_line(card, unit),
        _change_line(card, unit, suppressed, has_value),
        *_benchmark_lines(card),
        *([html.P(commentary_line(card["commentary"]), className="cx-measure-card__why")]
          if card.get("commentary") and commentary_line(card["commentary"]) else []),
        sparkline(
            card.get("sparkline") or [],
            unit,
            card.get("target"),
            id=f"card-{measure_id}-trend",
        ),
    ]
    if card.get("definition"):
        body.insert(0, html.P(card["definition"], className="cx-measure-card__definition"))

    footer = []
    if card.get("owner"):
        footer.append(html.P(f"Owner: {card['owner']}", className="cx-measure-card__meta"))
    as_of = card.get("as_of")
    footer.append(
        html.P(
            f"Data as of {format_date(as_of)}" if not is_missing(as_of) else "Data date not recorded",
            className="cx-measure-card__meta",
        )
    )
    points = card.get("sparkline") or []
    if any(not is_missing(p.get("value")) for p in points):
        # The sparkline's numbers for sighted readers too: no information needs hover; the
        # analyst's detail (tests, p-values, the year-ago change) sits with them.
        footer.append(
            html.Details(
                [
                    html.Summary("Trend and statistical detail"),
                    *_analyst_detail(card, unit),
                    data_table(
                        [{"label": p["label"], "value": p.get("value")} for p in points],
                        [("label", "Quarter", None), ("value", "Value", lambda v: format_value(v, unit))],
                        caption=f"{card['name']}: last {len(points)} quarters",
                        id_prefix=f"card-{measure_id}-trend-table",
                    ),
                ],
                className="cx-details",
            )
        )
    note = card.get("commentary")
    if note:
        parts = [(head, note.get(key)) for key, head in COMMENTARY_PARTS if note.get(key)]
        footer.append(
            html.Details(
                [
                    html.Summary("Review commentary"),
                    html.Dl([item for head, text in parts for item in (html.Dt(head), html.Dd(text))],
                            className="cx-measure-card__commentary"),
                    *([html.P(f"By {note['author']}", className="cx-measure-card__meta")] if note.get("author") else []),
                ],
                className="cx-details",
                id=f"card-{measure_id}-commentary",
            )
        )
    if card.get("wording_note"):
        footer.append(html.P(card["wording_note"], className="cx-measure-card__meta", id=f"card-{measure_id}-wording-note"))
    wordings = [w for w in (card.get("wordings") or []) if w]
    if wordings or card.get("counts"):
        footer.append(
            html.Details(
                [
                    html.Summary("What it counts and the question asked" if card.get("counts") else "Question wording"),
                    *([html.P(f"Counts: {card['counts']}", className="cx-measure-card__counts")]
                      if card.get("counts") else []),
                    *([html.P("Question wording:")] if wordings and card.get("counts") else []),
                    *([html.Ul([html.Li(w) for w in wordings], className="usa-list cx-measure-card__wording")]
                      if wordings else []),
                ],
                className="cx-details",
                id=f"card-{measure_id}-definition",
            )
        )

    return html.Div(
        html.Div(
            [
                header,
                html.Div(body, className="usa-card__body"),
                html.Div(footer, className="usa-card__footer"),
            ],
            className="usa-card__container",
        ),
        id=f"card-{measure_id}",
        className="usa-card cx-measure-card",
        **{"data-status": card["status"]},
    )


def _benchmark_lines(card) -> list:
    """What this quarter's figure stands beside: every loaded agency, and performance.gov's own."""
    found = card.get("benchmarks") or []
    if not found:
        return []
    return [html.Ul([html.Li([html.Span(b["text"]), html.Span(f" ({b['detail']})", className="cx-measure-card__meta")])
                     for b in found], className="usa-list usa-list--unstyled cx-measure-card__benchmarks",
                    id=f"card-{card['measure_id']}-benchmarks")]


def _analyst_detail(card, unit) -> list:
    """Sentences for analysts: the quarter's test, the practical threshold, the year-ago change,
    and the trend over the sparkline's quarters (with its test)."""
    lines = []
    change, p = card.get("change"), card.get("p_value")
    if card.get("suppressed") or is_missing(card.get("value")):
        change = None  # nothing of a suppressed or missing quarter is shown, not even its change
    if not is_missing(change) and not is_missing(p):
        versus = card.get("prev_label") or "the previous quarter"
        verdict = "significant" if card.get("significant") else "not significant"
        lines.append(f"Change since {versus}: {format_change(change, unit)} ({verdict}, {format_p(p)}).")
    if not is_missing(card.get("practical_change")):
        size = (f"{card['practical_change'] * 100:.1f} points" if unit == "percent"
                else f"{card['practical_change']:.2f} points")
        lines.append(f"A clear change is significant and at least {size} (this measure's practical threshold).")
    if not is_missing(card.get("year_ago_change")) and not is_missing(change):
        lines.append(f"Change since {card.get('year_ago_label') or 'a year earlier'}: "
                     f"{format_change(card['year_ago_change'], unit)}.")
    if card.get("trend_takeaway"):
        lines.append(card["trend_takeaway"])
    return [html.P(line, className="cx-measure-card__detail") for line in lines]


def _value_line(card, unit, suppressed, has_value) -> html.P:
    quarter = card.get("quarter_label")
    period = [html.Span(f" {quarter}", className="cx-measure-card__period")] if quarter else []
    if suppressed:
        min_n = card.get("min_n")
        text = f"Suppressed (n < {min_n})" if min_n else "Suppressed (too few responses)"
        return html.P(
            [html.Span(text, className="cx-measure-card__suppressed"), *period],
            className="cx-measure-card__value",
        )
    if not has_value:
        last = []
        if not is_missing(card.get("last_value")):
            last.append(html.Span(f"Last known: {format_value(card['last_value'], unit)} in {card['last_label']}",
                                  className="cx-measure-card__last"))
        if card.get("next_due"):
            next_label = card.get("next_label") or "next quarter"
            last.append(html.Span(f"Next figure ({next_label}) due by {format_date(card['next_due'])}",
                                  className="cx-measure-card__due"))
        return html.P(
            [html.Span("No data", className="cx-measure-card__nodata"), *period,
             *[item for part in last for item in (html.Br(), part)]],
            className="cx-measure-card__value",
        )
    scale = [html.Span(" out of 5", className="cx-measure-card__scale")] if unit == "points" else []
    return html.P(
        [html.Span(format_value(card["value"], unit), className="cx-measure-card__number"), *scale, *period],
        className="cx-measure-card__value",
    )


def _uncertainty_line(card, unit, has_value) -> list:
    if not has_value:
        return []
    parts = []
    if not is_missing(card.get("ci_low")) and not is_missing(card.get("ci_high")):
        parts.append(
            html.Span(
                [
                    "95% ",
                    html.Abbr("CI", title="confidence interval"),
                    f" {format_interval(card['ci_low'], card['ci_high'], unit)}",
                ]
            )
        )
    if not is_missing(card.get("n")):
        if parts:
            parts.append(html.Span(" · ", **{"aria-hidden": "true"}))
        parts.append(html.Span(f"n = {format_n(card['n'])}"))
    return [html.P(parts, className="cx-measure-card__stats")] if parts else []


def _target_line(card, unit) -> html.P:
    target = card.get("target")
    if is_missing(target):
        return html.P("No target set", className="cx-measure-card__target")
    direction = {"higher": " or higher", "lower": " or lower"}.get(card.get("direction"), "")
    value = card.get("value") if not card.get("suppressed") else None
    if not is_missing(value):
        gap = f" · {gap_in_words(value, target, unit).capitalize()}"
    elif not is_missing(card.get("last_value")):
        gap = f" · Last known {gap_in_words(card['last_value'], target, unit)}"
    else:
        gap = ""
    return html.P(f"Target {format_value(target, unit)}{direction}{gap}", className="cx-measure-card__target")


def _change_line(card, unit, suppressed, has_value) -> html.P:
    change = card.get("change")
    cls = "cx-measure-card__change"
    if suppressed or not has_value:
        return html.P("No comparison this quarter", className=cls)
    if is_missing(change):
        return html.P("No previous quarter to compare", className=cls)

    # One baseline (the previous quarter) and a verdict in words; no p-value on the card's face.
    summary = change_line(card)
    clear = card.get("change_clear")
    if change_in_words(change, unit) == "no change":
        return html.P(summary, className=cls)
    arrow = "▲" if change > 0 else "▼"
    return html.P(
        [html.Span(f"{arrow} ", **{"aria-hidden": "true"}), summary],
        className=cls,
        **{"data-clear": "unknown" if clear is None else str(clear).lower()},
    )
