"""An accessible heat map: the coloured grid (cxdash.presentation.heat_map) and the same grid as a
real table, inside the chart_with_table pattern (title, takeaway, graph, "View as table"); on a
phone, a list per column (a journey's stage) in place of the grid.

Nothing rests on colour or hover: every cell prints its value and its status in words (with an
icon that repeats it), in the figure, the table and the list alike.
"""
from __future__ import annotations

from dash import dcc, html

from cxdash.dashboard.components.chart_with_table import chart_with_table
from cxdash.presentation.formatting import MISSING
from cxdash.presentation.heat_map import Cell, colour, figure_min_width, heat_map_figure

MAX_CELL_WIDTH = 180  # px: wider cells only put the eye further from the row name


def heat_map_table(rows: list[str], columns: list[str], cells: list[list[Cell]], caption: str, id_prefix: str,
                   row_header: str, row_links: list[str | None] | None = None,
                   column_links: list[str | None] | None = None) -> html.Div:
    """The grid as a usa-table: row names as row headers, column names as column headers (links
    when given), and each cell's value and status in words, so a screen reader hears both with
    the row and column names."""
    links = row_links or [None] * len(rows)
    heads = column_links or [None] * len(columns)
    head = html.Thead(html.Tr([html.Th(row_header, scope="col")]
                              + [html.Th(html.A(c, href=link) if link else c, scope="col")
                                 for c, link in zip(columns, heads)]))
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


def heat_map_list(rows: list[str], columns: list[str], cells: list[list[Cell]], id_prefix: str,
                  column_links: list[str | None] | None = None, heading_level: int = 4,
                  empty: str = "Nothing to show.") -> html.Div:
    """The grid as one list per column (for a journey: per stage, in journey order), each item a
    row's name, the cell's value and its status in words, with the cell's colour as a bar beside
    it: what a phone shows instead of a grid too wide for it. Missing cells ('—') are left out;
    a column with none says ``empty``."""
    heading = getattr(html, f"H{min(heading_level, 6)}")
    links = column_links or [None] * len(columns)
    groups = []
    for j, (name, link) in enumerate(zip(columns, links)):
        items = []
        for i, row_name in enumerate(rows):
            cell = cells[i][j]
            if cell.value == MISSING and not cell.marks:
                continue  # a phone lists what the stage has, not every indicator it lacks
            status = [html.Span([*([html.Span(icon + " ", **{"aria-hidden": "true"})] if icon else []), words],
                                className="cx-heat__status") for icon, words in cell.marks]
            figure = html.Span([html.Span(cell.value, className="cx-heat__value"), *status],
                               className="cx-heat-list__figure")  # value and status wrap together
            items.append(html.Li([html.Span(row_name, className="cx-heat-list__name"), figure],
                                 className="cx-heat-list__item", style={"borderLeftColor": colour(cell.score)}))
        body = (html.Ul(items, className="cx-heat-list__items") if items
                else html.P(empty, className="cx-heat-list__empty"))
        groups.append(html.Section([heading(html.A(name, href=link) if link else name,
                                            className="cx-heat-list__title", id=f"{id_prefix}-list-{j}"), body],
                                   className="cx-heat-list__group", **{"aria-labelledby": f"{id_prefix}-list-{j}"}))
    return html.Div(groups, className="cx-heat-list", id=f"{id_prefix}-list")


def heat_map(rows: list[str], columns: list[str], cells: list[list[Cell]], *, title: str, takeaway_sentence: str,
             chart_id: str, caption: str, row_header: str, figure_columns: list[str] | None = None,
             figure_rows: list[str] | None = None, row_links: list[str | None] | None = None,
             column_links: list[str | None] | None = None, phone_list: bool = False,
             list_empty: str = "Nothing to show.", heading_level: int = 2, data: list[list] | None = None,
             **scale) -> html.Figure:
    """Heading, takeaway, the coloured grid and "View as table" with the same cells.

    ``figure_columns`` / ``figure_rows``: shorter names for the figure (columns may hold <br>);
    the table uses ``columns`` and ``rows``. The grid is never drawn narrower than its text needs
    (its box scrolls sideways instead). ``phone_list``: on a narrow screen, a list per column
    replaces the grid (heat_map_list; ``list_empty``: what a column without data says).
    ``data``: the CSV download's rows (chart_with_table). ``scale``: low, high: the words at the
    ends of the colour bar."""
    if any(len(row) != len(columns) for row in cells) or len(cells) != len(rows):
        raise ValueError("cells must have one row per row name and one cell per column")
    figure = heat_map_figure(figure_rows or rows, figure_columns or columns, cells, **scale)
    table = heat_map_table(rows, columns, cells, caption, chart_id, row_header, row_links, column_links)
    out = chart_with_table(figure, table, takeaway_sentence, chart_id=chart_id, title=title,
                           heading_level=heading_level, data=data)
    names = (figure_rows or rows, figure_columns or columns, cells)
    for node in _walk(out):
        if isinstance(node, dcc.Graph):  # never narrower than its text, never stretched past it
            node.style = {**(node.style or {}), "minWidth": f"{figure_min_width(*names)}px",
                          "maxWidth": f"{figure_min_width(*names, widest_cell=MAX_CELL_WIDTH)}px"}
        if getattr(node, "className", None) == "cx-chart__graph":
            node.className = "cx-chart__graph cx-heat__graph"
    out.className = f"{out.className} cx-heat"
    if phone_list:
        children = list(out.children)
        at = next(i for i, c in enumerate(children) if "cx-heat__graph" in str(getattr(c, "className", "")))
        children.insert(at + 1, heat_map_list(rows, columns, cells, chart_id, column_links, heading_level + 1,
                                               list_empty))
        out.children = children
        out.className += " cx-heat--listed"
    return out


def _walk(node):
    if isinstance(node, (list, tuple)):
        for child in node:
            yield from _walk(child)
    elif node is not None and not isinstance(node, (str, int, float)):
        yield node
        yield from _walk(getattr(node, "children", None))
