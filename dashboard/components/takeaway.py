"""The one-sentence takeaway shown above every chart."""

from dash import html


def takeaway(sentence: str, id: str | None = None) -> html.P:  # noqa: A002 - Dash's prop name
    """Say what the chart shows in words first, so a reader who cannot (or does
    not want to) read the chart gets the point. Give it an id when a chart
    refers to it with aria-describedby."""
    if not sentence or not str(sentence).strip():
        raise ValueError("a takeaway needs a sentence")
    kwargs = {"id": id} if id else {}
    return html.P(sentence, className="cx-takeaway", **kwargs)
