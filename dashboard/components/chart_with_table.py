"""A chart with its title, its takeaway and its data as a table."""

from dash import dcc, html

from dashboard.components.takeaway import takeaway


def chart_with_table(
    figure, table, takeaway_sentence: str, chart_id: str, title: str, heading_level: int = 2
) -> html.Figure:
    """Every chart in the dashboard comes as: heading, one-sentence takeaway,
    graph, and a native <details> "View as table" with the same numbers.

    <details> opens with the keyboard and without JS. dcc.Graph accepts no aria
    props, so the <figure> is named by the title and described by the takeaway
    (aria-describedby -> the takeaway's id); the table is the full text
    alternative. The graph is not wrapped in role="img": its toolbar buttons
    are interactive, and an image must not contain controls.

    table: usually data_table(...); chart_id must be unique on the page.
    heading_level: 2-6, to fit the page's heading outline.
    """
    if heading_level not in (2, 3, 4, 5, 6):
        raise ValueError("heading_level must be 2-6")
    heading = getattr(html, f"H{heading_level}")
    takeaway_id = f"{chart_id}-takeaway"
    title_id = f"{chart_id}-title"
    return html.Figure(
        [
            heading(title, id=title_id, className="cx-chart__title"),
            takeaway(takeaway_sentence, id=takeaway_id),
            html.Div(
                dcc.Graph(
                    id=chart_id,
                    figure=figure,
                    config={"displaylogo": False, "responsive": True,
                            "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendDataToCloud"]},
                    responsive=True,
                    # A responsive graph fills its container; keep the height the figure asks for.
                    style={"height": f"{figure.layout.height}px"} if getattr(figure.layout, "height", None) else None,
                ),
                className="cx-chart__graph",
            ),
            html.Details(
                [html.Summary("View as table"), table],
                className="cx-chart__table",
            ),
        ],
        className="cx-chart",
        id=f"{chart_id}-figure",
        **{"aria-labelledby": title_id, "aria-describedby": takeaway_id},
    )
