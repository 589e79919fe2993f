"""One service at a time: the analysis pages (Journey, Service drivers, Equity, Customer voice) and
Operations open on a single catalogue service, never on a pool of unrelated services.

* Their filter lists hold only the catalogue's providers and services. Other sources' units (a
  FEVS unit, a city department, a provider of the A-11 file the catalogue does not name) appear
  only where their mapping files them under a catalogue provider and service.
* With no service in the address, a page opens on the service a scorecard card links from (its
  link names it) or else on the one furthest off track: the first service of the scorecard's
  bottom line (off track, then at risk, ..., the largest shortfall first).

Plain functions of frames and the catalogue: pages and tests call them without a browser.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from cxdash.catalogue import Catalogue
from cxdash.channels import ALL
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key
from cxdash.permissions import Scope
from cxdash.presentation import bottom_line, scorecard


def catalogue_options(options: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """The rows of a page's filter options (provider, service, ...) whose provider and service
    are a catalogue service (names matched by name_key); roll-ups ('all') are left out."""
    if options.empty:
        return options
    known = {(name_key(s.provider), name_key(s.name)) for s in catalogue.services}
    pairs = options[["provider", "service"]].drop_duplicates()
    keep = {(p, s) for p, s in pairs.itertuples(index=False)
            if s != ALL and (name_key(p), name_key(s)) in known}
    mask = [(p, s) in keep for p, s in options[["provider", "service"]].itertuples(index=False)]
    return options[mask]


def services_worst_first(catalogue: Catalogue, results: pd.DataFrame,
                         quarter: FiscalQuarter | None) -> list[tuple[str, str]]:
    """Every catalogue service as (provider, name), the furthest off track first.

    A service stands where its worst measure stands in the bottom line's order (status, then the
    shortfall from target), judged in ``quarter`` or, where no measure has a result that quarter,
    in the latest earlier quarter with results. ``results``: measure_result rows of the
    agency-wide scope (measure_id, fiscal_year, fiscal_quarter, value, status). Services without
    a measure follow in catalogue order."""
    rows = results if results is not None else pd.DataFrame()
    when = _judged_quarter(rows, quarter)
    by_measure = {}
    if when is not None and not rows.empty:
        mine = rows[(rows["fiscal_year"] == when.year) & (rows["fiscal_quarter"] == when.quarter)]
        by_measure = {r.measure_id: r for r in mine.itertuples(index=False)}
    cards = []
    for measure in catalogue.measures:
        row = by_measure.get(measure.id)
        value = None if row is None or pd.isna(row.value) else float(row.value)
        cards.append({"name": measure.name, "services": measure.services, "direction": measure.direction,
                      "value": value, "target": measure.target_for(when.year) if when else None,
                      "status": row.status if row is not None and isinstance(row.status, str) else "no_data"})
    ordered = []
    for card in sorted(cards, key=bottom_line.sort_key):
        ordered += [s for s in card["services"] if s not in ordered]
    ordered += [s.id for s in catalogue.services if s.id not in ordered]
    return [(catalogue.service(s).provider, " ".join(catalogue.service(s).name.split())) for s in ordered]


def _judged_quarter(results: pd.DataFrame, quarter: FiscalQuarter | None) -> FiscalQuarter | None:
    if results.empty:
        return quarter
    have = sorted({FiscalQuarter(int(y), int(q)) for y, q in
                   results[["fiscal_year", "fiscal_quarter"]].drop_duplicates().itertuples(index=False)})
    if quarter is None:
        return have[-1]
    earlier = [q for q in have if q <= quarter]
    return earlier[-1] if earlier else quarter


def default_service(options: pd.DataFrame, provider: str, quarter: str | None,
                    ranked: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Where a page opens when its address names no service: of the (stored) services in
    ``options`` (within ``provider`` unless 'all'), the first in ``ranked`` (worst first) with
    data in ``quarter``, else the first ranked one at all, else the first A-Z; None if none."""
    if options.empty:
        return None
    mine = options if provider == ALL else options[options["provider"].map(name_key).eq(name_key(provider))]
    mine = mine[mine["service"].ne(ALL)]
    if mine.empty:
        return None
    pairs = sorted({(p, s) for p, s in mine[["provider", "service"]].itertuples(index=False)},
                   key=lambda ps: (name_key(ps[0]), name_key(ps[1])))
    current = set()
    if quarter:
        q = FiscalQuarter.parse(quarter)
        now = mine[(mine["fiscal_year"] == q.year) & (mine["fiscal_quarter"] == q.quarter)]
        current = {(name_key(p), name_key(s)) for p, s in now[["provider", "service"]].itertuples(index=False)}
    stored = {(name_key(p), name_key(s)): (p, s) for p, s in pairs}
    keys = [(name_key(p), name_key(s)) for p, s in ranked]
    for candidates in ([k for k in keys if k in current], [k for k in keys if k in stored],
                       [k for k in stored if k in current]):
        for key in candidates:
            if key in stored:
                return stored[key]
    return pairs[0]


def resolved(query: dict, options: pd.DataFrame, catalogue: Catalogue,
             ranked: Callable[[str | None], list[tuple[str, str]]] | list[tuple[str, str]],
             scope: Scope | None = None, channel: bool = False) -> tuple[scorecard.Filters, scorecard.Choices]:
    """A single-service page's filters from its address or dropdowns: quarter, provider and one
    catalogue service, within the person's grants (``scope``); the lists offer no roll-up ('All
    providers', 'All services'). A service named in the address opens (a card's link); a
    provider alone opens its service furthest off track; nothing opens the service furthest off
    track of all. ``ranked``: the services worst first (services_worst_first), or a function of
    the resolved quarter that gives them. ``channel``: whether the page has a channel filter."""
    options = catalogue_options(options, catalogue)
    if scope is not None and not scope.everything:
        options = scope.narrow(options)
    filters, available = scorecard.resolved_query(query, options, channel=channel, scope=scope)
    if filters.provider != scorecard.NOTHING_GRANTED and filters.service == ALL:
        ranked = ranked(filters.quarter) if callable(ranked) else ranked
        picked = default_service(options, filters.provider, filters.quarter, ranked)
        if picked is None and filters.provider != ALL:
            picked = default_service(options, ALL, filters.quarter, ranked)
        if picked is not None:
            filters = replace(filters, provider=picked[0], service=picked[1])
        available = scorecard.choices(options, filters.provider)
    return filters, replace(available, all_providers=False, all_services=False)
