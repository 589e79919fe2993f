"""Sparkline: the small trend line on a measure card."""

import plotly.graph_objects as go
from dash import dcc, html

from cxdash.presentation.charts import add_target_steps, percent_axis
from cxdash.presentation.formatting import format_value, is_missing

INK = "#454545"  # USWDS gray-70
LAST = "#005ea2"  # USWDS primary (blue-60v)
TARGET = "#757575"  # USWDS gray-50, 4.6:1 on white
FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif"
HEIGHT = 60
LABEL_ROOM = 52  # px right of the plot for the last point's label ("100.0%")


def sparkline_figure(points, unit: str, target=None) -> go.Figure:
    """A 60 px line of the last quarters, without axes, for a glance at the trend.

    points: [{"label": "FY2022 Q1", "value": 0.81 or None}, ...] oldest first.
    None leaves a gap (a missing quarter is not a zero). The last point is
    labelled with its value and a dashed line marks the target (each fiscal
    year's, where points carry "target"; else ``target`` across), so the figure
    reads with staticPlot (no hover). Percentages follow charts.percent_axis.
    """
    labels = [p["label"] for p in points]
    values = [None if is_missing(p.get("value")) else float(p["value"]) for p in points]
    present = [i for i, v in enumerate(values) if v is not None]

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=values,
            mode="lines+markers",
            connectgaps=False,
            line={"color": INK, "width": 2},
            marker={"color": INK, "size": 5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if present:
        last = present[-1]
        fig.add_trace(
            go.Scatter(
                x=[labels[last]],
                y=[values[last]],
                mode="markers+text",
                text=[format_value(values[last], unit)],
                textposition="middle right",
                textfont={"color": "#1b1b1b", "size": 13, "family": FONT},
                marker={"color": LAST, "size": 8},
                cliponaxis=False,
                hoverinfo="skip",
                showlegend=False,
            )
        )

    lows_highs = [v for v in values if v is not None]
    targets = [p.get("target") for p in points]
    if any(t is not None and not is_missing(t) for t in targets):  # each fiscal year's target, as a step
        add_target_steps(fig, [None if t is None or is_missing(t) else float(t) for t in targets],
                         color=TARGET, width=1)
        lows_highs += [float(t) for t in targets if t is not None and not is_missing(t)]
    elif target is not None and not is_missing(target):
        lows_highs.append(float(target))
        fig.add_hline(y=float(target), line={"color": TARGET, "width": 1, "dash": "dash"})
    if lows_highs and unit == "percent":  # the one policy for percentage trends (charts.percent_axis)
        lo, hi = percent_axis(v * 100 for v in lows_highs)
        fig.update_yaxes(range=[lo / 100, hi / 100])
    elif lows_highs:
        lo, hi = min(lows_highs), max(lows_highs)
        pad = (hi - lo) * 0.15 or 0.05
        fig.update_yaxes(range=[lo - pad, hi + pad])
    fig.update_xaxes(range=[-0.2, max(len(labels) - 1, 0) + 0.2])
    fig.update_xaxes(visible=False, fixedrange=True, type="category")
    fig.update_yaxes(visible=False, fixedrange=True)
    fig.update_layout(
        height=HEIGHT,
        # No axes, so no margin but room on the right for the last value's label.
        margin={"l": 4, "r": LABEL_ROOM, "t": 4, "b": 4},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode=False,
        font={"family": FONT},
    )
    return fig


def sparkline(points, unit: str, target=None, id: str | None = None) -> html.Div:  # noqa: A002
    """The sparkline block: a static graph plus the same values as a visually
    hidden list, so no information needs hover or sight. The visible range line
    says which quarters the line spans."""
    valid = [p for p in points if not is_missing(p.get("value"))]
    root_kwargs = {"id": id} if id else {}
    if not valid:
        return html.Div(
            html.P("No trend data yet", className="cx-sparkline__empty"),
            className="cx-sparkline",
            **root_kwargs,
        )
    graph_kwargs = {"id": f"{id}-graph"} if id else {}
    summary = "Trend by quarter" + (
        f", target {format_value(target, unit)}" if target is not None and not is_missing(target) else ""
    )
    return html.Div(
        [
            html.Div(
                dcc.Graph(
                    figure=sparkline_figure(points, unit, target),
                    config={"staticPlot": True, "displayModeBar": False},
                    # fit the card's width (the figure's fixed height would otherwise
                    # make dcc.Graph use plotly's default 700 px width)
                    responsive=True,
                    style={"height": f"{HEIGHT}px", "width": "100%"},
                    **graph_kwargs,
                ),
                className="cx-sparkline__graph",
                **{"aria-hidden": "true"},
            ),
            html.P(
                f"{points[0]['label']} – {points[-1]['label']}",
                className="cx-sparkline__range",
                **{"aria-hidden": "true"},
            ),
            html.Div(
                [
                    html.P(summary + ":"),
                    html.Ul([html.Li(f"{p['label']}: {_spoken(p.get('value'), unit)}") for p in points]),
                ],
                className="usa-sr-only",
            ),
        ],
        className="cx-sparkline",
        **root_kwargs,
    )


def _spoken(value, unit: str) -> str:
    return "no data" if is_missing(value) else format_value(value, unit)
