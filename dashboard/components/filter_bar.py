"""The filter bar every analysis page opens with: labelled USWDS dropdowns for quarter, provider,
service (and channel), over the choices cxdash.presentation.scorecard finds in the results."""
from __future__ import annotations

from dash import dcc, html

from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation.scorecard import Choices, Filters


def dropdown(component_id: str, label: str, options: list[dict], value: str) -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=component_id, className="usa-label", id=f"{component_id}-label"),
        dcc.Dropdown(id=component_id, options=options, value=value, clearable=False, searchable=True),
    ], className="cx-filter")


def filter_bar(available: Choices, filters: Filters, prefix: str = "filter", label: str = "Scorecard filters",
               channel: bool = True) -> html.Div:
    """Quarter, provider, service (and channel) dropdowns; ``prefix`` keeps ids unique per page."""
    everything = [{"label": "All providers", "value": ALL}] if available.all_providers else []
    dropdowns = [
        dropdown(f"{prefix}-quarter", "Fiscal quarter",
                  [{"label": FiscalQuarter.parse(q).display, "value": q} for q in available.quarters], filters.quarter),
        dropdown(f"{prefix}-provider", "Provider", everything + [{"label": p, "value": p} for p in available.providers],
                  filters.provider),
        dropdown(f"{prefix}-service", "Service", service_options(available), filters.service),
    ]
    if channel:
        dropdowns.append(dropdown(f"{prefix}-channel", "Channel", [{"label": channel_label(ALL), "value": ALL}] +
                                   [{"label": channel_label(c), "value": c} for c in available.channels],
                                   filters.channel))
    return html.Div(dropdowns, className="cx-filters", role="search", **{"aria-label": label})


def service_options(available: Choices) -> list[dict]:
    everything = [{"label": "All services", "value": ALL}] if available.all_services else []
    return everything + [{"label": s, "value": s} for s in available.services]
