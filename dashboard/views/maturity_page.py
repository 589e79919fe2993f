"""Glue of the Maturity page: the fiscal year from the URL, the ratings and survey coverage read
for it, the layout, and one plain function per thing a callback does (re-render for a year,
record a rating). The callbacks in dashboard/callbacks.py only route to these; the words, rows
and chart come from dashboard/views/maturity.py."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from dash import dcc, html, no_update
from sqlalchemy.exc import DBAPIError

from cxdash import audit, permissions
from cxdash import maturity as cx_maturity
from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, dropdown, saved_as, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.sign_in import required_principal, signed_in_name
from cxdash.dashboard.views import maturity
from cxdash.dashboard.writes import not_written
from cxdash.db import maturity_queries
from cxdash.errors import UserError
from cxdash.maturity import MaturityModel
from cxdash.review.contents import Maturity

PREFIX = "maturity"
FILTERS = ("year",)
_MODELS: dict[tuple[str, float], MaturityModel] = {}


def model() -> MaturityModel:
    """config/maturity.yaml, read again only when the file changes (an agency may edit it)."""
    path = cx_maturity.default_path()
    key = (str(path), Path(path).stat().st_mtime if Path(path).is_file() else 0.0)
    if key not in _MODELS:
        _MODELS[key] = cx_maturity.load_model(path)
    return _MODELS[key]


# --- reading ----------------------------------------------------------------------------------------

def choices() -> tuple[list[int], list[int]]:
    """(years offered, years rated)."""
    engine = current().engine
    rated = maturity_queries.rated_years(engine)
    return maturity.year_choices(rated, maturity_queries.survey_years(engine), dt.date.today()), rated


def resolved(query: dict) -> tuple[int, list[int]]:
    offered, rated = choices()
    return maturity.pick_year(query.get("year"), offered, rated), offered


def profile(year: int) -> tuple[Maturity, list[dict], bool]:
    """(the year's profile, its ratings, whether anything was rated): an unrated year reads as
    every dimension at 0, which the page says in words."""
    engine = current().engine
    ratings = maturity_queries.ratings(engine, year)
    previous = maturity_queries.ratings(engine, year - 1)
    return cx_maturity.profile_from_ratings(model(), year, ratings, previous or None), ratings, bool(ratings)


# --- writing ----------------------------------------------------------------------------------------

def record(year, values: dict) -> dict:
    """The form's Save: a notice saying what was stored, or what to fix."""
    chosen = maturity.parse_year(year)
    try:
        who = permissions.check(required_principal(), "maturity")
        if chosen is None:
            raise UserError(f"fiscal year: {year!r} is not a fiscal year")
        fields = maturity.parse_form({**values, "assessed_by": who.shown_as}, chosen)
        with current().engine.begin() as conn:  # the rating and who made it commit together
            stored = cx_maturity.record_rating(conn, model(), **fields)
            audit.record(conn, who, "maturity.rate", f"FY{chosen} {fields.get('dimension')} level "
                         f"{fields.get('level')}", details={"status": fields.get("status")})
    except UserError as exc:
        return maturity.notice("error", f"Not saved: {exc}")
    except DBAPIError as exc:
        return maturity.notice("error", f"Not saved: {not_written(exc, 'maturity rating')}")
    return maturity.notice("success", maturity.saved_text(model(), stored))


def submitted(year, values: dict, version: dict | None) -> tuple:
    """(feedback shown beside the form, new version): a success re-renders the page's content."""
    notice = record(year, values)
    if notice["kind"] == "error":
        return alert(notice), no_update
    return alert(notice), {"n": int((version or {}).get("n", 0)) + 1}


# --- rendering --------------------------------------------------------------------------------------

def alert(notice: dict | None):
    if not notice:
        return None
    error = notice["kind"] == "error"
    return html.Div(html.Div(html.P(notice["text"], className="usa-alert__text"), className="usa-alert__body"),
                    className=f"usa-alert usa-alert--{'error' if error else 'success'} usa-alert--slim "
                              "usa-alert--no-icon cx-maturity-notice", role="alert" if error else "status")


def _overall(p: Maturity, rated: bool) -> html.Section:
    names = model().level_names
    if rated:
        level = [html.Span(maturity.overall_headline(p), className="cx-maturity-overall__number"),
                 html.Span(p.overall_name, className="cx-maturity-overall__name")]
        parts = [html.P(level, className="cx-maturity-overall__level", id="maturity-overall"),
                 html.P(maturity.overall_change_words(p), className="cx-maturity-overall__change",
                        id="maturity-overall-change")]
    else:
        parts = [html.P(html.Span("Not assessed", className="cx-maturity-overall__name"),
                        className="cx-maturity-overall__level", id="maturity-overall"),
                 takeaway(maturity.no_ratings_sentence(p.fiscal_year), id="maturity-no-ratings")]
    parts.append(html.P(f"The overall level is the lowest dimension's: a level counts only when every level below it "
                        f"is fully met, in every dimension. Levels: "
                        f"{', '.join(f'{n} {name}' for n, name in names.items())}.", className="cx-footnote"))
    return html.Section([html.H2(f"Overall, FY{p.fiscal_year}", id="maturity-overall-title"), *parts],
                        className="cx-maturity-section cx-maturity-overall",
                        **{"aria-labelledby": "maturity-overall-title"})


def _profile(p: Maturity) -> html.Section:
    names = model().level_names
    title = f"Maturity profile, FY{p.fiscal_year}" + (
        f", with FY{p.fiscal_year - 1}" if any(d.previous_level is not None for d in p.dimensions) else "")
    table = data_table(maturity.profile_rows(p, names), [(k, label, None) for k, label in maturity.PROFILE_COLUMNS],
                       f"Level of each CX dimension, FY{p.fiscal_year} and FY{p.fiscal_year - 1}", "maturity-profile")
    return html.Section(chart_with_table(maturity.profile_figure(p, names), table, p.takeaway,
                                         chart_id="maturity-profile-chart", title=title),
                        className="cx-maturity-section")


def _status(value: str) -> html.Span:
    key = {v: k for k, v in maturity.STATUS_WORDS.items()}.get(value, "none")
    return html.Span(value, className=f"cx-maturity-status cx-maturity-status--{key}")


def _dimensions(p: Maturity, ratings: list[dict]) -> html.Section:
    m = model()
    parts = [html.H2("Each dimension, level by level", id="maturity-dimensions-title"),
             html.P("A level counts only when it and every level below it are met: a partly met level stops the "
                    "count, even if a higher level is met.")]
    for d, dim in zip(p.dimensions, m.dimensions):
        heading = f"maturity-dimension-{d.id}"
        columns = [(k, label, _status if k == "status" else None) for k, label in maturity.LEVEL_COLUMNS]
        parts.append(html.Section([
            html.H3(d.name, id=heading),
            html.P(dim.description, className="cx-maturity-description"),
            html.P(maturity.dimension_summary(d.level, d.previous_level, m.level_names, p.fiscal_year),
                   className="cx-maturity-dimension__level", id=f"maturity-level-{d.id}"),
            data_table(maturity.level_rows(m, ratings, d.id), columns,
                       f"{d.name}: levels 1 to 5 in FY{p.fiscal_year}, with the evidence", f"maturity-levels-{d.id}"),
        ], className="cx-maturity-dimension", **{"aria-labelledby": heading}))
    return html.Section(parts, className="cx-maturity-section", **{"aria-labelledby": "maturity-dimensions-title"})


def _measurement(year: int) -> html.Section:
    ctx = current()
    m = model()
    if not data.scope().everything:  # agency-wide evidence names every service: cross-agency grants only
        dimension = m.dimension_names.get(m.measurement_dimension or "", "Measurement")
        return html.Section([
            html.H2(f"{dimension}: what the data says", id="maturity-measurement-title"),
            html.P("This evidence covers every provider's services, so it is shown only to people with a "
                   "cross-agency grant.", id="maturity-measurement-restricted"),
        ], className="cx-maturity-section", **{"aria-labelledby": "maturity-measurement-title"})
    evidence = cx_maturity.measurement_evidence(ctx.engine, ctx.catalogue, year)
    dimension = m.dimension_names.get(m.measurement_dimension or "", "Measurement")
    return html.Section([
        html.H2(f"{dimension}: what the data says", id="maturity-measurement-title"),
        takeaway(maturity.measurement_sentence(evidence, year), id="maturity-measurement-takeaway"),
        data_table(maturity.measurement_rows(evidence), [(k, label, None) for k, label in maturity.MEASUREMENT_COLUMNS],
                   f"Evidence for {dimension} from the dashboard's own data, FY{year}", "maturity-measurement"),
        html.P("Reporting: a catalog service counts in a quarter when it has survey answers in the loaded data. "
               "Targets and owners: from the measure catalog.", className="cx-footnote"),
    ], className="cx-maturity-section", **{"aria-labelledby": "maturity-measurement-title"})


def content(year: int) -> list:
    p, ratings, rated = profile(year)
    parts = [_overall(p, rated)]
    if rated:
        parts.append(_profile(p))
    return parts + [_dimensions(p, ratings), _measurement(year)]


def form_title(year: int) -> str:
    return f"Record a rating for FY{year}"


def update(year=None, version=None) -> tuple:
    """The year (or a save's new version) -> (content, form title, query string)."""
    chosen, _ = resolved({"year": year})
    return content(chosen), form_title(chosen), maturity.query_string(chosen)


def _field(label: str, component, hint: str | None = None) -> list:
    parts = [html.Label(label, htmlFor=component.id, className="usa-label")]
    if hint:
        parts.append(html.Div(hint, className="usa-hint", id=f"{component.id}-hint"))
    return parts + [component]


def _form(year: int) -> html.Section:
    m = model()
    return html.Section([
        html.H2(form_title(year), id="maturity-form-title"),
        html.P("Rate one level of one dimension: met, partly met or not met, with the evidence. Rating a level "
               "again replaces its earlier rating. Personal details in the evidence are removed before it is "
               "stored."),
        html.Div([
            dropdown("maturity-dimension", "Dimension", maturity.dimension_options(m), m.dimensions[0].id),
            dropdown("maturity-level", "Level", maturity.level_options(m), 1),
            html.Fieldset([html.Legend("Status", className="usa-legend"),
                           dcc.RadioItems(id="maturity-status", options=maturity.STATUS_OPTIONS, value="met",
                                          className="cx-radios")], className="usa-fieldset cx-maturity-status-field"),
            *_field("Evidence", dcc.Textarea(id="maturity-evidence", value="", rows=3, maxLength=4000,
                                             className="usa-textarea cx-maturity-textarea"),
                    hint="What shows the level is met, or what is missing (up to 4000 characters)"),
            saved_as(signed_in_name()),
            html.Button("Save the rating", id="maturity-save", className="usa-button", type="button"),
            html.Div(id="maturity-feedback", className="cx-maturity-feedback"),
        ], className="usa-form cx-maturity-form"),
    ], className="cx-maturity-section", **{"aria-labelledby": "maturity-form-title"})


def layout(query: dict) -> html.Div:
    year, offered = resolved(query)
    return html.Div([
        html.H1("CX maturity"),
        html.P("The organization's self-assessment against the OMB A-11 Section 280 CX maturity dimensions, each "
               "rated on five levels from Reactive to Customer-centric, with the evidence and the change since last "
               "year.", className="usa-intro"),
        html.Div([dropdown("maturity-year", "Fiscal year", maturity.year_options(offered),
                           maturity.year_label(year))],
                 className="cx-filters", role="search", **{"aria-label": "Maturity filters"}),
        html.Div(content(year), id="maturity-content"),
        _form(year),
        dcc.Store(id="maturity-version", data={"n": 0}),
        dcc.Store(id="maturity-query"),
        dcc.Store(id="maturity-query-synced"),
        dcc.Store(id="maturity-radios-fixed"),
    ], className="cx-maturity")
