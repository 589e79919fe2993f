"""Glue between the Service drivers view functions, the cached reads of the computed analyses
(trend_result, driver_result, segment_result) and the page."""
from __future__ import annotations

import pandas as pd
from dash import dcc, html

from cxdash.channels import ALL
from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, dropdown, filter_bar, service_options, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.views import service as service_view
from cxdash.dashboard.views import service_scope
from cxdash.db import analysis_queries, review_queries, service_queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import benchmark, scorecard
from cxdash.presentation.formatting import format_value, scale_notes

PREFIX = "service"
FILTERS = ("quarter", "provider", "service", "outcome")


@data.cache.memoize()
def _options(version: str) -> pd.DataFrame:
    return service_queries.service_options(current().engine)


@data.cache.memoize()
def _trend(version: str, provider: str, service_name: str, question: str) -> pd.DataFrame:
    return analysis_queries.trend_results(current().engine, provider, service_name, "all", [question])


@data.cache.memoize()
def _events(version: str, provider: str, service_name: str) -> dict[str, list[str]]:
    return service_view.trend_events(review_queries.annotations(current().engine, provider, service_name))


@data.cache.memoize()
def _drivers(version: str, provider: str, service_name: str, fiscal_year: int, fiscal_quarter: int) -> pd.DataFrame:
    return analysis_queries.driver_results(current().engine, provider, service_name, fiscal_year, fiscal_quarter)


@data.cache.memoize()
def _driver_quarters(version: str, provider: str, service_name: str) -> list[tuple[int, int]]:
    return service_queries.driver_quarters(current().engine, provider, service_name)


@data.cache.memoize()
def _segments(version: str, provider: str, service_name: str, fiscal_year: int, fiscal_quarter: int) -> pd.DataFrame:
    return analysis_queries.segment_results(current().engine, provider, service_name, fiscal_year, fiscal_quarter)


def resolved_filters(query: dict, version: str | None = None) -> tuple[scorecard.Filters, scorecard.Choices, str]:
    """(filters, choices, outcome) from the URL or the dropdowns: one catalogue service with survey
    trends, by default the one furthest off track (service_scope.resolved); unknown values fall
    back to their defaults (old links, a service outside the provider)."""
    version = version or data.data_version()
    filters, available = service_scope.resolved(query, _options(version), version)
    return filters, available, service_view.outcome_of(query.get("outcome"))


def _section(title_id: str, title: str, children: list, class_name: str = "cx-service-section") -> html.Section:
    return html.Section([html.H2(title, id=title_id, className="cx-chart__title"), *children],
                        className=class_name, **{"aria-labelledby": title_id})


def _trend_part(filters: scorecard.Filters, quarter: FiscalQuarter, outcome: str, scope: str, version: str,
                min_n: int) -> list:
    catalogue = current().catalogue
    measures = service_view.matching_measures(catalogue, filters.provider, filters.service, outcome)
    trend = _trend(version, filters.provider, filters.service, outcome)
    rows = service_view.trend_rows(trend, outcome, quarter, measures, catalogue.settings.alpha)
    title = f"{service_view.question_label(outcome)}: % agree by quarter"
    sentence = service_view.trend_takeaway(rows, quarter, outcome, scope, min_n)
    if rows.empty:
        return [_section("service-trend-title", title, [takeaway(sentence, id="service-trend-takeaway")])]
    notes = scale_notes(trend, label=service_view.question_label)
    if measures:
        names = "; ".join(f"“{m.name}” (owner: {m.owner})" for m in measures)
        notes.append(f"Target from the scorecard measure {names}, by fiscal year.")
    else:
        others = service_view.other_scale_measures(catalogue, filters.service, outcome)
        if others:
            notes.append(f"The scorecard target for this question ({others[0].name}) is on the mean point scale, "
                         "so it is not drawn on a % agree chart.")
        else:
            notes.append("No scorecard target covers exactly this scope, so none is drawn.")
    events = _events(version, filters.provider, filters.service)
    shown = [e for d in rows["display"] for e in events.get(d, [])]
    if shown:
        notes.append(f"Events (dotted lines): {'; '.join(shown)}.")
    notes.append("Bars are 95% Wilson intervals. Changes are two-proportion z tests; the trend is the "
                 f"Cochran-Armitage test over the quarters so far. Quarters with fewer than {min_n} responses are "
                 "suppressed and never compared.")
    return [
        chart_with_table(
            service_view.trend_figure(rows, outcome, min_n, events),
            data_table(service_view.trend_table_rows(rows, min_n, events), service_view.TREND_COLUMNS,
                       f"{service_view.question_label(outcome)} (% agree) by quarter up to {quarter.display}, {scope}",
                       "service-trend-data"),
            sentence, chart_id="service-trend", title=title),
        html.P(" ".join(notes), className="cx-footnote"),
        *_benchmarks(rows, quarter, outcome, measures),
    ]


def _benchmarks(rows: pd.DataFrame, quarter: FiscalQuarter, outcome: str, measures: list) -> list:
    """The service's % agree in the quarter beside every loaded agency's and performance.gov's
    (trust and satisfaction), each a line of text."""
    catalogue = current().catalogue
    if outcome not in benchmark.QUESTIONS:
        return []
    mine = rows[rows["quarter"] == quarter.label]
    scale = mine.iloc[0].get("scale") if len(mine) and "scale" in mine else None
    counts, published = data.benchmark_counts(), data.published_values()
    if measures:
        found = benchmark.for_measure(measures[0], catalogue, quarter, counts, published, scale, data.scope())
    else:
        found = [b for b in [benchmark.cross_agency(counts, quarter, outcome, scale=scale,
                                                    min_n=catalogue.settings.min_n, scope=data.scope())] if b]
    if not found:
        return []
    value = mine.iloc[0]["value"] if len(mine) else None
    own = ("suppressed" if len(mine) and mine.iloc[0]["suppressed"] else
           "no result" if value is None or pd.isna(value) else format_value(float(value), "percent"))
    return [html.Div([
        html.H3(f"Beside other agencies, {quarter.display}", id="service-benchmarks-title"),
        html.Ul([html.Li(f"This service: {own}"), *[html.Li(benchmark.line(b["text"], b["detail"])) for b in found]],
                className="usa-list", id="service-benchmarks"),
    ], className="cx-service-benchmarks")]


def _no_drivers(filters: scorecard.Filters, quarter: FiscalQuarter, scope: str, version: str) -> list:
    quarters = _driver_quarters(version, filters.provider, filters.service)
    if not quarters:
        return [takeaway(
            f"There are no key drivers for {scope}: drivers need response-level survey data (one row per response, "
            "such as a Touchpoints form export loaded as a survey-responses source); the A-11 quarterly reports "
            "hold only counts per question, which cannot show what moves an individual's answer.",
            id="service-drivers-takeaway")]
    latest = FiscalQuarter(*quarters[-1])
    earlier = [q for q in quarters if FiscalQuarter(*q) <= quarter]
    near = FiscalQuarter(*earlier[-1]) if earlier else latest
    link = service_view.query_string(near.label, filters.provider, filters.service, service_view.DEFAULT_OUTCOME)
    return [takeaway(f"There are no survey responses for {scope} in the year to {quarter.display}, so no key "
                     f"drivers; the nearest are for the year to {near.display}.", id="service-drivers-takeaway"),
            html.P(html.A(f"Show key drivers for the year to {near.display}", href="/service" + link,
                          className="usa-link", id="service-drivers-nearest"))]


def _drivers_part(filters: scorecard.Filters, quarter: FiscalQuarter, outcome: str, scope: str, version: str,
                  min_n: int) -> list:
    driven = service_view.driver_outcome(outcome)
    title = f"What drives {driven}"
    results = _drivers(version, filters.provider, filters.service, quarter.year, quarter.quarter)
    models = service_view.driver_models(results, driven)
    intro = [html.P(note, className="cx-footnote", id="service-drivers-scale-note")
             for note in scale_notes(results[results["outcome"].eq(driven)] if len(results) else results,
                                     "outcome", service_view.question_label)]
    if outcome != driven and models:
        intro.append(html.P(f"Key drivers are estimated for trust and satisfaction; {service_view.question_label(outcome)} "
                            f"is shown below as one of the drivers of {driven}.", className="cx-footnote"))
    if not models:
        return [_section("service-drivers-title", title,
                         intro + _no_drivers(filters, quarter, scope, version))]
    parts = []
    for i, model in enumerate(models):
        suffix = "" if i == 0 else f"-{i + 1}"
        kind = " (checklist options)" if service_view.is_checklist(model) else ""
        subtitle = service_view.driver_subtitle(model)
        block = [html.P(subtitle, className="cx-subtitle", id=f"service-drivers-subtitle{suffix}")]
        if filters.service == ALL:
            block.append(html.P("Only services with response-level survey data enter a roll-up's key drivers.",
                                className="cx-footnote"))
        estimated = model["importance"].notna().any()
        if estimated:
            block.append(chart_with_table(
                service_view.drivers_figure(model, driven),
                data_table(service_view.driver_table_rows(model, min_n), service_view.DRIVER_COLUMNS,
                           f"Key drivers of {driven}{kind}, {subtitle}", f"service-drivers-data{suffix}"),
                service_view.drivers_takeaway(model, driven, scope), chart_id=f"service-drivers{suffix}",
                title=f"Importance of each driver{kind}", heading_level=3))
        else:
            block.append(takeaway(service_view.drivers_takeaway(model, driven, scope), id=f"service-drivers-takeaway{suffix}"))
        missing = service_view.no_estimate_items(model)
        if missing and estimated:
            block.append(html.P("Drivers without an estimate:", className="cx-footnote"))
            block.append(html.Ul([html.Li(text) for text in missing], id=f"service-drivers-missing{suffix}"))
        if estimated:
            block.append(html.P(service_view.method_words(model, driven) + " A hollow grey dot is not significant "
                                "(p ≥ 0.05): its interval crosses zero, so it cannot be told apart from no effect.",
                                className="cx-footnote"))
            block.append(chart_with_table(
                service_view.ip_figure(model, driven),
                data_table(service_view.ip_table_rows(model), service_view.IP_COLUMNS,
                           f"Importance and performance of the drivers of {driven}{kind}, {subtitle}",
                           f"service-ip-data{suffix}"),
                service_view.ip_takeaway(model, driven), chart_id=f"service-ip{suffix}",
                title=f"Importance × performance{kind}", heading_level=3))
            block.append(html.P("Significant drivers are split at their median importance and median performance: "
                                "Fix first (important, low performance), Keep it up (important, high), Monitor "
                                "(less important, low), Maintain (less important, high).", className="cx-footnote"))
        parts += block
    return [_section("service-drivers-title", title, intro + parts)]


def _channels_part(filters: scorecard.Filters, quarter: FiscalQuarter, outcome: str, scope: str, version: str,
                   min_n: int) -> list:
    label = service_view.question_label(outcome)
    segments = _segments(version, filters.provider, filters.service, quarter.year, quarter.quarter)
    frame = service_view.channel_frame(segments, outcome, min_n)
    equity = html.P(html.A("Compare all segments on the Equity page",
                           href="/equity" + service_view.query_string(filters.quarter, filters.provider, filters.service,
                                                                 service_view.DEFAULT_OUTCOME),
                           className="usa-link", id="service-equity-link"))
    title = f"{label} by channel, {quarter.display}"
    if frame.empty:
        return [_section("service-channels-title", title, [
            takeaway(f"No channel breakdown of {label.lower()} for {scope} in {quarter.display}.",
                     id="service-channels-takeaway"), equity])]
    sentence = service_view.channel_takeaway(frame, label.lower(), scope, quarter)
    content = [chart_with_table(
        service_view.channel_figure(frame, label.lower()),
        data_table(service_view.channel_table_rows(frame, min_n), service_view.CHANNEL_COLUMNS,
                   f"{label} (% agree) by channel, {scope}, {quarter.display}", "service-channels-data"),
        sentence, chart_id="service-channels", title=title)] if service_view.shown_channels(frame) > 1 else [
        _section("service-channels-title", title, [
            takeaway(sentence, id="service-channels-takeaway"),
            data_table(service_view.channel_table_rows(frame, min_n), service_view.CHANNEL_COLUMNS,
                       f"{label} (% agree) by channel, {scope}, {quarter.display}", "service-channels-data")])]
    mine = segments[segments["dimension"].eq("channel") & segments["question"].eq(outcome)] if len(segments) else segments
    content += [html.P(note, className="cx-footnote", id="service-channels-scale-note")
                for note in scale_notes(mine, label=service_view.question_label)]
    content.append(html.P("Each channel is compared with the best-served one (pooled two-proportion z test); "
                          "p-values are Holm-adjusted for the number of comparisons.", className="cx-footnote"))
    content.append(equity)
    return content


def _onward(filters: scorecard.Filters) -> list:
    links = service_view.onward_links(filters.quarter, filters.provider, filters.service)
    return [_section("service-onward-title", "Explore this service further", [html.Ul([
        html.Li([html.A(link["label"], href=link["href"], className="usa-link"), f": {link['description']}"])
        for link in links], id="service-onward")])]


def _part(children: list) -> html.Div:
    return html.Div(children, className="cx-service-part")


def content_for(filters: scorecard.Filters, outcome: str = service_view.DEFAULT_OUTCOME, version: str | None = None) -> list:
    if not filters.quarter:
        return [html.P("No survey scores yet: load a survey source and run 'cxdash compute'.")]
    version = version or data.data_version()
    quarter = FiscalQuarter.parse(filters.quarter)
    min_n = current().catalogue.settings.min_n
    scope = service_view.scope_words(filters.provider, filters.service)
    shown = " · ".join([quarter.display, filters.provider, filters.service, service_view.question_label(outcome)])
    return [
        html.P(f"Showing {shown}", className="cx-scope", id="service-scope"),
        _part(_trend_part(filters, quarter, outcome, scope, version, min_n)),
        _part(_drivers_part(filters, quarter, outcome, scope, version, min_n)),
        _part(_channels_part(filters, quarter, outcome, scope, version, min_n)),
        _part(_onward(filters)),
    ]


def update(quarter=None, provider=None, service=None, outcome=None):
    """Filters -> (provider value, service options, service value, content, query string)."""
    version = data.data_version()
    filters, available, outcome = resolved_filters(
        {"quarter": quarter, "provider": provider or ALL, "service": service or ALL, "outcome": outcome}, version)
    return (filters.provider, service_options(available), filters.service,
            content_for(filters, outcome, version),
            service_view.query_string(filters.quarter, filters.provider, filters.service, outcome))


def layout(query: dict) -> html.Div:
    version = data.data_version()
    filters, available, outcome = resolved_filters(query, version)
    bar = filter_bar(available, filters, prefix=PREFIX, label="Service drivers filters", channel=False)
    bar.children.append(dropdown(f"{PREFIX}-outcome", "Outcome", service_view.outcome_options(), outcome))
    return html.Div([
        html.H1("Service drivers"),
        html.P("How one outcome has moved against its target, which parts of the experience move it most, and "
               "whether every channel is served as well. Changes and drivers that are not significant are "
               "labeled as such.", className="usa-intro"),
        html.P(service_scope.ONE_SERVICE_NOTE, className="cx-footnote", id="service-one-service"),
        bar,
        html.Div(content_for(filters, outcome, version), id=f"{PREFIX}-content", **{"aria-live": "polite"}),
        dcc.Store(id=f"{PREFIX}-query", data=service_view.query_string(filters.quarter, filters.provider,
                                                                       filters.service, outcome)),
        dcc.Store(id=f"{PREFIX}-query-synced"),
    ], className="cx-service")
