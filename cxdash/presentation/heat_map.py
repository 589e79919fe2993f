"""The heat map's figure: a Plotly grid whose colour shows standing. The page wraps it with the same
grid as a real table (dashboard/components/heat_map.py); the review deck draws it as a picture,
so it lives here, free of Dash.

Nothing rests on colour or hover: every cell prints its value and its status in words (with an
icon that repeats it), in the figure as in the page's table. The palette runs orange (weaker)
through near-white to purple (stronger), a diverging pair that stays apart for red-green colour
blindness; every colour keeps dark text above 4.5:1. Cells without a comparison are grey.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from cxdash.presentation.charts import FONT, INK, style

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
