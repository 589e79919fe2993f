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


# --- one y-axis policy for trends of percentages ------------------------------------------------

MIN_PERCENT_SPAN = 20.0  # points: a percentage trend never zooms closer, so half a point never looks dramatic


def percent_axis(values) -> tuple[float, float]:
    """The y-axis range, in percent, of every trend of percentages (page charts, sparklines, chart
    images): the values, intervals and targets with a margin, at least MIN_PERCENT_SPAN points
    tall, centred on them and kept within 0-100. Bar charts of percentages start at zero."""
    shown = [float(v) for v in values if v is not None and v == v]
    if not shown:
        return 0.0, 100.0
    low, high = min(shown), max(shown)
    margin = 0.15 * max(high - low, 4.0)
    low, high = low - margin, high + margin
    if high - low < MIN_PERCENT_SPAN:
        middle = (low + high) / 2
        low, high = middle - MIN_PERCENT_SPAN / 2, middle + MIN_PERCENT_SPAN / 2
    if low < 0:
        low, high = 0.0, max(high - low, MIN_PERCENT_SPAN)
    if high > 100:
        low, high = min(low - (high - 100), 100 - MIN_PERCENT_SPAN), 100.0
    return max(low, 0.0), min(high, 100.0)


def target_steps(labels: list[str], targets: list) -> list[tuple[int, int, float]]:
    """Where a target holds on a category axis: (first index, last index, target) for each run of
    quarters with the same target (a fiscal year's), so each year's target is drawn across its
    own quarters and a new year's starts between its first quarter and the year before."""
    steps: list[tuple[int, int, float]] = []
    for i, target in enumerate(targets):
        if target is None or target != target:
            continue
        if steps and steps[-1][1] == i - 1 and steps[-1][2] == float(target):
            steps[-1] = (steps[-1][0], i, float(target))
        else:
            steps.append((i, i, float(target)))
    return steps


def add_target_steps(fig, targets: list, scale: float = 1.0, color: str = INK, width: float = 2) -> None:
    """Draw target_steps as dashed segments, half a category either side of their quarters."""
    for first, last, target in target_steps(list(range(len(targets))), targets):
        fig.add_shape(type="line", xref="x", yref="y", x0=first - 0.5, x1=last + 0.5, y0=target * scale,
                      y1=target * scale, line={"color": color, "width": width, "dash": "dash"}, layer="above")
