"""Freshness tag: is this panel's data fresh, late, out of date, missing or failed?"""

from dash import html

# state -> (CSS modifier, icon, words). Words and icon carry the meaning; colour repeats it.
FRESHNESS = {
    "fresh": ("on-track", "✓", "Fresh"),
    "late": ("at-risk", "▲", "Late"),
    "out_of_date": ("off-track", "✕", "Out of date"),
    "missing": ("no-data", "–", "Missing"),
    "failed": ("off-track", "✕", "Failed"),
    "unknown": ("no-data", "○", "No cadence set"),
}


def freshness_tag(state: str | None, label: str, detail: str | None = None) -> html.P:
    """'Survey data: ✕ Out of date — detail', one line per panel, so a reader knows how current
    each panel's numbers are; the state is in words beside the icon (never colour alone), and
    the detail names the data's as-of date. ``state`` None means no source feeds the panel."""
    state = state or "missing"
    if state not in FRESHNESS:
        raise ValueError(f"unknown freshness {state!r}; expected one of {sorted(FRESHNESS)}")
    modifier, icon, text = FRESHNESS[state]
    parts = [
        html.Span(f"{label}: ", className="cx-freshness__label"),
        html.Span([html.Span(icon, className="cx-status__icon", **{"aria-hidden": "true"}), html.Span(text)],
                  className=f"cx-status cx-status--{modifier}"),
    ]
    if detail:
        parts.append(html.Span(f" {detail}", className="cx-freshness__detail"))
    return html.P(parts, className="cx-freshness", **{"data-freshness": state})
