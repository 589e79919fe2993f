"""Glue between the scorecard view functions and the app's cached data, and the page's layout."""
from __future__ import annotations

from dash import dcc, html

from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.dashboard import data
from cxdash.dashboard.components import bottom_line_table, chart_with_table, data_table, filter_bar, measure_card, takeaway
from cxdash.dashboard.components.page_export import page_export
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import benchmark, bottom_line, scorecard
from cxdash.presentation.takeaways import status_summary


def resolved_filters(query: dict) -> tuple[scorecard.Filters, scorecard.Choices]:
    return scorecard.resolved_query(query, data.options(), scope=data.scope())


def content_for(filters: scorecard.Filters) -> list:
    ctx = current()
    if not ctx.catalogue.measures:
        return no_measures()
    if filters.provider == scorecard.NOTHING_GRANTED:
        return [html.P("You have not been granted any provider or service with results yet: ask an administrator "
                       "to grant you the providers you work on.", className="usa-alert__text", id="scorecard-no-grant")]
    if not filters.quarter:
        return [html.P("No computed results yet: load data and run 'cxdash compute'.", className="usa-alert__text")]
    results = data.scope_results(filters.provider, filters.service, filters.channel)
    sections = scorecard.build_cards(ctx.catalogue, results, filters, data.survey_as_of())
    quarter = FiscalQuarter.parse(filters.quarter)
    benchmark.attach(scorecard.all_cards(sections), ctx.catalogue, quarter, data.benchmark_counts(),
                     data.published_values(), data.scope())
    notes = data.review_commentary(quarter)
    for card in scorecard.all_cards(sections):
        card["commentary"] = notes.get(card["measure_id"])
    return render_content(sections, filters)


def no_measures() -> list:
    """A catalog with services but no survey measures yet (a city with case records before its
    first survey): say so, rather than that nothing was computed, and point to the case indicators."""
    return [html.P(["The catalog defines no survey measures yet, so there is nothing to score here. "
                    "Each service's case indicators (volume, time to complete, backlog) are on the ",
                    dcc.Link("Operations page", href="/operations"), "."],
                   className="usa-alert__text", id="scorecard-no-measures")]


def survey_freshness(filters: scorecard.Filters) -> html.P:
    """How current the survey data are for the quarter shown (judged on the data's as-of date)."""
    shown_until = FiscalQuarter.parse(filters.quarter).end if filters.quarter else None
    return data_page.panel_freshness("survey", shown_until=shown_until)


def layout(query: dict) -> html.Div:
    filters, available = resolved_filters(query)
    ctx = current()
    return html.Div([
        html.H1("CX scorecard", className="cx-page-title"),
        html.P(f"{ctx.catalogue.agency}: measures derived from mission goals, against their targets. "
               "Change the filters to see a provider, a service or a channel; the address bar keeps the view, "
               "so a link reproduces it.", className="usa-intro"),
        html.Div(survey_freshness(filters), id="scorecard-freshness"),
        filter_bar(available, filters),
        page_export("scorecard"),
        html.Div(content_for(filters), id="scorecard-content", **{"aria-live": "polite"}),
        dcc.Store(id="scorecard-query"),
        dcc.Store(id="scorecard-query-synced"),
    ], className="cx-scorecard")


def render_content(sections: list[dict], filters: scorecard.Filters) -> list:
    """Everything below the filters: summary chart with takeaway and table, then cards by goal."""
    quarter = FiscalQuarter.parse(filters.quarter)
    cards = scorecard.all_cards(sections)
    summary = status_summary(cards, quarter.display)
    if not cards:
        return [takeaway(summary, id="scorecard-takeaway")]
    scope = ", ".join(v for v in (
        None if filters.provider == ALL else filters.provider,
        None if filters.service == ALL else filters.service,
        channel_label(filters.channel)) if v)
    previous = quarter.previous().display
    content = [
        html.P(f"Showing {quarter.display} · {scope}", className="cx-scope", id="scorecard-scope"),
        bottom_line_table(
            bottom_line.rows(cards), bottom_line.sentence(cards, quarter.display, previous),
            caption=f"Every measure in {quarter.display}, worst first: status, value, target, gap, change since "
                    f"{previous}, owner and the review's why and what next",
            id_prefix="bottom-line"),
    ]
    for section in sections:
        block = [html.H2(section["name"], id=f"goal-{section['id']}", className="cx-goal__title")]
        if section["description"]:
            block.append(html.P(section["description"], className="cx-goal__description"))
        for objective in section["objectives"]:
            block.append(html.H3(f"Objective: {objective['name']}", className="cx-objective__title"))
            block.append(html.Div([measure_card(c) for c in objective["cards"]], className="cx-card-grid"))
        content.append(html.Section(block, className="cx-goal", **{"aria-labelledby": f"goal-{section['id']}"}))
    content.append(chart_with_table(
        scorecard.status_figure(cards),
        data_table(scorecard.status_table_rows(cards), [("status", "Status", None), ("count", "Measures", None)],
                   caption=f"Measures by status, {quarter.display}", id_prefix="status-table"),
        summary, chart_id="scorecard-status", title="Where the measures stand against target",
        subject="measure status", data=[["Status", "Measures (count)"],
                                        *[[r["status"], r["count"]] for r in scorecard.status_table_rows(cards)]],
    ))
    content.append(html.Details([
        html.Summary("View all measures as a table"),
        data_table(scorecard.table_rows(cards), scorecard.TABLE_COLUMNS, caption=f"All measures, {quarter.display}",
                   id_prefix="scorecard-table"),
    ], className="cx-details", id="scorecard-table-details"))
    return content
