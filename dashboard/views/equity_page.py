"""Glue between the equity view functions, the cached reads of segment_result and the page:
filters from the URL, one comparison drawn and tabled, every comparison of the scope overviewed."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from dash import dcc, html

from cxdash.catalogue import Labels
from cxdash.channels import ALL
from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, dropdown, filter_bar, service_options, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.views import data_page, equity, service_scope
from cxdash.db import analysis_queries, equity_queries
from cxdash.mappings import with_mapping_labels
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard
from cxdash.presentation.formatting import scale_notes

PREFIX = "equity"
FILTERS = ("quarter", "provider", "service", "dimension", "question")
OPERATIONAL = ("on_time_rate", "first_contact_resolution")  # fed by case and contact-center data


@data.cache.memoize()
def _options(version: str) -> pd.DataFrame:
    return equity_queries.equity_options(current().engine)


@data.cache.memoize()
def _kinds(version: str) -> pd.DataFrame:
    return equity_queries.comparison_kinds(current().engine)


@data.cache.memoize()
def _results(version: str, provider: str, service: str, fiscal_year: int, fiscal_quarter: int) -> pd.DataFrame:
    return analysis_queries.segment_results(current().engine, provider, service, fiscal_year, fiscal_quarter)


def page_labels() -> Labels:
    """Words for codes: the catalog's labels, and the mappings' segment labels where it has none."""
    return with_mapping_labels(current().catalogue.labels)


@dataclass(frozen=True)
class View:
    """What the page shows: the scope filters, the chosen comparison and what the dropdowns offer."""
    filters: scorecard.Filters
    available: scorecard.Choices
    dimension: str | None
    question: str | None
    dimensions: list[str]
    questions: list[str]

    @property
    def defaults(self) -> tuple[str | None, str | None]:
        return (equity.default_of(self.dimensions, equity.DEFAULT_DIMENSION),
                equity.default_of(self.questions, equity.DEFAULT_QUESTION))

    def query_string(self, dimension: str | None = None, question: str | None = None) -> str:
        f = self.filters
        return equity.query_string(f.quarter, f.provider, f.service, dimension or self.dimension,
                                   question or self.question, *self.defaults)


def resolved(query: dict, version: str | None = None) -> View:
    """The view from the URL or the dropdowns: one catalogue service, by default the one furthest
    off track (service_scope.resolved); unknown values fall back to their defaults."""
    version = version or data.data_version()
    filters, available = service_scope.resolved(query, _options(version), version)
    kinds = _kinds(version)
    dimensions = equity.dimension_order(kinds["dimension"])
    questions = equity.question_order(kinds["question"])
    dimension = equity.pick(query.get("dimension"), dimensions, equity.default_of(dimensions, equity.DEFAULT_DIMENSION))
    question = equity.pick(query.get("question"), questions, equity.default_of(questions, equity.DEFAULT_QUESTION))
    return View(filters, available, dimension, question, dimensions, questions)


def _family_section(results: pd.DataFrame, view: View, scope: str, min_n: int) -> list:
    dimension, question = view.dimension, view.question
    labels = page_labels()
    fam = equity.family(results, dimension, question, min_n, labels=labels)
    title = equity.comparison_name(dimension, question, labels)
    if fam.empty:
        return [html.H2(title, id="equity-family-chart-title", className="cx-chart__title"),
                takeaway(equity.no_data_sentence(dimension, question, scope, labels), id="equity-family-chart-takeaway")]
    caption = f"{title}, {scope}: each segment's share, its gap to the best-served segment and the test"
    rows = data_table(equity.family_rows(fam, min_n), equity.FAMILY_COLUMNS, caption, "equity-family")
    sentence = equity.family_sentence(fam, dimension, question, scope, labels)
    if not equity.shown_segments(fam).any():  # every segment suppressed: a chart would be empty axes
        parts = [html.H2(title, id="equity-family-chart-title", className="cx-chart__title"),
                 takeaway(sentence, id="equity-family-chart-takeaway"), rows]
    else:
        parts = [chart_with_table(equity.dot_figure(fam, question), rows, sentence, chart_id="equity-family-chart",
                                  title=title, data=equity.family_data(fam, dimension, question, labels))]
    mine = results[results["dimension"].eq(dimension) & results["question"].eq(question)] if len(results) else results
    parts += [html.P(note, className="cx-footnote", id="equity-scale-note")
              for note in scale_notes(mine, label=lambda q: equity.question_label(q, labels))]
    hidden = equity.suppressed_text(fam, min_n)
    if hidden:
        parts.append(html.P(hidden, id="equity-suppressed", className="cx-footnote"))
    return parts


def _overview_section(results: pd.DataFrame, view: View, scope: str) -> list:
    labels = page_labels()
    table = equity.overview(results, labels)
    parts = [html.H2("Every comparison in this scope", id="equity-overview-title"),
             takeaway(equity.overview_sentence(table, scope, labels), id="equity-overview-takeaway")]
    if not table.empty:
        rows = equity.overview_rows(table, href=lambda d, q: "/equity" + view.query_string(d, q), labels=labels)
        parts.append(data_table(rows, equity.OVERVIEW_COLUMNS,
                                f"Segment comparisons in {scope}, the largest significant gap first", "equity-overview"))
    return [html.Section(parts, className="cx-equity-section", **{"aria-labelledby": "equity-overview-title"})]


def content_for(view: View, version: str | None = None) -> list:
    if not view.filters.quarter:
        return [html.P("Nothing compared yet: load survey or case data and run 'cxdash compute'.")]
    version = version or data.data_version()
    filters = view.filters
    quarter = FiscalQuarter.parse(filters.quarter)
    settings = current().catalogue.settings
    results = _results(version, filters.provider, filters.service, quarter.year, quarter.quarter).copy()
    scope = equity.scope_label(quarter.display, filters.provider, filters.service)
    shown = " · ".join([quarter.display, filters.provider, filters.service])
    panel = "operations" if view.question in OPERATIONAL else "survey"
    return [
        html.P(f"Showing {shown}", className="cx-scope", id="equity-scope"),
        data_page.panel_freshness(panel),
        html.Section(_family_section(results, view, scope, settings.min_n), className="cx-equity-section",
                     **{"aria-labelledby": "equity-family-chart-title"}),
        *_overview_section(results, view, scope),
        html.Section([html.H2("Method", id="equity-method-title"),
                      html.P(equity.method_note(settings.min_n, "holm", settings.alpha), id="equity-method",
                             className="cx-footnote")],
                     className="cx-equity-section", **{"aria-labelledby": "equity-method-title"}),
    ]


def update(quarter=None, provider=None, service=None, dimension=None, question=None):
    """Filters -> (provider value, service options, service value, content, query string)."""
    version = data.data_version()
    view = resolved({"quarter": quarter, "provider": provider or ALL, "service": service or ALL,
                     "dimension": dimension, "question": question}, version)
    return (view.filters.provider, service_options(view.available), view.filters.service,
            content_for(view, version), view.query_string())


def _filter_bar(view: View) -> html.Div:
    bar = filter_bar(view.available, view.filters, prefix=PREFIX, label="Equity filters", channel=False)
    bar.children.append(dropdown(f"{PREFIX}-dimension", "Compare by",
                                  equity.dimension_options(view.dimensions, page_labels()), view.dimension))
    bar.children.append(dropdown(f"{PREFIX}-question", "Question or indicator",
                                  equity.question_options(view.questions, page_labels()), view.question))
    return bar


def layout(query: dict) -> html.Div:
    version = data.data_version()
    view = resolved(query, version)
    return html.Div([
        html.H1("Equity"),
        html.P("Are some customers served worse than others? Each segment's score beside the best-served "
               "segment — by channel, by the survey's segment questions such as user group or region — with "
               "the gap and whether it is more than chance.", className="usa-intro"),
        html.P(service_scope.ONE_SERVICE_NOTE, className="cx-footnote", id="equity-one-service"),
        _filter_bar(view),
        html.Div(content_for(view, version), id=f"{PREFIX}-content", **{"aria-live": "polite"}),
        dcc.Store(id=f"{PREFIX}-query", data=view.query_string()),
        dcc.Store(id=f"{PREFIX}-query-synced"),
    ], className="cx-equity")
