"""Glue between the operations view functions, the cached indicator reads and the page."""
from __future__ import annotations

from dash import dcc, html

from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, filter_bar, service_options, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page, operations, service_scope
from cxdash.db import operations_queries, queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import one_service, scorecard

PREFIX = "operations"
FILTERS = ("quarter", "provider", "service", "channel")


@data.cache.memoize()
def _options(version: str):
    return operations_queries.indicator_options(current().engine, list(operations.INDICATORS))


@data.cache.memoize()
def _cells(version: str, provider: str, service: str):
    return operations_queries.scope_cells(current().engine, provider, service, operations.READ)


def cells(provider: str, service: str):
    return _cells(data.data_version(), provider, service).copy()


def resolved_filters(query: dict) -> tuple[scorecard.Filters, scorecard.Choices]:
    """Filters from the URL: one catalogue service with indicators (service_scope.resolved: never a
    pool of unrelated services, never a city department the catalogue does not name), by default the
    one furthest off track. Quarters and channels stay global (the callback cannot change their
    dropdowns); a scope without data for them says so in words."""
    version = data.data_version()
    return service_scope.resolved(query, _options(version), version, channel=True)



def _card(card: dict) -> html.Li:
    parts = [html.P(card["label"], className="cx-op-card__label"),
             html.P(card["value_text"], className="cx-op-card__value")]
    if card["change_text"]:
        change = card["change"]
        arrow = "–" if change is None or card["change_text"].startswith("No change") else ("▲" if change > 0 else "▼")
        parts.append(html.P([html.Span(arrow, className="cx-op-card__arrow", **{"aria-hidden": "true"}), " ",
                             card["change_text"]],
                            className=f"cx-op-card__change cx-op-card__change--{card['judgement'] or 'neutral'}"))
    if card["n_text"]:
        parts.append(html.P(card["n_text"], className="cx-op-card__n"))
    return html.Li(parts, className="cx-op-card", id=f"operations-kpi-{card['indicator']}",
                   **{"data-suppressed": "true" if card["suppressed"] else "false"})


def _headline(frame, quarter: FiscalQuarter, channel: str, min_n: int) -> list:
    cards = operations.headline(frame, quarter, channel, min_n)
    parts = [html.H2(f"Key indicators, {quarter.display}", id="operations-headline-title")]
    for group, title, keys, what in (("cases", "Cases", operations.CASE, "case data"),
                                     ("contacts", "Contact center", operations.CONTACT, "contact-center data")):
        mine = [c for c in cards if c["group"] == group]
        parts.append(html.H3(title))
        if mine:
            parts.append(html.Ul([_card(c) for c in mine], className="cx-op-cards", id=f"operations-kpis-{group}"))
        else:
            span = operations.coverage(frame, keys, channel)
            parts.append(html.P(operations.no_data_sentence(what, quarter, span, what), id=f"operations-kpis-{group}"))
    if cards:
        parts.append(html.P(
            f"Change is the difference from {quarter.previous().display}. These indicators count every case and "
            f"call rather than estimate from a sample, so no significance test applies. Medians and rates from "
            f"fewer than {min_n} cases or calls are suppressed.", className="cx-footnote"))
    return [html.Section(parts, className="cx-op-section", **{"aria-labelledby": "operations-headline-title"})]


def _empty(chart_id: str, title: str, sentence: str) -> html.Section:
    return html.Section([html.H2(title, id=f"{chart_id}-title", className="cx-chart__title"),
                         takeaway(sentence, id=f"{chart_id}-takeaway")],
                        className="cx-op-section", **{"aria-labelledby": f"{chart_id}-title"})


def _scope_words(filters: scorecard.Filters) -> str:
    return ", ".join((filters.provider, filters.service,
                      channel_label(filters.channel).lower() if filters.channel == ALL else channel_label(filters.channel)))


@data.cache.memoize()
def _quarter_cells(version: str, year: int, quarter: int):
    return queries.indicators(current().engine, year, quarter)


def _side_by_side(quarter: FiscalQuarter, filters: scorecard.Filters, min_n: int) -> list:
    """The services' headline figures side by side (one row each), when there are two or more: the
    catalogue's services within the person's grants."""
    frame = _quarter_cells(data.data_version(), quarter.year, quarter.quarter)
    frame = data.scope().narrow(one_service.catalogue_options(frame, current().catalogue))
    rows = operations.side_by_side(frame, quarter, filters.channel, min_n)
    if len(rows) < 2:
        return []
    columns = [("service", "Service", None), ("provider", "Provider", None),
               *[(key, operations.INDICATORS[key].label, None) for key in operations.SIDE_BY_SIDE]]
    channel = channel_label(filters.channel).lower() if filters.channel == ALL else channel_label(filters.channel)
    return [html.Section([
        html.H2(f"Services side by side, {quarter.display}", id="operations-services-title"),
        data_table(rows, columns, f"Each service's own indicators in {quarter.display}, all stages, {channel}",
                   "operations-services"),
        html.P("One row per service: each service's own figures, never added together (different services' "
               f"cases and calls are not one workload). Medians and rates from fewer than {min_n} cases or calls "
               "are suppressed.", className="cx-footnote"),
    ], className="cx-op-section", **{"aria-labelledby": "operations-services-title"})]


def _channels(frame, quarter: FiscalQuarter, filters: scorecard.Filters) -> list:
    chart_id, title = "operations-channels", f"Cases created by channel, {quarter.display}"
    mix = operations.channel_mix(frame, quarter)
    if mix.empty:
        span = operations.coverage(frame, ["volume"], ALL)
        return [_empty(chart_id, title, operations.no_data_sentence("cases created", quarter, span, "case data"))]
    columns = [("label", "Channel", None), ("kind", "Digital", None), ("cases", "Cases created", None),
               ("share", "Share of cases with a reported channel", None)]
    return [chart_with_table(
        operations.channel_figure(mix),
        data_table(operations.channel_rows(mix), columns,
                   f"Cases created in {quarter.display} by channel ({_scope_words(filters)})", "operations-channels-data"),
        operations.channel_takeaway(frame, quarter), chart_id=chart_id, title=title,
        subject="cases by channel", data=operations.channel_data(mix)),
        html.P("A case whose export does not say its channel (UNKNOWN, or a blank cell) is counted as not reported: "
               "neither digital nor not digital, so the digital share counts only the cases whose channel was "
               "reported.", className="cx-footnote")]


def _time(frame, quarter: FiscalQuarter, filters: scorecard.Filters, min_n: int) -> list:
    chart_id, title = "operations-time", f"Time to complete by stage and channel, {quarter.display}"
    stages = scorecard.service_stages(current().catalogue, filters)
    table = operations.breakdown(frame, quarter, filters.channel, operations.TIME_KEYS, stages)
    if table["time_to_complete_median"].isna().all():
        span = operations.coverage(frame, operations.TIME_KEYS, filters.channel)
        return [_empty(chart_id, title, operations.no_data_sentence("closed cases", quarter, span, "case data"))]
    columns = [("dimension", "Breakdown", None), ("label", "Stage or channel", None),
               ("time_to_complete_median", "Median", None), ("time_to_complete_p90", "90th percentile", None),
               ("time_to_complete_median_n", "Cases completed", None), ("on_time_rate", "Completed on time", None)]
    unit = operations.time_unit(table)
    return [chart_with_table(
        operations.time_figure(table, min_n),
        data_table(operations.time_rows(table, min_n), columns,
                   f"Time to complete cases completed in {quarter.display}, by stage and by channel "
                   f"({_scope_words(filters)})", "operations-time-data"),
        operations.time_takeaway(table, quarter.display, min_n), chart_id=chart_id, title=title,
        subject="time to complete", data=operations.breakdown_data(table, operations.TIME_KEYS, min_n, unit)),
        html.P(f"Time from a case's creation to its completion, for cases completed in the quarter, in {unit}"
               + (" (the services in this scope complete most cases within two days, or their mapping counts "
                  "hours)" if unit == "hours" else "") +
               ". Cancelled cases and duplicates are not counted. The stage rows are "
               f"for {channel_label(filters.channel).lower()}; the channel rows cover all stages and every channel. "
               f"Lower is better. Groups with fewer than {min_n} completed cases are suppressed in the table and "
               f"not drawn.", className="cx-footnote")]


def _backlog(frame, quarter: FiscalQuarter, filters: scorecard.Filters, min_n: int) -> list:
    chart_id, title = "operations-backlog", "Backlog at quarter end"
    series = operations.backlog_series(frame, filters.channel)
    if series.empty:
        return [_empty(chart_id, title, "No backlog figures in this scope: no case data with open cases at a quarter end.")]
    columns = [("display", "Quarter", None), ("backlog", "Open cases at quarter end", None),
               ("change", "Change from previous quarter", None), ("age", "Median age of open cases", None)]
    return [chart_with_table(
        operations.backlog_figure(series, quarter),
        data_table(operations.backlog_rows(series, min_n), columns,
                   f"Open cases at each quarter end ({_scope_words(filters)})", "operations-backlog-data"),
        operations.backlog_takeaway(series, quarter), chart_id=chart_id, title=title,
        data=operations.backlog_data(series, min_n)),
        html.P("Cases created by a quarter's last day and not closed (or cancelled) by then. The latest quarter, "
               "where the data end before it does, is counted on the data's latest day and marked \"as of\" that "
               "day. Lower is better.", className="cx-footnote")]


def _contacts(frame, quarter: FiscalQuarter, filters: scorecard.Filters, min_n: int) -> list:
    chart_id, title = "operations-contacts", f"Contact center by stage and channel, {quarter.display}"
    stages = scorecard.service_stages(current().catalogue, filters)
    table = operations.breakdown(frame, quarter, filters.channel, operations.CONTACT_KEYS, stages)
    if table.empty:
        span = operations.coverage(frame, operations.CONTACT_KEYS, filters.channel)
        sentence = operations.no_data_sentence("contact-center data", quarter, span, "contact-center data")
        return [_empty(chart_id, title, sentence)]
    columns = [("dimension", "Breakdown", None), ("label", "Stage or channel", None),
               ("calls_offered", "Calls offered", None), ("abandonment_rate", "Calls abandoned", None),
               ("average_speed_of_answer", "Average speed of answer", None),
               ("first_contact_resolution", "Resolved at first contact", None)]
    return [chart_with_table(
        operations.contact_figure(table, min_n),
        data_table(operations.contact_rows(table, min_n), columns,
                   f"Contact-center indicators in {quarter.display}, by stage and by channel ({_scope_words(filters)})",
                   "operations-contacts-data"),
        operations.contact_takeaway(table, quarter.display, min_n), chart_id=chart_id, title=title,
        subject="contact center", data=operations.breakdown_data(table, operations.CONTACT_KEYS, min_n)),
        html.P("Abandoned: calls offered that hung up before an answer (lower is better). Resolved at first "
               f"contact: from the post-call survey (higher is better). The average speed of answer is in the table; "
               f"rates from fewer than {min_n} calls are suppressed.",
               className="cx-footnote")]


def content_for(filters: scorecard.Filters) -> list:
    if filters.provider == scorecard.NOTHING_GRANTED:
        return [html.P("You have not been granted any service with case or contact-center data yet: ask an "
                       "administrator to grant you the providers you work on.", id="operations-no-grant")]
    if not filters.quarter:
        return [html.P("Nothing computed yet: load case or contact-center data and run 'cxdash compute'.")]
    quarter = FiscalQuarter.parse(filters.quarter)
    frame = cells(filters.provider, filters.service)
    min_n = current().catalogue.settings.min_n
    return [
        html.P(f"Showing {quarter.display} · {_scope_words(filters)}", className="cx-scope", id="operations-scope"),
        *_headline(frame, quarter, filters.channel, min_n),
        *_channels(frame, quarter, filters),
        *_time(frame, quarter, filters, min_n),
        *_backlog(frame, quarter, filters, min_n),
        *_contacts(frame, quarter, filters, min_n),
        *_side_by_side(quarter, filters, min_n),
    ]


def update(quarter=None, provider=None, service=None, channel=None):
    """Filters -> (provider value, service options, service value, content, query string)."""
    filters, available = resolved_filters({"quarter": quarter, "provider": provider or ALL,
                                           "service": service or ALL, "channel": channel or ALL})
    return (filters.provider, service_options(available), filters.service,
            content_for(filters), filters.query_string())


def layout(query: dict) -> html.Div:
    filters, available = resolved_filters(query)
    return html.Div([
        html.H1("Operations"),
        html.P("How long cases take, whether the backlog is growing, and how the contact center answers: by "
               "journey stage and channel, so the slowest part of the service stands out. Lower is better for "
               "time, backlog and waiting.", className="usa-intro"),
        html.P(service_scope.ONE_SERVICE_NOTE, className="cx-footnote", id="operations-one-service"),
        data_page.panel_freshness("operations"),
        filter_bar(available, filters, prefix=PREFIX, label="Operations filters", channel=True),
        html.Div(content_for(filters), id=f"{PREFIX}-content", **{"aria-live": "polite"}),
        # The resolved filters, written into the address on arrival (callbacks._SYNC_URL): a
        # default service is named in the link, so a copied link and Back reopen it.
        dcc.Store(id=f"{PREFIX}-query", data=filters.query_string()),
        dcc.Store(id=f"{PREFIX}-query-synced"),
    ], className="cx-operations")
