"""A chart with its title, its takeaway, its data as a table, and its downloads."""

from dash import dcc, html

from cxdash.dashboard.components.download_menu import download_menu
from cxdash.dashboard.components.takeaway import takeaway

DOWNLOADS = (("png", "PNG image"), ("svg", "SVG image"), ("csv", "Data (CSV)"))


def chart_with_table(
    figure, table, takeaway_sentence: str, chart_id: str, title: str, heading_level: int = 2,
    subject: str | None = None, data: list[list] | None = None,
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
    subject: what the chart shows in a few words for its file names (e.g. "trust", "backlog");
    the title when not given.
    data: the CSV download's rows (header first, units in the header, cells numbers); the
    table's text when not given.
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
                    # no mode bar: the downloads below are real buttons, and a toolbar over every chart is clutter
                    config={"displaylogo": False, "responsive": True, "displayModeBar": False},
                    responsive=True,
                    # A responsive graph fills its container; keep the height the figure asks for.
                    style={"height": f"{figure.layout.height}px"} if getattr(figure.layout, "height", None) else None,
                ),
                className="cx-chart__graph",
            ),
            downloads(chart_id, title, takeaway_sentence, table, subject, data),
            html.Details(
                [html.Summary("View as table"), table],
                className="cx-chart__table",
            ),
        ],
        className="cx-chart",
        id=f"{chart_id}-figure",
        **{"aria-labelledby": title_id, "aria-describedby": takeaway_id},
    )


def downloads(chart_id: str, title: str, takeaway_sentence: str, table, subject: str | None = None,
              data: list[list] | None = None) -> html.Div:
    """One "Download" menu (PNG for slides, SVG, the data as CSV) under the chart. The words a file
    needs are kept beside the chart (chart-spec: title, takeaway, subject, the CSV's rows; never
    the figure); a choice records the format and the page's address (chart-request, in the
    browser, so the filters are current); the server answers with the CSV, or with the image's
    footer and file name (chart-image), and the browser draws the image with Plotly's own export
    from the chart on the page (dashboard/callbacks.py, assets/zz-cxdash/chart-slide.js).
    chart-message says when a download was refused (too many at once)."""
    return html.Div(
        [
            download_menu([({"type": "chart-download", "chart": chart_id, "format": fmt}, label)
                           for fmt, label in DOWNLOADS], title),
            html.Span(id={"type": "chart-message", "chart": chart_id}, role="status",
                      className="cx-chart__downloads-message"),
            dcc.Download(id={"type": "chart-file", "chart": chart_id}),
            dcc.Store(id={"type": "chart-request", "chart": chart_id}),
            dcc.Store(id={"type": "chart-image", "chart": chart_id}),
            dcc.Store(id={"type": "chart-image-saved", "chart": chart_id}),
            dcc.Store(id={"type": "chart-spec", "chart": chart_id},
                      data={"title": title, "takeaway": takeaway_sentence, "subject": subject or title,
                            "rows": data if data is not None else table_rows(table)}),
        ],
        className="cx-chart__downloads",
    )


def table_rows(table) -> list[list[str]]:
    """The header and body cells of a data_table as text: the CSV the download gives."""
    rows = []
    for node in _walk(table):
        if getattr(node, "_type", None) == "Tr":
            rows.append([_text(cell) for cell in _children(node)])
    return rows


def _children(node) -> list:
    children = getattr(node, "children", None)
    if children is None:
        return []
    return list(children) if isinstance(children, (list, tuple)) else [children]


def _walk(node):
    yield node
    for child in _children(node):
        if not isinstance(child, (str, int, float)):
            yield from _walk(child)


def _text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if getattr(node, "aria-hidden", None) == "true":
        return ""
    return " ".join(t for t in (_text(c) for c in _children(node)) if t).strip()
