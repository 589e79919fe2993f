"""Glue between the journey-stage view functions, the database and the page: filters (and the
stage) from the URL, cached reads of the computed tables, the heat-map overview and the
drill-down into one stage. One catalogue service at a time (dashboard/views/service_scope.py):
never a pool of unrelated services' stages."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from cxdash.channels import ALL
from cxdash.dashboard import data
from cxdash.dashboard.components import data_table, dropdown, filter_bar, service_options, takeaway
from cxdash.dashboard.components.heat_map import heat_map
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page, service_scope
from cxdash.db import journey_queries, queries
from cxdash.exports import chart_data
from cxdash.exports.chart_data import Column
from cxdash.indicators import feedback
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import journey, scorecard
from cxdash.presentation.formatting import format_indicator, format_n, scale_notes

PREFIX = "journey"
FILTERS = ("quarter", "provider", "service", "stage")
EXTRA_OUTPUTS = (("stage", "options"), ("stage", "value"))  # the stage list is the chosen service's own
PANELS = ["survey", "operations", "voice", "employee"]
THEMES_PER_STAGE = 5


# --- cached reads (keyed by the compute version) ---------------------------------------------

@data.cache.memoize()
def _stages(version: str, provider: str, service: str) -> list[str]:
    return journey_queries.journey_stages(current().engine, provider, service)


@data.cache.memoize()
def _scores(version: str, fiscal_year: int, fiscal_quarter: int, provider: str, service: str) -> pd.DataFrame:
    return journey_queries.stage_scores(current().engine, fiscal_year, fiscal_quarter, provider, service)


@data.cache.memoize()
def _indicators(version: str, fiscal_year: int, fiscal_quarter: int, provider: str, service: str) -> pd.DataFrame:
    return queries.scope_indicators(current().engine, provider, service, fiscal_year, fiscal_quarter)


@data.cache.memoize()
def _employee(version: str, provider: str, service: str) -> pd.DataFrame:
    return queries.scope_indicators(current().engine, provider, service,
                                    indicators=[k for k, _ in journey.EMPLOYEE_INDICATORS])


@data.cache.memoize()
def _by_channel(version: str, fiscal_year: int, fiscal_quarter: int, provider: str, service: str,
                stage: str) -> pd.DataFrame:
    return journey_queries.stage_channel_indicators(current().engine, fiscal_year, fiscal_quarter, provider,
                                                    service, stage)


# --- filters ---------------------------------------------------------------------------------

def resolved_filters(query: dict, version: str | None = None) -> tuple[scorecard.Filters, scorecard.Choices]:
    """Quarter, provider and one catalogue service from the URL or the dropdowns; without a
    service, the one furthest off track (service_scope.resolved); unknown values fall back."""
    return service_scope.resolved(query, data.journey_options(), version)


def service_stages(filters: scorecard.Filters, version: str) -> list[str]:
    """The service's stages with any computed value, in journey order ('all' left out)."""
    if filters.service == ALL:
        return []
    found = _stages(version, filters.provider, filters.service)
    return [s for s in journey.stage_order(found, scorecard.service_stages(current().catalogue, filters)) if s != ALL]


def resolved_stage(query: dict, version: str, filters: scorecard.Filters) -> str:
    """A stage of the service with any computed value, else 'all' (the overview)."""
    stage = query.get("stage")
    return stage if stage in service_stages(filters, version) else ALL



def _link(path: str, filters: scorecard.Filters, stage: str = ALL) -> str:
    return journey.href(path, filters.quarter, filters.provider, filters.service, stage)


# --- content ---------------------------------------------------------------------------------

def _assessed(filters: scorecard.Filters, quarter: FiscalQuarter, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the scope's scores, its stage x indicator cells with standing and status)."""
    ctx = current()
    min_n = ctx.catalogue.settings.min_n
    scores = _scores(version, quarter.year, quarter.quarter, filters.provider, filters.service)
    indicators = _indicators(version, quarter.year, quarter.quarter, filters.provider, filters.service)
    cells = journey.stage_cells(scores, indicators, scorecard.service_stages(current().catalogue, filters), min_n)
    if cells.empty:
        return scores, cells
    targets = journey.catalogue_targets(ctx.catalogue, filters.provider, filters.service, quarter.year)
    return scores, journey.assess(cells, targets)


def content_for(filters: scorecard.Filters, stage: str = ALL, version: str | None = None) -> list:
    if not filters.quarter:
        return [html.P("Nothing computed yet: load data and run 'cxdash compute'.")]
    version = version or data.data_version()
    quarter = FiscalQuarter.parse(filters.quarter)
    scores, assessed = _assessed(filters, quarter, version)
    scope = " · ".join([quarter.display, filters.provider, filters.service, journey.stage_label(stage)])
    health = data_page.health()
    parts = [html.P(f"Showing {scope}", className="cx-scope", id="journey-scope"),
             html.Div([data_page.panel_freshness(p, health) for p in PANELS], className="cx-freshness-list")]
    parts += [html.P(note, className="cx-footnote", id="journey-scale-note")
              for note in scale_notes(scores, label=lambda q: journey.question_label(q, current().catalogue.labels))]
    if stage == ALL:
        note = journey.backlog_as_of_note(
            _indicators(version, quarter.year, quarter.quarter, filters.provider, filters.service), quarter.display)
        parts += _overview(filters, quarter, assessed, note)
        parts += _voice(quarter, filters)
    else:
        parts += _drill_down(filters, quarter, stage, scores, assessed, version)
    parts += _employee_section(filters, quarter, version)
    return parts


def stage_data(assessed: pd.DataFrame, stages: list[str], shown: list) -> list[list]:
    """The heat map's CSV: a row per stage, a number per indicator with its unit in the header
    (empty where the page shows none or suppresses it), then each indicator's status."""
    by = {(r.stage, r.key): r for r in assessed.itertuples(index=False)}
    records = []
    for stage in stages:
        record = {"stage": journey.stage_label(stage)}
        for i in shown:
            row = by.get((stage, i.key))
            record[i.key] = None if row is None or row.suppressed else row.value
            record[f"{i.key}_status"] = None if row is None or pd.isna(row.status) else str(row.status).replace("_", " ")
        records.append(record)
    columns = [Column("stage", "Stage")]
    columns += [chart_data.unit_column(i.key, journey.indicator_name(i.key), i.unit) for i in shown]
    columns += [Column(f"{i.key}_status", f"{journey.indicator_name(i.key)}: status") for i in shown]
    return chart_data.rows(records, columns, suppressed=None)


def _overview(filters: scorecard.Filters, quarter: FiscalQuarter, assessed: pd.DataFrame,
              backlog_note: str | None = None) -> list:
    """The heat map of every stage, with ``backlog_note`` (the day the backlog was counted on,
    where the data end within the quarter) right under it."""
    min_n = current().catalogue.settings.min_n
    sentence = journey.weakest_stage_sentence(assessed, quarter.display, min_n)
    parts = [html.H2(f"{filters.service}: the journey by stage, {quarter.display}", className="cx-journey__title",
                     id="journey-overview-title")]
    stages, shown, grid = journey.heat_grid(assessed, min_n)
    if not stages:
        return parts + [takeaway(sentence, id="journey-takeaway")]
    links = [None if s == ALL else _link("/journey", filters, s) for s in stages]
    # Stages run left to right in journey order, one indicator a row: a service's few stages fit
    # across any screen, and a phone gets a list per stage instead.
    parts.append(heat_map(
        [i.header for i in shown], [journey.stage_label(s) for s in stages], journey.by_indicator(grid),
        title="Where each stage stands, indicator by indicator", takeaway_sentence=sentence,
        chart_id="journey-stages",
        caption=f"Survey scores and indicators of {filters.service} by journey stage, {quarter.display}",
        row_header="Indicator", figure_rows=[journey.indicator_name(i.key) for i in shown],
        column_links=links, phone_list=True,
        list_empty="No survey scores or indicators at this stage.", heading_level=3, low="Weakest",
        data=stage_data(assessed, stages, shown),
        high="Strongest"))
    parts.append(html.P(
        "Color compares each stage of this service with its other stages on the same indicator (orange weaker, "
        "purple stronger, gray not compared); lower is better for time, backlog, abandoned calls, speed of answer "
        "and negative feedback. Where the catalog sets a target, the status is against the target.",
        className="cx-footnote"))
    if backlog_note:
        parts.append(html.P(backlog_note, className="cx-footnote", id="journey-backlog-as-of"))
    used = journey.targets_used(assessed, quarter.year)
    if used:
        parts.append(html.Ul([html.Li(t) for t in used], className="cx-journey__targets", id="journey-targets"))
    stage_links = [html.Li(html.A(journey.stage_label(s), href=link)) for s, link in zip(stages, links) if link]
    parts.append(html.Nav([html.H3("Open one stage", id="journey-stage-links-title"),
                           html.Ul(stage_links, className="cx-journey__stages", id="journey-stage-links")],
                          **{"aria-labelledby": "journey-stage-links-title"}))
    missing = [p for p in ("survey", "operations", "voice") if not any(i.panel == p for i in shown)]
    if missing:
        names = [data_page.PANEL_LABELS[p].lower() for p in missing]
        parts.append(html.P(f"No {' or '.join(names)} for {quarter.display} in this scope.", className="cx-footnote"))
    return parts


def _drill_down(filters: scorecard.Filters, quarter: FiscalQuarter, stage: str, scores: pd.DataFrame,
                assessed: pd.DataFrame, version: str) -> list:
    min_n = current().catalogue.settings.min_n
    label = journey.stage_label(stage)
    parts = [
        html.H2(f"The {label} stage, {quarter.display}", className="cx-journey__title"),
        html.P(html.A("Back to all stages", href=_link("/journey", filters)), className="cx-journey__back"),
        takeaway(journey.stage_sentence(assessed, stage, quarter.display, min_n), id="journey-stage-takeaway"),
    ]
    rows = journey.stage_rows(assessed, stage, min_n) if not assessed.empty else []
    if rows:
        parts += [html.H3("Indicators at this stage"),
                  data_table(rows, journey.STAGE_COLUMNS, f"Indicators at the {label} stage, {quarter.display}, "
                             "with the status against target or against the other stages", "journey-stage")]
    questions = journey.question_rows(scores, stage, min_n, current().catalogue.labels) if not scores.empty else []
    parts.append(html.H3("Survey questions at this stage"))
    if questions:
        parts.append(data_table(questions, journey.QUESTION_COLUMNS,
                                f"Survey questions at the {label} stage, {quarter.display}", "journey-questions"))
    else:
        parts.append(html.P(f"No survey responses at the {label} stage for {quarter.display} in this scope."))
    channel_rows, columns = journey.channel_table(
        _by_channel(version, quarter.year, quarter.quarter, filters.provider, filters.service, stage), min_n)
    parts.append(html.H3("Indicators by channel"))
    parts.append(html.P(journey.channel_sentence(channel_rows, columns, stage, quarter.display)))
    if channel_rows:
        parts.append(data_table(channel_rows, columns, f"Indicators at the {label} stage by channel, {quarter.display}",
                                "journey-channels"))
    parts += _stage_voice(quarter, filters, stage, min_n)
    parts.append(html.Nav([
        html.H3("Look further", id="journey-onward-title"),
        html.Ul([
            html.Li(html.A("Operations: time to complete, backlog and the contact center",
                           href=_link("/operations", filters), className="usa-link")),
            html.Li(html.A(f"Customer voice: themes and comments at the {label} stage",
                           href=_link("/voice", filters, stage), className="usa-link")),
            html.Li(html.A("Service drivers: what moves trust and satisfaction", href=_link("/service", filters),
                           className="usa-link")),
        ], id="journey-onward", className="cx-journey__onward"),
    ], **{"aria-labelledby": "journey-onward-title"}))
    return parts


def _scope(quarter: FiscalQuarter, filters: scorecard.Filters) -> dict:
    return {"fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter, "provider": filters.provider,
            "service": filters.service}


def _stage_voice(quarter: FiscalQuarter, filters: scorecard.Filters, stage: str, min_n: int) -> list:
    """The largest themes at one stage with one representative comment each (redacted at load)."""
    scope = _scope(quarter, filters)
    with current().engine.connect() as conn:
        themes = feedback.top_themes(conn, quarter.year, quarter.quarter, filters.provider, filters.service, stage,
                                     limit=THEMES_PER_STAGE)
        examples = [next(iter(feedback.verbatims(conn, int(r.theme_id), stage, limit=1, **scope)), None)
                    for r in themes.itertuples()]
    label = journey.stage_label(stage)
    if themes.empty:
        return [html.H3("What customers say at this stage"),
                html.P(f"No feedback at the {label} stage for {quarter.display} in this scope.")]
    return [
        html.H3("What customers say at this stage"),
        html.P("The largest themes in complaints, comments and survey free text, with one representative comment "
               "each. Personal details were removed before the text was stored.", className="cx-footnote"),
        data_table(journey.theme_rows(themes, examples, min_n), journey.THEME_COLUMNS,
                   f"Top feedback themes at the {label} stage, {quarter.display}", "journey-stage-themes"),
    ]


def _voice(quarter: FiscalQuarter, filters: scorecard.Filters) -> list:
    """Top feedback themes of each stage with one representative comment (redacted at load)."""
    scope = _scope(quarter, filters)
    with current().engine.connect() as conn:
        themes = feedback.top_themes_by_stage(conn, **scope, per_stage=2)
        if themes.empty:
            return []
        stages = journey.stage_order(set(themes["stage"]), scorecard.service_stages(current().catalogue, filters))
        order = {s: i for i, s in enumerate(stages)}
        themes = themes.sort_values(["stage", "items"], key=lambda c: c.map(order) if c.name == "stage" else -c)
        examples = [next(iter(feedback.verbatims(conn, int(r.theme_id), r.stage, limit=1, **scope)), None)
                    for r in themes.itertuples()]
    min_n = current().catalogue.settings.min_n
    table = [{"stage_label": journey.stage_label(r.stage), **row}
             for r, row in zip(themes.itertuples(index=False), journey.theme_rows(themes, examples, min_n))]
    return [
        html.H3("What customers say, by stage"),
        html.P("The largest themes in complaints, comments and survey free text, with one representative "
               "comment each. Personal details were removed before the text was stored.", className="cx-footnote"),
        data_table(table, [("stage_label", "Stage", None), *journey.THEME_COLUMNS],
                   f"Top feedback themes by journey stage, {quarter.display}", "journey-themes"),
    ]


def _employee_section(filters: scorecard.Filters, quarter: FiscalQuarter, version: str) -> list:
    latest = journey.latest_employee(_employee(version, filters.provider, filters.service), quarter.year)
    title = "Employee experience (all stages)"
    if not latest and filters.service != ALL:  # a unit mapped to the whole provider serves all its services
        latest = journey.latest_employee(_employee(version, filters.provider, ALL), quarter.year)
        title = f"Employee experience at {filters.provider} (all its services and stages)"
    if not latest:
        return []
    return [html.H3(title),
            html.Ul([html.Li(f"{e['label']}: {format_indicator(e['value'], 'percent')} "
                             f"(survey of FY{e['fiscal_year']}, {format_n(e['n'])} respondents)")
                     for e in latest], id="journey-employee")]


# --- callback and layout ---------------------------------------------------------------------

def update(quarter=None, provider=None, service=None, stage=None):
    """Filters -> (provider value, service options, service value, content, query string, stage
    options, stage value)."""
    version = data.data_version()
    filters, available = resolved_filters({"quarter": quarter, "provider": provider or ALL,
                                           "service": service or ALL}, version)
    stage = resolved_stage({"stage": stage}, version, filters)
    return (filters.provider, service_options(available), filters.service,
            content_for(filters, stage, version),
            journey.query_string(filters.quarter, filters.provider, filters.service, stage),
            stage_options(filters, version), stage)


def stage_options(filters: scorecard.Filters, version: str) -> list[dict]:
    """The stage dropdown: the overview, then the chosen service's stages in journey order."""
    return [{"label": "All stages (overview)", "value": ALL}] + [
        {"label": journey.stage_label(s), "value": s} for s in service_stages(filters, version)]


def _filter_bar(available: scorecard.Choices, filters: scorecard.Filters, stage: str, version: str) -> html.Div:
    bar = filter_bar(available, filters, prefix=PREFIX, label="Journey filters", channel=False)
    bar.children.append(dropdown(f"{PREFIX}-stage", "Journey stage", stage_options(filters, version), stage))
    return bar


def layout(query: dict) -> html.Div:
    version = data.data_version()
    filters, available = resolved_filters(query, version)
    stage = resolved_stage(query, version, filters)
    return html.Div([
        html.H1("Journey stages"),
        html.P("Where in one service's journey do people struggle? Each stage's survey scores beside the "
               "operational and feedback indicators of the same quarter, judged against targets or against the "
               "service's other stages; choose a stage to see it in detail.", className="usa-intro"),
        html.P(service_scope.ONE_SERVICE_NOTE, className="cx-footnote", id="journey-one-service"),
        _filter_bar(available, filters, stage, version),
        html.Div(content_for(filters, stage, version), id="journey-content", **{"aria-live": "polite"}),
        # The resolved filters, written into the address on arrival (callbacks._SYNC_URL): a
        # default service is named in the link, so a copied link and Back reopen it.
        dcc.Store(id="journey-query", data=journey.query_string(filters.quarter, filters.provider,
                                                                filters.service, stage)),
        dcc.Store(id="journey-query-synced"),
    ], className="cx-journey")
