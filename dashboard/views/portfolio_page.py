"""Glue of the Portfolio page: the register as synced into the database, assessed for the quarter
(latest by default, or ?quarter=), laid out; and the plain functions the what-if callbacks call
(recompute the ranking under new weights; reset them). The words, rows and figure come from
dashboard/views/portfolio.py; scoring from cxdash/initiatives.py."""
from __future__ import annotations

import dataclasses

from dash import dcc, html

from cxdash.dashboard import data
from cxdash.dashboard.components import chart_with_table, data_table, takeaway
from cxdash.dashboard.context import current
from cxdash.dashboard.views import portfolio
from cxdash.initiatives import Portfolio, assess, configured_weights, latest_quarter
from cxdash.metrics import wsjf
from cxdash.metrics.fiscal import FiscalQuarter


def default_weights() -> dict[str, float]:
    ctx = current()
    return configured_weights(ctx.catalogue, ctx.catalogue_path)


def quarter_of(query: dict) -> FiscalQuarter | None:
    try:
        return FiscalQuarter.parse(query.get("quarter") or "")
    except ValueError:
        return latest_quarter(current().engine)


def read(query: dict) -> Portfolio:
    ctx = current()
    return visible(assess(ctx.engine, ctx.catalogue, quarter_of(query)))


def visible(p: Portfolio) -> Portfolio:
    """The portfolio within the person's grants: initiatives whose services and measures are all
    granted, off-track measures and finished initiatives likewise (ranked among what is shown)."""
    scope = data.scope()
    if scope.everything:
        return p
    catalogue = current().catalogue

    def service_ok(service_id: str) -> bool:
        try:
            s = catalogue.service(service_id)
        except StopIteration:
            return False
        return scope.allows(s.provider, " ".join(s.name.split()))

    def measure_ok(measure_id: str) -> bool:
        try:
            services = catalogue.measure(measure_id).services
        except KeyError:
            return False
        return bool(services) and all(service_ok(s) for s in services)

    initiatives = [i for i in p.initiatives if i["services"] and all(service_ok(s) for s in i["services"])
                   and all(measure_ok(m["measure_id"]) for m in i["measures"])]
    shown = {i["id"] for i in initiatives}
    return dataclasses.replace(p, initiatives=initiatives,
                               off_track=[o for o in p.off_track if measure_ok(o["measure_id"])],
                               finished=[f for f in p.finished if f["id"] in shown])


# --- pieces -----------------------------------------------------------------------------------

def _links(items: list[dict]) -> html.Ul | str:
    if not items:
        return "None named"
    return html.Ul([html.Li(html.A(i["label"], href=i["href"], className="usa-link")) for i in items],
                   className="usa-list usa-list--unstyled cx-portfolio-links")


def _initiative_cell(row: dict) -> html.Div:
    return html.Div([html.Span(row["name"], className="cx-portfolio-name", id=f"initiative-{row['id']}"),
                     html.Span(row["owner"], className="cx-portfolio-owner")])


def _customer_cell(row: dict):
    if not row["customer_value_from_data"]:
        return row["customer_text"]
    return html.Span([portfolio.number(row["customer_value"]), " ",
                      html.Span("from data", className="cx-portfolio-data")])


def ranked_table(rows: list[dict]) -> html.Div:
    records = portfolio.table_rows(rows)
    for r in records:
        r.update(initiative=_initiative_cell(r), status=r["status_text"], customer_value=_customer_cell(r),
                 cost_of_delay=r["cost_text"], job_size=r["job_text"], wsjf=r["wsjf_text"],
                 mission_value=portfolio.number(r["mission_value"]),
                 time_criticality=portfolio.number(r["time_criticality"]),
                 risk_reduction=portfolio.number(r["risk_reduction"]),
                 measures=_links(r["measures"]), stages=_links(r["stages"]))
    keep = {"initiative", "customer_value", "measures", "stages"}
    columns = [(k, label, (lambda v: v) if k in keep else None) for k, label in portfolio.RANKED_COLUMNS]
    return data_table(records, columns, "Open initiatives ranked by weighted shortest job first", "portfolio-ranked")


def ranked_section(rows: list[dict], weights: dict) -> list:
    parts = [takeaway(portfolio.ranking_sentence(rows, weights), id="portfolio-ranking-sentence")]
    if rows:
        parts.append(ranked_table(rows))
    notes = [r["note"] for r in rows if r.get("note")]
    if notes:
        parts.append(html.Div([html.P("Customer value from the data:", className="text-bold"),
                               html.Ul([html.Li(n) for n in notes])],
                              className="cx-footnote", id="portfolio-data-notes"))
    return parts


def chart(rows: list[dict]) -> html.Figure | html.P:
    if not rows:
        return html.P("No open initiative to place on the chart.")
    table = data_table(portfolio.chart_rows(rows), [(k, label, None) for k, label in portfolio.CHART_COLUMNS],
                       "Value (cost of delay) and effort (job size) of each open initiative", "portfolio-chart")
    return chart_with_table(portfolio.figure(rows), table, portfolio.chart_sentence(rows), chart_id="portfolio-chart",
                            title="Value against effort", data=portfolio.chart_data_rows(rows))


def _weight_input(component: str, value: float) -> html.Div:
    """A labelled number input (dcc.Input takes no aria-describedby, so the hint is in the label);
    arrow keys step it by 0.5."""
    input_id = f"portfolio-weight-{component}"
    return html.Div([
        html.Label([f"Weight of {wsjf.COMPONENT_LABELS[component].lower()}",
                    html.Span("0 to 3, in steps of 0.5", className="usa-hint")], htmlFor=input_id,
                   className="usa-label"),
        dcc.Input(id=input_id, type="number", min=portfolio.WEIGHT_MIN, max=portfolio.WEIGHT_MAX,
                  step=portfolio.WEIGHT_STEP, value=value, debounce=False, className="cx-portfolio-weight"),
    ], className="cx-portfolio-field")


def what_if_panel(weights: dict) -> html.Section:
    return html.Section([
        html.H2("What if the weights change?", id="portfolio-whatif-title"),
        html.P("Change how much each part of the cost of delay counts: the ranking, the table and the chart are "
               "recomputed at once. The register itself is not changed."),
        html.Fieldset([html.Legend("Weights of the cost of delay", className="usa-legend"),
                       html.Div([_weight_input(c, weights[c]) for c in wsjf.COMPONENTS],
                                className="cx-portfolio-weights")],
                      className="usa-fieldset"),
        html.Button("Reset the weights", id="portfolio-reset", type="button",
                    className="usa-button usa-button--outline cx-portfolio-reset"),
        html.P("", id="portfolio-whatif-sentence", role="status", className="cx-portfolio-whatif",
               **{"aria-live": "polite"}),
    ], className="cx-portfolio-section", **{"aria-labelledby": "portfolio-whatif-title"})


def _addressed(row: dict):
    parts = [html.Li([html.A(i["name"], href=f"#initiative-{i['id']}", className="usa-link"), f" ({i['status']})"])
             for i in row["initiatives"]]
    if row["flag"]:
        parts.append(html.Li([html.Span("⚠", **{"aria-hidden": "true"}), " ", portfolio.NONE_ADDRESSES],
                             className="cx-portfolio-flag"))
    return html.Ul(parts, className="usa-list usa-list--unstyled")


def off_track_section(p: Portfolio, rows: list[dict]) -> html.Section:
    parts = [html.H2("Measures off track", id="portfolio-offtrack-title"),
             takeaway(portfolio.off_track_sentence(rows, p.quarter.display), id="portfolio-offtrack-sentence")]
    if rows:
        records = [{**r, "measure": html.A(r["name"], href=r["href"], className="usa-link"), "addressed": _addressed(r)}
                   for r in rows]
        columns = [(k, label, (lambda v: v) if k in ("measure", "addressed") else None)
                   for k, label in portfolio.OFF_TRACK_COLUMNS]
        parts.append(data_table(records, columns, f"Measures off track in {p.quarter.display} and the initiatives "
                                                  "that address them", "portfolio-offtrack"))
    return html.Section(parts, className="cx-portfolio-section", **{"aria-labelledby": "portfolio-offtrack-title"})


def finished_section(p: Portfolio) -> html.Section:
    rows = portfolio.finished_rows(p)
    parts = [html.H2("Finished initiatives", id="portfolio-finished-title"),
             takeaway(portfolio.finished_sentence(rows), id="portfolio-finished-sentence")]
    if rows:
        seen: set[str] = set()
        for r in rows:
            anchor = {"id": f"initiative-{r['id']}"} if r["id"] not in seen else {}
            seen.add(r["id"])
            r["initiative"] = html.Span(r["initiative"], **anchor)
        columns = [(k, label, (lambda v: v) if k == "initiative" else None) for k, label in portfolio.FINISHED_COLUMNS]
        parts.append(data_table(rows, columns, "Measures of finished initiatives: the quarter before the start and "
                                               "the latest quarter after the end", "portfolio-finished"))
        parts.append(html.P("Percent measures are tested with the two-proportion z test; a mean score's change is "
                            "shown but not tested (the stored results lack its spread). A measure can move for "
                            "other reasons too: read it as a sign, not a proof.", className="cx-footnote"))
    stopped = portfolio.stopped_rows(p)
    if stopped:
        parts += [html.H3("Stopped", id="portfolio-stopped-title"),
                  html.Ul([html.Li([html.Span(s["name"], id=f"initiative-{s['id']}"), f" ({s['owner']})"])
                           for s in stopped])]
    return html.Section(parts, className="cx-portfolio-section", **{"aria-labelledby": "portfolio-finished-title"})


# --- the page ---------------------------------------------------------------------------------

def layout(query: dict) -> html.Div:
    p = read(query)
    ctx = current()
    weights = default_weights()
    intro = html.P("Which CX improvement initiatives to do first: each is scored on customer value, mission value, "
                   "time criticality and risk reduction, against its size (weighted shortest job first). See which "
                   "measures each should move, which off-track measures no one is working on, and whether finished "
                   "initiatives moved their measures.", className="usa-intro")
    head = [html.H1("Initiative portfolio", id="portfolio-title"), intro,
            html.P(f"Showing {p.quarter.display}: customer value from the data and the measures off track are those "
                   "of this quarter.", className="cx-scope", id="portfolio-scope")]
    if not p.initiatives:
        return html.Div([*head, html.P(portfolio.empty_text(), id="portfolio-empty", className="cx-takeaway")],
                        className="cx-portfolio")
    base = portfolio.base_rows(p, ctx.catalogue)
    rows = portfolio.ranked(base, weights)
    return html.Div([
        *head,
        what_if_panel(weights),
        html.Section([html.H2("Initiatives ranked by WSJF", id="portfolio-ranked-title"),
                      html.Div(ranked_section(rows, weights), id="portfolio-ranked")],
                     className="cx-portfolio-section", **{"aria-labelledby": "portfolio-ranked-title"}),
        html.Section(html.Div(chart(rows), id="portfolio-chart-container"), className="cx-portfolio-section"),
        off_track_section(p, portfolio.off_track_rows(p, ctx.catalogue)),
        finished_section(p),
        html.Section([html.H2("Method", id="portfolio-method-title"),
                      html.P(portfolio.method_text(), className="cx-footnote", id="portfolio-method")],
                     className="cx-portfolio-section", **{"aria-labelledby": "portfolio-method-title"}),
        dcc.Store(id="portfolio-base", data=base),
        dcc.Store(id="portfolio-defaults", data=weights),
    ], className="cx-portfolio")


def what_if(values, base: list[dict] | None, defaults: dict | None) -> tuple:
    """New weights -> (ranked section, chart, what changed in words)."""
    base = base or []
    defaults = defaults or dict(wsjf.DEFAULT_WEIGHTS)
    weights = portfolio.parse_weights(values, defaults)
    before = portfolio.ranked(base, defaults)
    after = portfolio.ranked(base, weights)
    return ranked_section(after, weights), chart(after), portfolio.what_if_sentence(before, after)


def reset(defaults: dict | None) -> list[float]:
    """The inputs' values after Reset: the page's starting weights."""
    defaults = defaults or dict(wsjf.DEFAULT_WEIGHTS)
    return [defaults[c] for c in wsjf.COMPONENTS]
