"""A review's contents from the database: the scorecard's cards and the journey heat map built by
the very functions the pages use (so the pack's numbers are the dashboard's), with the
quarter's commentary, the actions to follow up, the events in scope, the initiative portfolio
ranked by WSJF and the year's CX maturity profile."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from cxdash.catalogue import Catalogue
from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.db import benchmark_queries, journey_queries, published_queries, queries, review_queries
from cxdash.initiatives import configured_weights, portfolio_items
from cxdash.kinds import MAPPED_KINDS
from cxdash.maturity import maturity_profile
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import stored_name
from cxdash.permissions import EVERYTHING, Scope
from cxdash.presentation import benchmark, journey, scorecard
from cxdash.presentation.takeaways import status_summary
from cxdash.review.contents import (
    Action,
    Annotation,
    Benchmark,
    Commentary,
    Goal,
    Journey,
    JourneyCell,
    Maturity,
    MeasureSlide,
    Point,
    PortfolioItem,
    ReviewContents,
    ServicesSideBySide,
)

SOURCE = "OMB A-11 Section 280 survey (Touchpoints) and operational data; computed by cxdash"
OPERATIONAL_SOURCE = "Operational data (cases, contacts, feedback); computed by cxdash"  # no survey loaded


def scope_text(provider: str, service: str) -> str:
    return " · ".join(["All providers" if provider == ALL else provider, "All services" if service == ALL else service])


def assemble(engine: Engine, catalogue: Catalogue, quarter: FiscalQuarter, provider: str = ALL, service: str = ALL,
             review_date: dt.date | None = None, now: dt.datetime | None = None,
             channel: str = ALL) -> ReviewContents:
    """Today's numbers for the quarter's review of a scope (every channel, unless a page's export
    asks for the one it shows)."""
    now = now or dt.datetime.now(dt.UTC)
    review_date = review_date or now.date()
    with engine.connect() as conn:
        options = queries.filter_options(conn)
        provider, service = _stored_scope(options, provider, service)
        results = queries.measure_results(conn, provider=provider, service=service, channel=channel)
        survey_as_of = queries.survey_data_as_of(conn)
        operational_as_of = queries.data_as_of(conn, MAPPED_KINDS)
        notes = review_queries.commentary(conn, quarter.year, quarter.quarter)
        recorded = review_queries.actions(conn, quarter.year, quarter.quarter, since=quarter.previous().start)
        events = review_queries.annotations(conn, provider, service)
        scores = journey_queries.stage_scores(conn, quarter.year, quarter.quarter, provider, service)
        indicators = queries.scope_indicators(conn, provider, service, quarter.year, quarter.quarter)
        compared = _services(conn, catalogue, options, quarter, provider, service)
        counts = benchmark_queries.cross_agency_counts(conn)
        published = published_queries.published_values(conn)
    filters = scorecard.Filters(quarter.label, provider, service, channel)
    sections = scorecard.build_cards(catalogue, results, filters, survey_as_of)
    # Whoever may open this pack may see its scope, no more: a scoped pack's cross-agency figure
    # follows the rule for a person granted that scope.
    readers = EVERYTHING if provider == ALL else Scope.of([(provider, service)])
    benchmark.attach(scorecard.all_cards(sections), catalogue, quarter, counts, published, readers)
    measures = [_measure(card, section, objective, catalogue, notes.get(card["measure_id"]))
                for section in sections for objective in section["objectives"] for card in objective["cards"]]
    names = {m.id: m.name for m in catalogue.measures}
    as_of = _as_of(quarter, survey_as_of, operational_as_of, indicators)
    portfolio, portfolio_takeaway = _portfolio(engine, catalogue, quarter, provider, service)
    return ReviewContents(
        agency=catalogue.agency, quarter=quarter.label, quarter_display=quarter.display,
        provider=provider, service=service, scope_text=scope_text(provider, service),
        filters_text=" · ".join([quarter.display, scope_text(provider, service),
                                 "all channels" if channel == ALL else channel_label(channel)]),
        source=SOURCE if survey_as_of else OPERATIONAL_SOURCE, as_of=as_of, generated_at=now, review_date=review_date,
        status_takeaway=(status_summary(scorecard.all_cards(sections), quarter.display) if catalogue.measures else
                         f"The catalog defines no survey measures, so nothing is scored against a target in "
                         f"{quarter.display}."),
        goals=[Goal(id=s["id"], name=s["name"], description=s["description"] or "",
                    measure_ids=[c["measure_id"] for o in s["objectives"] for c in o["cards"]],
                    takeaway=status_summary([c for o in s["objectives"] for c in o["cards"]], quarter.display))
               for s in sections],
        measures=measures,
        journey=_journey(scores, indicators, catalogue, filters, quarter) if service != ALL else None,
        services=compared,
        actions=[_action(a, names, review_date) for a in _in_scope(recorded, catalogue, provider, service)],
        annotations=[Annotation(**e, quarter=FiscalQuarter.of_date(e["event_date"]).display) for e in events],
        portfolio=portfolio, portfolio_takeaway=portfolio_takeaway if portfolio else "",
        maturity=_maturity(engine, quarter),
    )


def _services(conn, catalogue: Catalogue, options, quarter: FiscalQuarter, provider: str,
              service: str) -> ServicesSideBySide | None:
    """A review of several services compares them side by side, one row each (the catalogue's
    services in the scope with data in the quarter); stages of different services pooled into one
    journey would be no one's journey. None for a review of one service, or fewer than two with data."""
    if service != ALL:
        return None
    min_n, found = catalogue.settings.min_n, []
    for entry in catalogue.services_named(provider, service):
        p, s = _stored_scope(options, entry.provider, entry.name)
        cells = journey.stage_cells(journey_queries.stage_scores(conn, quarter.year, quarter.quarter, p, s),
                                    queries.scope_indicators(conn, p, s, quarter.year, quarter.quarter),
                                    entry.stages, min_n)
        if not cells.empty:
            found.append((f"{' '.join(s.split())} ({p})", cells))  # as the data name it, as the rest of the pack
    if len(found) < 2:
        return None
    header, rows = journey.side_by_side(found, min_n)
    return ServicesSideBySide(header=header, rows=rows, takeaway=(
        f"{len(rows)} services in {quarter.display}, one row each: every figure is one service's own, over all its "
        "journey stages; services are never added together. Each service's journey is in its own pack."))


def _in_scope(recorded: list[dict], catalogue: Catalogue, provider: str, service: str) -> list[dict]:
    """A scoped review's decisions and actions: those on measures covering a service in the scope
    (an agency-wide one, on no measure, only in the review of everything), so a provider's pack
    never names another provider's measures."""
    if provider == ALL and service == ALL:
        return recorded
    ids = {s.id for s in catalogue.services_named(provider, service)}
    covered = {m.id for m in catalogue.measures if ids & set(m.services)}
    return [a for a in recorded if a["measure_id"] in covered]


def _stored_scope(options, provider: str, service: str) -> tuple[str, str]:
    """The scope as the results store it: a provider or service named in another case or spacing
    (the catalogue's, a typed one) is looked up by name_key; a name not stored is kept as given."""
    if provider != ALL:
        provider = stored_name(provider, options["provider"]) or provider
    if service != ALL:
        scoped = options if provider == ALL else options[options["provider"].eq(provider)]
        service = stored_name(service, scoped["service"]) or service
    return provider, service


def _portfolio(engine: Engine, catalogue: Catalogue, quarter: FiscalQuarter, provider: str,
               service: str) -> tuple[list[PortfolioItem], str]:
    """The ranked portfolio; a scoped review keeps the initiatives on its services, with their
    ranks across the whole portfolio (resources are allocated across it)."""
    items, sentence = portfolio_items(engine, catalogue, configured_weights(catalogue), quarter)
    if provider == ALL and service == ALL:
        return items, sentence
    ids = {s.id for s in catalogue.services_named(provider, service)}
    mine = [i for i in items if ids & set(i.services)]
    return mine, (f"{len(mine)} of the portfolio's {len(items)} open initiatives work on {scope_text(provider, service)}; "
                  "ranks are across the whole portfolio.")


def _maturity(engine: Engine, quarter: FiscalQuarter) -> Maturity | None:
    """The fiscal year's self-assessment (organization-wide: the same whatever the scope)."""
    from cxdash.maturity import load_model
    return maturity_profile(engine, load_model(), quarter.year)


def _measure(card: dict, section: dict, objective: dict, catalogue: Catalogue, note: dict | None) -> MeasureSlide:
    measure = catalogue.measure(card["measure_id"])
    return MeasureSlide(
        measure_id=measure.id, name=measure.name, definition=measure.definition, goal=section["name"],
        objective=objective["name"], unit=measure.unit, direction=measure.direction, owner=measure.owner,
        stages=list(measure.stages), value=card["value"], ci_low=card["ci_low"], ci_high=card["ci_high"],
        n=card["n"], suppressed=card["suppressed"], min_n=card["min_n"], target=card["target"], status=card["status"],
        change=card["change"], p_value=card["p_value"], significant=card["significant"],
        prev_label=card["prev_label"], points=[Point(**p) for p in card["sparkline"]],
        trend_takeaway=card["trend_takeaway"], wordings=card["wordings"], counts=card["counts"],
        wording_note=card["wording_note"],
        commentary=Commentary(**note) if note else None,
        quarter_label=card["quarter_label"], practical_change=card["practical_change"],
        change_clear=card["change_clear"], change_summary=card["change_summary"], prev_status=card["prev_status"],
        last_value=card["last_value"], last_label=card["last_label"], next_label=card["next_label"],
        next_due=card["next_due"], benchmarks=[Benchmark(**{k: b[k] for k in Benchmark.model_fields})
                                                for b in card.get("benchmarks", [])],
    )


def _as_of(quarter: FiscalQuarter, survey_as_of: dt.date | None, operational_as_of: dt.date | None,
           indicators) -> dt.date | None:
    """The day the pack's data run to: the survey's, or for a pack of operational data alone (a
    city's 311 service), the day this scope's backlog was counted on where its data end within
    the quarter, else the latest operational load's, never past the quarter's end."""
    if survey_as_of:
        return min(quarter.end, survey_as_of)
    counted_on = journey.backlog_counted_on(indicators)
    if counted_on:
        return counted_on
    return min(quarter.end, operational_as_of) if operational_as_of and not indicators.empty else None


def _journey(scores, indicators, catalogue: Catalogue, filters: scorecard.Filters,
             quarter: FiscalQuarter) -> Journey | None:
    min_n = catalogue.settings.min_n
    cells = journey.stage_cells(scores, indicators, scorecard.service_stages(catalogue, filters), min_n)
    if cells.empty:
        return None
    assessed = journey.assess(cells, journey.catalogue_targets(catalogue, filters.provider, filters.service,
                                                               quarter.year))
    stages, shown, grid = journey.heat_grid(assessed, min_n)
    return Journey(stages=[journey.stage_label(s) for s in stages], indicators=[i.short for i in shown],
                   cells=[[JourneyCell(value=c.value, marks=list(c.marks), score=c.score) for c in row] for row in grid],
                   takeaway=journey.weakest_stage_sentence(assessed, quarter.display, min_n),
                   notes=[note for note in [journey.backlog_as_of_note(indicators, quarter.display)] if note])


def action_state(status: str, due_date: dt.date | None, on: dt.date) -> str:
    """Done; late when open past its due date on the review day; else open."""
    if status == "done":
        return "done"
    return "late" if due_date is not None and due_date < on else "open"


def _action(row: dict, names: dict[str, str], review_date: dt.date) -> Action:
    return Action(
        id=row["id"], measure_id=row["measure_id"], measure_name=names.get(row["measure_id"]),
        quarter=FiscalQuarter(row["fiscal_year"], row["fiscal_quarter"]).label, kind=row["kind"],
        description=row["description"], owner=row["owner"] or "", due_date=row["due_date"], status=row["status"],
        completed_on=row["completed_on"], state=action_state(row["status"], row["due_date"], review_date))
