"""An accessible heat map: the coloured grid (cxdash.presentation.heat_map) and the same grid as a
real table, inside the chart_with_table pattern (title, takeaway, graph, "View as table").

Nothing rests on colour or hover: every cell prints its value and its status in words (with an
icon that repeats it), in the figure and in the table alike.
"""
from __future__ import annotations

from dash import html

from cxdash.dashboard.components.chart_with_table import chart_with_table
from cxdash.presentation.heat_map import Cell, heat_map_figure


def heat_map_table(rows: list[str], columns: list[str], cells: list[list[Cell]], caption: str, id_prefix: str,
                   row_header: str, row_links: list[str | None] | None = None) -> html.Div:
    """The grid as a usa-table: row names as row headers (links when given), and each cell's
    value and status in words, so a screen reader hears both with the row and column names."""
    links = row_links or [None] * len(rows)
    head = html.Thead(html.Tr([html.Th(row_header, scope="col")] + [html.Th(c, scope="col") for c in columns]))
    body = html.Tbody([
        html.Tr([html.Th(html.A(name, href=link) if link else name, scope="row")]
                + [html.Td(_cell(c)) for c in row])
        for name, link, row in zip(rows, links, cells)])
    table = html.Table([html.Caption(caption), head, body],
                       className="usa-table usa-table--borderless usa-table--compact cx-data-table cx-heat-table",
                       id=f"{id_prefix}-table")
    return html.Div(table, className="usa-table-container--scrollable", tabIndex="0", role="region",
                    **{"aria-label": caption})


def _cell(cell: Cell) -> list:
    out = [html.Span(cell.value, className="cx-heat__value")]
    for icon, words in cell.marks:
        hidden = [html.Span(icon + " ", **{"aria-hidden": "true"})] if icon else []
        out += [html.Br(), html.Span([*hidden, words], className="cx-heat__status")]
    return out


def heat_map(rows: list[str], columns: list[str], cells: list[list[Cell]], *, title: str, takeaway_sentence: str,
             chart_id: str, caption: str, row_header: str, figure_columns: list[str] | None = None,
             row_links: list[str | None] | None = None, heading_level: int = 2, **scale) -> html.Figure:
    """Heading, takeaway, the coloured grid and "View as table" with the same cells.

    ``figure_columns``: shorter column names for the figure (with <br>); the table uses ``columns``.
    ``scale``: low, high: the words at the ends of the colour bar."""
    if any(len(row) != len(columns) for row in cells) or len(cells) != len(rows):
        raise ValueError("cells must have one row per row name and one cell per column")
    figure = heat_map_figure(rows, figure_columns or columns, cells, **scale)
    table = heat_map_table(rows, columns, cells, caption, chart_id, row_header, row_links)
    return chart_with_table(figure, table, takeaway_sentence, chart_id=chart_id, title=title,
                            heading_level=heading_level)
