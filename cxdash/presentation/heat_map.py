"""An accessible heat map: a Plotly grid whose colour shows standing, and the same grid as a
real table, inside the chart_with_table pattern (title, takeaway, graph, "View as table").

Nothing rests on colour or hover: every cell prints its value and its status in words (with an
icon that repeats it), in the figure and in the table alike. The palette runs orange (weaker)
through near-white to purple (stronger), a diverging pair that stays apart for red-green colour
blindness; every colour keeps dark text above 4.5:1. Cells without a comparison are grey.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
from dash import html

from cxdash.dashboard.charts import FONT, INK, style
from cxdash.dashboard.components.chart_with_table import chart_with_table

# Position 0 = weakest, 1 = strongest (ColorBrewer PuOr, the dark ends left out so ink stays legible).
PALETTE = [[0.0, "#e08214"], [0.25, "#fdb863"], [0.5, "#f7f7f7"], [0.75, "#d8daeb"], [1.0, "#998ec3"]]
NEUTRAL = "#dfe1e2"
CELL_WIDTH = 96
ROW_HEIGHT = 66


@dataclass(frozen=True)
class Cell:
    """One cell: its value as text; its statuses as (icon, words) pairs, the icon repeating the
    words (hidden from screen readers, which read the words); its colour position (0 weakest ..
    1 strongest; None for no comparison, shown grey)."""
    value: str
    marks: tuple[tuple[str, str], ...] = ()
    score: float | None = None

    def lines(self) -> list[str]:
        return [self.value, *[f"{icon} {words}".strip() for icon, words in self.marks]]


def heat_map_figure(rows: list[str], columns: list[str], cells: list[list[Cell]], low: str = "Weaker",
                    high: str = "Stronger") -> go.Figure:
    """Rows top to bottom in the given order; ``columns`` may hold <br> to wrap long names."""
    x = list(range(len(columns)))
    y = list(range(len(rows)))
    scores = [[c.score for c in row] for row in cells]
    grey = [[1 if c.score is None else None for c in row] for row in cells]
    hover = [["<br>".join(c.lines()) for c in row] for row in cells]  # repeats the printed text
    fig = go.Figure([
        go.Heatmap(z=grey, x=x, y=y, colorscale=[[0, NEUTRAL], [1, NEUTRAL]], showscale=False, xgap=3, ygap=3,
                   hoverinfo="skip"),
        go.Heatmap(z=scores, x=x, y=y, zmin=0, zmax=1, colorscale=PALETTE, xgap=3, ygap=3,
                   customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                   colorbar={"tickvals": [0, 1], "ticktext": [low, high], "thickness": 14, "outlinecolor": INK,
                             "outlinewidth": 1, "ticks": ""}),
    ])
    for i, row in enumerate(cells):
        for j, cell in enumerate(row):
            lines = cell.lines()
            # A long value ('Suppressed (n < 30)') wraps before its bracket to fit the cell.
            text = f"<b>{lines[0].replace(' (', '<br>(')}</b>" + "".join(f"<br>{line}" for line in lines[1:])
            fig.add_annotation(x=j, y=i, text=text, showarrow=False, font={"family": FONT, "size": 14, "color": INK})
    # The top margin holds the column names below the graph's toolbar.
    style(fig, height=120 + ROW_HEIGHT * len(rows), legend=False, margin={"l": 10, "r": 10, "t": 80, "b": 10})
    fig.update_xaxes(tickvals=x, ticktext=columns, side="top", showgrid=False, zeroline=False, showline=False,
                     ticks="", fixedrange=True, range=[-0.5, len(columns) - 0.5])
    fig.update_yaxes(tickvals=y, ticktext=rows, autorange="reversed", showgrid=False, zeroline=False,
                     showline=False, ticks="", fixedrange=True, tickfont={"size": 15})
    return fig


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
