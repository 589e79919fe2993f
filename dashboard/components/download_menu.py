"""One compact "Download" menu: a single USWDS outline button that opens a short list of formats.

A native <details>/<summary> holds it, so it opens with Enter or Space and without JavaScript, and
Tab walks its items; assets/zz-cxdash/download-menu.js adds what a menu is expected to do besides
(Escape closes it and gives focus back to the button; choosing an item or clicking elsewhere
closes it). One button per chart instead of three keeps the page calm and the chart in view.
"""
from __future__ import annotations

from collections.abc import Sequence

from dash import html


def download_menu(items: Sequence[tuple[dict | str, str]], what: str, label: str = "Download",
                  menu_id: str | None = None) -> html.Details:
    """items: (button id, visible label) per format; ``what`` completes the button's and each
    item's accessible name ("Download <what> as PNG image"), since several menus share a page."""
    extra = {"id": menu_id} if menu_id else {}
    return html.Details([
        html.Summary([label, html.Span(f" {what}", className="usa-sr-only")],
                     className="usa-button usa-button--outline usa-button--small cx-download__button"),
        html.Ul([html.Li(html.Button(text, id=item_id, n_clicks=0, type="button",
                                     className="usa-button usa-button--unstyled cx-download__item",
                                     **{"aria-label": f"{label} {what} as {text}"}))
                 for item_id, text in items], className="usa-list usa-list--unstyled cx-download__menu"),
    ], className="cx-download", **extra)
