"""The "Export this page to PowerPoint" button: one per page that offers a short deck of itself,
with the download it fills and a status line saying what happened (dashboard/views/page_export.py
makes the deck on the server from the page's filters)."""
from __future__ import annotations

from dash import dcc, html


def page_export(prefix: str) -> html.Div:
    return html.Div([
        html.Button("Export this page to PowerPoint", id=f"{prefix}-pptx", n_clicks=0, type="button",
                    className="usa-button usa-button--outline usa-button--small cx-page-export__button"),
        html.Span(id=f"{prefix}-pptx-message", role="status", className="cx-page-export__message"),
        dcc.Download(id=f"{prefix}-pptx-file"),
    ], className="cx-page-export")
