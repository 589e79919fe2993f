"""Skip link: the first focusable element on every page."""

from dash import html


def skip_link(target_id: str = "main-content") -> html.A:
    """Lets keyboard and screen-reader users jump past the banner and navigation
    (WCAG 2.4.1). The page's <main> must carry id=target_id; USWDS's JS moves
    focus to it, and without JS the browser still scrolls to the anchor."""
    return html.A("Skip to main content", href=f"#{target_id}", className="usa-skipnav")
