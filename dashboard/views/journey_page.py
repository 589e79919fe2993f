"""Glue between the journey-stage view functions, the database and the page."""
from __future__ import annotations

from dash import dcc, html

from cxdash.channels import ALL
from cxdash.db import queries
from cxdash.indicators import feedback
from dashboard import data
from dashboard.components import data_table, takeaway
from dashboard.context import current
from dashboard.formatting import format_indicator, format_n
from dashboard.views import data_page, journey, scorecard
from metrics.fiscal import FiscalQuarter

STAGE_LABELS = {ALL: "All stages"}
PREFIX = "journey"
FILTERS = ("quarter", "provider", "service")


def resolved_filters(query: dict) -> tuple[scorecard.Filters, scorecard.Choices]:
    raw = scorecard.Filters.from_query({**query, "channel": None})
    options = data.journey_options()
    available = scorecard.choices(options, raw.provider)
    filters = scorecard.resolve(raw, available)
    if filters.provider != raw.provider:
        available = scorecard.choices(options, filters.provider)
    return filters, available


def _service_stages(filters: scorecard.Filters) -> list[str] | None:
    catalogue = current().catalogue
    for service in catalogue.services:
        if service.provider == filters.provider and " ".join(service.name.split()) == filters.service:
            return service.stages
    return None


def content_for(filters: scorecard.Filters) -> list:
    if not filters.quarter:
        return [html.P("Nothing computed yet: load data and run 'cxdash compute'.")]
    quarter = FiscalQuarter.parse(filters.quarter)
    with current().engine.connect() as conn:
        scores = queries.scope_scores(conn, quarter.year, quarter.quarter, filters.provider, filters.service)
        indicators = queries.scope_indicators(conn, filters.provider, filters.service, quarter.year, quarter.quarter)
        employee = queries.scope_indicators(conn, filters.provider, filters.service,
                                            indicators=[k for k, _ in journey.EMPLOYEE_INDICATORS])
    table = journey.stage_table(scores, indicators, _service_stages(filters))
    health = data_page.health()
    headers = {k: (label, panel, unit) for k, label, panel, unit in journey.COLUMNS}
    shown = [c for c in table.columns if c in headers]
    panels = ["survey", "operations", "voice", "employee"]
    parts = [
        html.H2(f"By journey stage, {quarter.display}"),
        html.Div([data_page.panel_freshness(p, health) for p in panels], className="cx-freshness-list"),
        takeaway(journey.weakest_stage_sentence(table, quarter.display), id="journey-takeaway"),
    ]
    if shown:
        columns = [("stage_label", "Stage", None)] + [
            (key, headers[key][0], lambda v, unit=headers[key][2]: format_indicator(v, unit)) for key in shown]
        parts.append(data_table(table.assign(stage_label=table["stage"].map(lambda s: STAGE_LABELS.get(s, s.title()))),
                                columns, f"Survey scores and indicators by journey stage, {quarter.display}",
                                "journey-stages"))
        missing = [p for p in ("survey", "operations", "voice") if not any(headers[k][1] == p for k in shown)]
        if missing:
            parts.append(html.P("No " + ", ".join(data_page.PANEL_LABELS[p].lower() for p in missing)
                                + f" for {quarter.display} in this scope.", className="cx-footnote"))
    parts += _voice(quarter, filters)
    latest = journey.latest_employee(employee, quarter.year)
    if latest:
        parts.append(html.H3("Employee experience (all stages)"))
        parts.append(html.Ul([html.Li(f"{e['label']}: {format_indicator(e['value'], 'percent')} "
                                      f"(survey of FY{e['fiscal_year']}, {format_n(e['n'])} respondents)")
                              for e in latest]))
    return parts


def _voice(quarter: FiscalQuarter, filters: scorecard.Filters) -> list:
    """Top feedback themes of each stage with one representative comment (redacted at load)."""
    scope = {"fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter, "provider": filters.provider,
             "service": filters.service}
    with current().engine.connect() as conn:
        themes = feedback.top_themes_by_stage(conn, **scope, per_stage=2)
        if themes.empty:
            return []
        order = {s: i for i, s in enumerate(journey.stage_order(set(themes["stage"]), _service_stages(filters)))}
        themes = themes.sort_values(["stage", "items"], key=lambda c: c.map(order) if c.name == "stage" else -c)
        examples = [next(iter(feedback.verbatims(conn, int(r.theme_id), r.stage, limit=1, **scope)), None)
                    for r in themes.itertuples()]
    table = themes.assign(example=examples, stage_label=themes["stage"].map(lambda s: STAGE_LABELS.get(s, s.title())))
    return [
        html.H3("What customers say, by stage"),
        html.P("The largest themes in complaints, comments and survey free text, with one representative "
               "comment each. Personal details were removed before the text was stored.", className="cx-footnote"),
        data_table(table, [("stage_label", "Stage", None), ("label", "Theme", None), ("items", "Items", format_n),
                           ("negative_share", "Negative", lambda v: format_indicator(v, "percent")),
                           ("example", "Example (redacted)", None)],
                   f"Top feedback themes by journey stage, {quarter.display}", "journey-themes"),
    ]


def update(quarter=None, provider=None, service=None):
    """Filters -> (provider value, service options, service value, content, query string)."""
    filters, available = resolved_filters({"quarter": quarter, "provider": provider or ALL, "service": service or ALL})
    return (filters.provider, scorecard.service_options(available), filters.service,
            content_for(filters), filters.query_string())


def layout(query: dict) -> html.Div:
    filters, available = resolved_filters(query)
    return html.Div([
        html.H1("Journey stages"),
        html.P("Where in the customer's journey do people struggle? Each stage's trust and satisfaction scores "
               "beside the operational, feedback and employee indicators of the same quarter.", className="usa-intro"),
        scorecard.filter_bar(available, filters, prefix="journey", label="Journey filters", channel=False),
        html.Div(content_for(filters), id="journey-content", **{"aria-live": "polite"}),
        dcc.Store(id="journey-query"),
        dcc.Store(id="journey-query-synced"),
    ], className="cx-journey")
