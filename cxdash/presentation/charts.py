"""One look for every Plotly chart: USWDS type, colours with enough contrast, no clutter.

Charts add meaning by text as well as colour (labels on bars, words in heat-map cells), so a
chart printed in grey or read by a screen reader (through its table) loses nothing.
"""
from __future__ import annotations

FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"
INK = "#1b1b1b"
GRID = "#dfe1e2"
# USWDS system colours, dark enough for 3:1 against white (WCAG 1.4.11 for graphics).
PRIMARY = "#005ea2"    # blue-60v
SECONDARY = "#d83933"  # red-50v
ACCENT = "#00a398"     # mint-50v (use with a label or pattern, never alone)
MUTED = "#71767a"      # gray-50
SERIES = ["#005ea2", "#d54309", "#008817", "#8168b3", "#936f38", "#1a4480", "#b50909", "#4d8055"]
BETTER = "#008817"     # green-cool-50v
WORSE = "#b50909"      # red-60v


def style(fig, height: int | None = None, legend: bool = True, margin: dict | None = None):
    """Apply the house layout in place and return the figure."""
    fig.update_layout(
        height=height, plot_bgcolor="white", paper_bgcolor="white",
        font={"family": FONT, "size": 15, "color": INK},
        margin=margin or {"l": 10, "r": 30, "t": 40, "b": 40},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(gridcolor=GRID, linecolor=INK, automargin=True)
    fig.update_yaxes(gridcolor=GRID, linecolor=INK, automargin=True)
    return fig
