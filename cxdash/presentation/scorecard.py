"""The executive scorecard: measures grouped by mission goal, for a quarter and a filter scope.

Plain functions of (catalogue, results, filters): the page, the callback and the review pack call
them (so a deck shows the page's numbers), and tests call them without a browser.
"""
from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import asdict, dataclass, field, replace

import pandas as pd

from cxdash.catalogue import Catalogue, Measure
from cxdash.channels import ALL
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key, stored_name
from cxdash.permissions import Scope
from cxdash.presentation.formatting import (
    change_summary,
    change_verdict,
    format_change,
    format_interval,
    format_n,
    format_p,
    format_value,
    scale_sentence,
)
from cxdash.presentation.takeaways import STATUS_WORDS, trend_sentence
from cxdash.presentation.wording import wording_note

FILTER_KEYS = ("quarter", "provider", "service", "channel")


@dataclass(frozen=True)
class Filters:
    quarter: str | None = None
    provider: str = ALL
    service: str = ALL
    channel: str = ALL

    @classmethod
    def from_query(cls, query: dict) -> Filters:
        values = {k: (query.get(k) or None) for k in FILTER_KEYS}
        quarter = values["quarter"]
        if quarter:
            try:
                quarter = FiscalQuarter.parse(quarter).label
            except ValueError:
                quarter = None
        return cls(quarter=quarter, provider=values["provider"] or ALL,
                   service=values["service"] or ALL, channel=values["channel"] or ALL)

    def query_string(self) -> str:
        """Only what differs from the defaults, so a shared link stays short."""
        items = {k: v for k, v in asdict(self).items() if v and v not in (ALL, NOTHING_GRANTED)}
        return "?" + urllib.parse.urlencode(items) if items else ""


@dataclass(frozen=True)
class Choices:
    quarters: list[str]
    providers: list[str]
    services: list[str]
    channels: list[str]
    provider_of: dict[str, str] = field(default_factory=dict)  # service -> its provider
    all_providers: bool = True  # whether "All providers" (the agency-wide roll-up) may be chosen
    all_services: bool = True  # whether "All services" (the provider's roll-up) may be chosen


def choices(options: pd.DataFrame, provider: str) -> Choices:
    """What each filter can take, from the computed results (no empty combinations)."""
    if options.empty:
        return Choices([], [], [], [])
    quarters = sorted({FiscalQuarter(int(y), int(q)) for y, q in options[["fiscal_year", "fiscal_quarter"]].itertuples(index=False)},
                      reverse=True)
    providers = sorted(set(options["provider"]) - {ALL})
    scoped = options if provider == ALL else options[options["provider"].map(name_key).eq(name_key(provider))]
    services = sorted(set(scoped["service"]) - {ALL})
    channels = sorted(set(options["channel"]) - {ALL})
    pairs = options.loc[options["service"].ne(ALL), ["service", "provider"]].drop_duplicates()
    return Choices([q.label for q in quarters], providers, services, channels,
                   dict(zip(pairs["service"], pairs["provider"])))


def resolve(filters: Filters, available: Choices) -> Filters:
    """Drop filter values that do not exist (old links, a service outside the chosen provider);
    a chosen service brings its provider with it. Provider and service are matched by name_key
    and come back in the stored spelling (what database filters compare with)."""
    quarter = filters.quarter if filters.quarter in available.quarters else (available.quarters[0] if available.quarters else None)
    provider = (filters.provider != ALL and stored_name(filters.provider, available.providers)) or ALL
    service = (filters.service != ALL and stored_name(filters.service, available.services)) or ALL
    if service != ALL:
        provider = available.provider_of.get(service, provider)  # results are kept per provider and service
    channel = filters.channel if filters.channel in available.channels else ALL
    return Filters(quarter, provider, service, channel)


# What a person whose grants cover nothing with results is shown: a provider no row has.
NOTHING_GRANTED = "(no provider granted)"


def resolved_query(query: dict, options: pd.DataFrame, channel: bool = True,
                   scope: Scope | None = None) -> tuple[Filters, Choices]:
    """A page's filters from its URL or dropdowns, against what exists in ``options``; when a
    chosen service brings its provider, the service list becomes that provider's.

    With a ``scope`` (the person's grants) this is the one place row-level restriction applies to
    a page: the options lose every row outside the scope, roll-ups included ('all' providers
    unless cross-agency, a provider's 'all' services unless the whole provider is granted), and a
    request outside the scope (an old link, another provider, a roll-up) resolves to the person's
    own default scope, or to NOTHING_GRANTED (no rows), never to data they may not see."""
    if scope is not None and not scope.everything:
        options = scope.narrow(options)
    raw = Filters.from_query(query if channel else {**query, "channel": None})
    available = choices(options, raw.provider)
    filters = resolve(raw, available)
    if scope is not None and not scope.allows(filters.provider, filters.service):
        filters = _within(scope, options, filters)
    if filters.provider != raw.provider or scope is not None:
        available = choices(options, filters.provider)
    if scope is not None and not scope.everything:
        available = replace(available, all_providers=False,
                            all_services=scope.allows(filters.provider, ALL))
    return filters, available


def _within(scope: Scope, options: pd.DataFrame, filters: Filters) -> Filters:
    """The nearest scope the person may see: the chosen provider's first granted service, else
    their default (first granted provider), else nothing."""
    if filters.provider != ALL and scope.allows_provider(filters.provider):
        mine = options[options["provider"].map(name_key).eq(name_key(filters.provider))]
        services = sorted(s for s in set(mine["service"]) if s != ALL and scope.allows(filters.provider, s))
        if services:
            return replace(filters, service=services[0])
    provider, service = scope.default(options)
    if provider is None:
        return replace(filters, quarter=None, provider=NOTHING_GRANTED, service=NOTHING_GRANTED)
    return replace(filters, provider=provider, service=service)


def service_stages(catalogue: Catalogue, filters: Filters) -> list[str] | None:
    """The chosen service's journey stages in catalogue order (None for a roll-up or an unknown service)."""
    entry = catalogue.find_service(filters.provider, filters.service) if filters.service != ALL else None
    return entry.stages if entry else None


def _covers(measure: Measure, catalogue: Catalogue, filters: Filters) -> bool:
    """Whether the measure covers a service in the filter scope (names matched by name_key)."""
    in_scope = {s.id for s in catalogue.services_named(filters.provider, filters.service)}
    return any(s in in_scope for s in measure.services)


def build_cards(catalogue: Catalogue, results: pd.DataFrame, filters: Filters,
                survey_as_of: dt.date | None) -> list[dict]:
    """Goal sections, each with objective groups of card dicts (the measure_card contract)."""
    quarter = FiscalQuarter.parse(filters.quarter)
    span = [quarter.previous(k) for k in reversed(range(catalogue.settings.sparkline_quarters))]
    by_key = {(r.measure_id, r.fiscal_year, r.fiscal_quarter): r for r in results.itertuples(index=False)}
    sections = []
    for goal in catalogue.goals:
        objectives = []
        for objective in goal.objectives:
            cards = [_card(m, by_key, quarter, span, catalogue, survey_as_of) | {"href": drill_down(m, catalogue, filters)}
                     for m in objective.measures if _covers(m, catalogue, filters)]
            if cards:
                objectives.append({"id": objective.id, "name": objective.name, "cards": cards})
        if objectives:
            sections.append({"id": goal.id, "name": goal.name, "description": goal.description, "objectives": objectives})
    return sections


def drill_down(measure: Measure, catalogue: Catalogue, filters: Filters) -> str:
    """The measure's service page: why it moved (drivers, channels, trend). A measure of one
    service opens that service; one spanning several keeps the scorecard's scope."""
    services = [catalogue.service(s) for s in measure.services]
    provider, service = filters.provider, filters.service
    if len(services) == 1:
        provider, service = services[0].provider, " ".join(services[0].name.split())
    query = {"quarter": filters.quarter, "provider": provider, "service": service, "outcome": measure.params.question}
    return "/service?" + urllib.parse.urlencode({k: v for k, v in query.items() if v and v != ALL})


def _card(measure: Measure, by_key: dict, quarter: FiscalQuarter, span: list[FiscalQuarter],
          catalogue: Catalogue, survey_as_of: dt.date | None) -> dict:
    row = by_key.get((measure.id, quarter.year, quarter.quarter))
    previous = quarter.previous()
    has_value = row is not None and row.value is not None and not pd.isna(row.value)
    as_of = None
    if has_value:
        as_of = quarter.end if survey_as_of is None or quarter.end <= survey_as_of else survey_as_of
    points = []
    for q in span:
        r = by_key.get((measure.id, q.year, q.quarter))
        value = None if r is None or r.value is None or pd.isna(r.value) else float(r.value)
        points.append({"label": q.display, "value": value, "n": int(r.n) if value is not None else None,
                       "target": measure.target_for(q.year)})
    target = measure.target_for(quarter.year)
    status = row.status if row is not None else "no_data"
    scale_note = _scale_note(measure, row)
    change = _num(row.change) if row is not None else None
    significant = None if row is None or row.significant is None or pd.isna(row.significant) else bool(row.significant)
    prev_label = previous.display if row is not None and change is not None else None
    clear = change_verdict(change, significant, measure.change_threshold)
    prev_row = by_key.get((measure.id, previous.year, previous.quarter))
    year_ago = quarter.previous(4)
    year_row = by_key.get((measure.id, year_ago.year, year_ago.quarter))
    last = None if has_value else _last_known(measure, by_key, quarter)
    lag = dt.timedelta(days=catalogue.settings.report_lag_days)
    return {
        "measure_id": measure.id, "name": measure.name,
        "definition": f"{measure.definition} {scale_note}" if scale_note else measure.definition,
        "scale": getattr(row, "scale", None) if row is not None else None, "scale_note": scale_note,
        "unit": measure.unit, "direction": measure.direction,
        "value": float(row.value) if has_value else None,
        "ci_low": _num(row.ci_low) if row is not None else None,
        "ci_high": _num(row.ci_high) if row is not None else None,
        "n": int(row.n) if row is not None else None,
        "suppressed": bool(row.suppressed) if row is not None else False,
        "min_n": catalogue.settings.min_n,
        "target": target, "status": status,
        "change": change,
        "p_value": _num(row.p_value) if row is not None else None,
        "significant": significant,
        "prev_label": prev_label,
        # One baseline on executive surfaces: the previous quarter, called a clear change only when
        # significant and at least the measure's practical threshold.
        "practical_change": measure.change_threshold,
        "change_clear": clear,
        "change_summary": change_summary(change, measure.unit, clear, prev_label) if has_value else None,
        "gap": float(row.value) - target if has_value and target is not None else None,
        "prev_status": prev_row.status if prev_row is not None else None,
        # The year-ago change is analyst detail, never beside the quarter's change.
        "year_ago_label": year_ago.display,
        "year_ago_change": (float(row.value) - float(year_row.value)
                            if has_value and year_row is not None and _num(year_row.value) is not None else None),
        "last_value": last[1] if last else None,
        "last_label": last[0].display if last else None,
        "next_label": quarter.next().display,
        "next_due": (quarter.next().end + lag).isoformat(),
        "quarter_label": quarter.display,
        "sparkline": points,
        "trend_takeaway": trend_sentence(points, measure.unit, catalogue.settings.alpha),
        "owner": measure.owner,
        "as_of": as_of.isoformat() if as_of else None,
        "wordings": [w for w in (row.wordings or "").split("\n") if w] if row is not None else [],
        "counts": measure.counts,
        "wording_note": wording_note(_wording_history(measure, by_key, quarter)),
    }


def _wording_history(measure: Measure, by_key: dict, quarter: FiscalQuarter) -> list[tuple[FiscalQuarter, list[str]]]:
    """Each quarter up to ``quarter`` with results of the measure, oldest first, and its wordings."""
    mine = sorted((FiscalQuarter(y, q), r) for (m, y, q), r in by_key.items()
                  if m == measure.id and FiscalQuarter(y, q) <= quarter)
    return [(q, [w for w in (getattr(r, "wordings", None) or "").split("\n") if w]) for q, r in mine]


def _last_known(measure: Measure, by_key: dict, quarter: FiscalQuarter) -> tuple[FiscalQuarter, float] | None:
    """The latest quarter before ``quarter`` with a value of the measure (not suppressed), and that value."""
    known = [(FiscalQuarter(y, q), float(r.value)) for (m, y, q), r in by_key.items()
             if m == measure.id and FiscalQuarter(y, q) < quarter and _num(r.value) is not None
             and not bool(getattr(r, "suppressed", False))]
    return max(known, key=lambda k: k[0].index) if known else None


def _scale_note(measure: Measure, row) -> str | None:
    """Where the scope holds the measure's question in two forms (thumbs and Likert trust), the
    sentence saying which one the value counts (compute keeps the one with more responses)."""
    other = getattr(row, "other_scale_n", None) if row is not None else None
    if other is None or pd.isna(other) or not other or not getattr(row, "scale", None):
        return None
    return scale_sentence(measure.params.question.replace("_", " ").capitalize(), row.scale, int(other))


def _num(value):
    return None if value is None or pd.isna(value) else float(value)


def all_cards(sections: list[dict]) -> list[dict]:
    return [c for s in sections for o in s["objectives"] for c in o["cards"]]


TABLE_COLUMNS = [
    ("name", "Measure", None),
    ("value_text", "Value", None),
    ("interval_text", "95% interval", None),
    ("n_text", "n", None),
    ("target_text", "Target", None),
    ("status_text", "Status", None),
    ("change_text", "Change vs previous quarter", None),
    ("owner", "Owner", None),
]


def table_rows(cards: list[dict]) -> list[dict]:
    """The whole scorecard as rows: the table alternative of the status chart and the cards."""
    rows = []
    for c in cards:
        unit = c["unit"]
        if c["suppressed"]:
            value = f"Suppressed (n < {c['min_n']})"
        else:
            value = format_value(c["value"], unit)
        change = format_change(c["change"], unit)
        if c["p_value"] is not None:
            change += f" ({'significant' if c['significant'] else 'not significant'}, {format_p(c['p_value'])})"
        rows.append({
            "name": c["name"], "value_text": value,
            "interval_text": format_interval(c["ci_low"], c["ci_high"], unit),
            "n_text": format_n(c["n"]), "target_text": format_value(c["target"], unit),
            "status_text": STATUS_WORDS[c["status"]].capitalize(), "change_text": change, "owner": c["owner"],
        })
    return rows


STATUS_COLOURS = {"on_track": "#00a91c", "at_risk": "#ffbe2e", "off_track": "#d54309",
                  "no_target": "#71767a", "no_data": "#a9aeb1"}


def status_figure(cards: list[dict]):
    """Count of measures by status: a bar each, labelled, so colour is never the only cue."""
    import plotly.graph_objects as go

    from cxdash.presentation.takeaways import ORDER
    counts = {s: sum(1 for c in cards if c["status"] == s) for s in ORDER}
    shown = [s for s in ORDER if counts[s]]
    fig = go.Figure(go.Bar(
        y=[STATUS_WORDS[s].capitalize() for s in shown], x=[counts[s] for s in shown], orientation="h",
        marker={"color": [STATUS_COLOURS[s] for s in shown], "line": {"color": "#1b1b1b", "width": 1}},
        text=[str(counts[s]) for s in shown], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x} measures<extra></extra>",
    ))
    most = max((counts[s] for s in shown), default=1)
    fig.update_layout(height=90 + 36 * max(len(shown), 1), margin={"l": 10, "r": 40, "t": 36, "b": 30},
                      # Room right of the longest bar for its label; room above for the toolbar.
                      xaxis={"title": "Number of measures", "dtick": 1, "range": [0, most * 1.12 + 0.2]},
                      yaxis={"autorange": "reversed"}, plot_bgcolor="white", paper_bgcolor="white",
                      font={"family": "Source Sans Pro Web, Helvetica Neue, Helvetica, Roboto, Arial, sans-serif", "size": 15})
    return fig


def status_table_rows(cards: list[dict]) -> list[dict]:
    from cxdash.presentation.takeaways import ORDER
    return [{"status": STATUS_WORDS[s].capitalize(), "count": sum(1 for c in cards if c["status"] == s)}
            for s in ORDER if any(c["status"] == s for c in cards)]
