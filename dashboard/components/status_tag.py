"""Status tag: on track / at risk / off track / no data / no target set."""

from dash import html

# status -> (CSS modifier, icon, visible text). The icon and the words carry the
# meaning; colour only repeats it (WCAG 1.4.1: never colour alone).
STATUSES = {
    "on_track": ("on-track", "✓", "On track"),
    "at_risk": ("at-risk", "▲", "At risk"),
    "off_track": ("off-track", "✕", "Off track"),
    "no_data": ("no-data", "–", "No data"),
    "no_target": ("no-data", "○", "No target set"),
}


def status_tag(status: str) -> html.Span:
    """A coloured tag with an icon and the status in words.

    The icon is aria-hidden (a screen reader would read "check mark"), and a
    visually hidden "Status:" prefix makes the words make sense when read alone.
    Unknown statuses raise ValueError rather than rendering a blank tag.
    """
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; expected one of {sorted(STATUSES)}")
    modifier, icon, text = STATUSES[status]
    return html.Span(
        [
            html.Span("Status: ", className="usa-sr-only"),
            html.Span(icon, className="cx-status__icon", **{"aria-hidden": "true"}),
            html.Span(text, className="cx-status__text"),
        ],
        className=f"cx-status cx-status--{modifier}",
        **{"data-status": status},
    )
