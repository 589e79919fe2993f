"""The line under a form that says whose name a write is recorded under (there is no author field:
the server takes the signed-in user)."""

from dash import html


def saved_as(name: str | None) -> html.P:
    return html.P(["Saved under ", html.Strong(name or "your name"), "."], className="usa-hint cx-saved-as")
