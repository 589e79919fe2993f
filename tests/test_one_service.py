"""One service at a time on the Journey, Service drivers, Equity, Customer voice and Operations
pages, without a browser: their filter lists hold exactly the catalogue's providers and services (never a FEVS
unit, a Boston department, an A-11 provider or service the catalogue does not name, or a roll-up
'All ...'); with no service in the link they open on the service furthest off track, worked out
here from the raw quarterly file and the catalogue's YAML; a card's link and a person's grants
are kept; no stage of one service appears in another service's journey; and Operations compares
services side by side, one row each."""
from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest

from cxdash.catalogue import Service
from cxdash.channels import ALL
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import equity_page, journey_page, operations_page, service_page, voice_page
from cxdash.db import queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.permissions import Scope
from cxdash.presentation import journey, one_service, scorecard
from cxdash.presentation.heat_map import Cell, cell_width, figure_min_width, text_width

from . import boston
from .conftest import QUARTERLY, configured_sources, sample_source
from .test_journey_view import _find, _header, _walk

PAGES = {"journey": journey_page, "service": service_page, "equity": equity_page, "voice": voice_page,
         "operations": operations_page}
QUESTION_NUMBERS = {"satisfaction": 1, "trust": 2, "effectiveness": 3, "ease": 4, "efficiency": 5,
                    "transparency": 6, "employee": 7}  # the A-11 generation-1 questions
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")
MIN_N = 30


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    """Every kind of source the demo ships: the real A-11 quarterly file (providers and services
    beyond the catalogue), Boston 311 cases (city departments), FEVS (agency units), the
    synthetic contact centre, complaints and response-level survey (mapped to the catalogue's
    synthetic service)."""
    engine, sources = configured_sources(tmp_path_factory.mktemp("one-service"), catalogue, [
        sample_source("a11"), boston.source("311"), sample_source("fevs"), sample_source("contacts"),
        sample_source("complaints"), sample_source("responses")])
    yield engine, sources
    engine.dispose()


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(QUARTERLY)


# --- the independent side: the furthest off track from the raw file and the YAML ------------------

def _measure_value(raw: pd.DataFrame, service_name: str, year: int, quarter: int, question: str, statistic: str):
    """% agree (4-5) or the mean (1-5) of one question of one service and quarter, rows summed;
    None below MIN_N responses."""
    rows = raw[(raw["attributes_service_name"].str.strip() == service_name)
               & (raw["attributes_collection_year"] == year) & (raw["attributes_collection_quarter"] == quarter)]
    q = QUESTION_NUMBERS[question]
    counts = [int(rows[f"attributes_q{q}_{k}"].sum()) for k in range(1, 6)]
    n = sum(counts)
    if n < MIN_N:  # suppressed: no value to judge
        return None
    return (counts[3] + counts[4]) / n if statistic == "pct_agree" else sum(k * c for k, c in zip(range(1, 6), counts)) / n


def furthest_off_track(raw: pd.DataFrame, yaml_catalogue: dict, year: int, quarter: int,
                       provider: str | None = None) -> tuple[str, str]:
    """The service of the off-track measure with the largest shortfall (higher is better for every
    measure of the shipped catalogue): shortfall = target - value; off track when it is more than
    the measure's at-risk band."""
    services = {s["id"]: s for s in yaml_catalogue["services"]}
    worst = None
    for measure in (m for g in yaml_catalogue["goals"] for o in g["objectives"] for m in o["measures"]):
        [service_id] = measure["services"]
        service = services[service_id]
        if provider is not None and service["provider"] != provider:
            continue
        assert measure["direction"] == "higher"
        value = _measure_value(raw, service["name"], year, quarter, measure["params"]["question"],
                               measure["params"]["statistic"])
        target = measure["targets"].get(f"FY{year}")
        if value is None or target is None:
            continue
        shortfall = target - value
        if shortfall > measure["thresholds"]["at_risk_within"] and (worst is None or shortfall > worst[0]):
            worst = (shortfall, (service["provider"], service["name"]))
    assert worst is not None, "no measure off track: the check could not tell a ranking from a guess"
    return worst[1]


def _dropdown(layout, component_id):
    return _find(layout, component_id)


def _pairs(page, query: dict | None = None) -> set[tuple[str, str]]:
    """Every (provider, service) the page's dropdowns offer: each provider's service list."""
    layout = page.layout(query or {})
    providers = [o["value"] for o in _dropdown(layout, f"{page.PREFIX}-provider").options]
    quarter = _dropdown(layout, f"{page.PREFIX}-quarter").value
    pairs = set()
    for provider in providers:
        chosen, options, _service, *_ = page.update(quarter=quarter, provider=provider, service=ALL)
        assert chosen == provider
        pairs |= {(provider, o["value"]) for o in options}
    return pairs


# --- filter lists: the catalogue's providers and services only --------------------------------------

def test_filter_lists_hold_exactly_the_catalogue_services(context, catalogue):
    engine = context
    # The data hold much more: Boston departments, FEVS units, A-11 providers and services the
    # catalogue does not name (the journey page's own options, before the catalogue filter).
    everything = queries.journey_options(engine)
    assert {boston.PROVIDER, "National Weather Service", "Transportation Security Administration"} <= set(
        everything["provider"])
    assert "Seeking assistance with the Federal job application process from the USAJOBS help desk" in set(
        everything["service"])  # a service of a catalogue provider that the catalogue does not name
    named = {(s.provider, " ".join(s.name.split())) for s in catalogue.services}
    # Every catalogue service has survey or operational data here, so the journey offers exactly them.
    assert _pairs(journey_page) == named
    for name, page in PAGES.items():
        pairs = _pairs(page)
        assert pairs and pairs <= named, name
        layout = page.layout({})
        providers = [o["label"] for o in _dropdown(layout, f"{page.PREFIX}-provider").options]
        services = [o["label"] for o in _dropdown(layout, f"{page.PREFIX}-service").options]
        assert "All providers" not in providers and "All services" not in services, name
    # Voice: only the synthetic service has feedback (the complaints are mapped to it).
    assert _pairs(voice_page) == {SYNTHETIC}


def test_catalogue_options_keep_mapped_units_and_drop_the_rest(catalogue):
    """Pure: a unit reaches the lists only under a catalogue provider and service (its mapping's
    work), names matched by case and spacing; roll-ups never."""
    rows = [("Veterans Health Administration", "Receiving outpatient services"),   # A-11, or a mapped unit
            ("veterans health  administration", "receiving outpatient services"),  # another spelling
            ("Veterans Health Administration", ALL),                               # the provider's roll-up
            (ALL, ALL),
            ("National Weather Service", ALL),                                     # a FEVS unit
            (boston.PROVIDER, "Dead Animal Pick-up"),                              # a city department
            ("Federal Employment Services", "USAJOBS help desk")]                 # a service not in the catalogue
    options = pd.DataFrame(rows, columns=["provider", "service"]).assign(fiscal_year=2023, fiscal_quarter=1)
    kept = one_service.catalogue_options(options, catalogue)
    assert list(kept.itertuples(index=False, name=None)) == [(*rows[0], 2023, 1), (*rows[1], 2023, 1)]


# --- where a page opens -----------------------------------------------------------------------------

def test_pages_open_on_the_service_furthest_off_track(context, raw, yaml_catalogue):
    latest = FiscalQuarter(2023, 1)  # the latest quarter of the A-11 file
    expected = furthest_off_track(raw, yaml_catalogue, latest.year, latest.quarter)
    for name in ("journey", "service", "equity"):
        page = PAGES[name]
        layout = page.layout({"quarter": latest.label})
        chosen = (_dropdown(layout, f"{page.PREFIX}-provider").value, _dropdown(layout, f"{page.PREFIX}-service").value)
        assert chosen == expected, name
        # The address names it, so a copied link or Back reopens the same service.
        query = urllib.parse.parse_qs(_dropdown(layout, f"{page.PREFIX}-query").data[1:])
        assert (query["provider"], query["service"]) == ([expected[0]], [expected[1]]), name
    # Another quarter, another ranking: each worked out from the raw counts.
    for quarter in (FiscalQuarter(2022, 2), FiscalQuarter(2021, 4)):
        provider, _, service, *_ = journey_page.update(quarter=quarter.label, provider=None, service=None)
        assert (provider, service) == furthest_off_track(raw, yaml_catalogue, quarter.year, quarter.quarter)
    # A provider alone opens its own service furthest off track.
    provider, _, service, _, _ = service_page.update(quarter=latest.label, provider="Internal Revenue Service",
                                                     service=ALL)
    assert (provider, service) == furthest_off_track(raw, yaml_catalogue, latest.year, latest.quarter,
                                                     "Internal Revenue Service")
    # Voice has feedback of one service only: it opens there.
    provider, _, service, *_ = voice_page.update(quarter=None, provider=None, service=None)
    assert (provider, service) == SYNTHETIC


def test_a_cards_link_opens_its_service(context, catalogue):
    results = queries.measure_results(context)
    filters = scorecard.Filters("FY2023Q1")
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, results, filters, None))
    card = next(c for c in cards if c["measure_id"] == "vha-outpatient-trust")  # at risk: not the default
    url = urllib.parse.urlparse(card["href"])
    query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
    layout = service_page.layout(query)
    assert (_dropdown(layout, "service-provider").value, _dropdown(layout, "service-service").value) == (
        "Veterans Health Administration", "Receiving outpatient services")
    # The same scope on the journey and equity pages (the service page's onward links carry it).
    for page in (journey_page, equity_page):
        layout = page.layout({"quarter": query["quarter"], "provider": query["provider"], "service": query["service"]})
        assert _dropdown(layout, f"{page.PREFIX}-service").value == "Receiving outpatient services"


def test_grants_narrow_the_lists_and_the_default(catalogue):
    """Pure: a person granted VHA only opens on VHA even when IRS.gov is furthest off track and the
    link names IRS; an 'all' link never opens a roll-up; nobody granted sees nothing."""
    options = pd.DataFrame([("Internal Revenue Service", "Visiting IRS.gov", 2023, 1),
                            ("Veterans Health Administration", "Receiving outpatient services", 2023, 1),
                            ("Veterans Health Administration", ALL, 2023, 1),
                            (ALL, ALL, 2023, 1)],
                           columns=["provider", "service", "fiscal_year", "fiscal_quarter"]).assign(channel=ALL)
    ranked = [("Internal Revenue Service", "Visiting IRS.gov"),
              ("Veterans Health Administration", "Receiving outpatient services")]
    filters, available = one_service.resolved({}, options, catalogue, ranked)
    assert (filters.provider, filters.service) == ranked[0]
    assert not available.all_providers and not available.all_services
    vha = Scope.of([("Veterans Health Administration", ALL)])
    for query in ({}, {"provider": "Internal Revenue Service"}, {"provider": ALL, "service": ALL},
                  {"service": "Visiting IRS.gov"}):
        filters, available = one_service.resolved(query, options, catalogue, ranked, scope=vha)
        assert (filters.provider, filters.service) == ranked[1], query
        assert available.providers == ["Veterans Health Administration"]
        assert available.services == ["Receiving outpatient services"]
    filters, available = one_service.resolved({}, options, catalogue, ranked, scope=Scope())
    assert filters.provider == scorecard.NOTHING_GRANTED and available.providers == []


def test_services_worst_first_follows_the_bottom_line_order(catalogue):
    """Pure: off track before at risk before on track, the largest shortfall first; a quarter
    without results is judged on the latest earlier one; services without a measure come last."""
    measures = {m.id: m for m in catalogue.measures}
    rows = [("vba-contact-trust", 2023, 1, measures["vba-contact-trust"].target_for(2023) - 0.05, "off_track"),
            ("irs-gov-trust", 2023, 1, measures["irs-gov-trust"].target_for(2023) - 0.10, "off_track"),
            ("vha-outpatient-trust", 2023, 1, measures["vha-outpatient-trust"].target_for(2023) - 0.01, "at_risk")]
    results = pd.DataFrame(rows, columns=["measure_id", "fiscal_year", "fiscal_quarter", "value", "status"])
    ranked = one_service.services_worst_first(catalogue, results, FiscalQuarter(2023, 2))
    assert ranked[:3] == [("Internal Revenue Service", "Visiting IRS.gov"),
                          ("Veterans Benefits Administration", "Contacting the Benefits Administration contact center"),
                          ("Veterans Health Administration", "Receiving outpatient services")]
    assert len(ranked) == len(catalogue.services) and ranked[-1] == SYNTHETIC  # no measure


# --- one service's journey ---------------------------------------------------------------------------

def test_no_stage_of_one_service_appears_in_another_journey(context, catalogue):
    """Each service's heat map and stage list hold its own catalogue stages (and 'All stages')
    only, in every quarter it has data: never a stage of another service."""
    options = one_service.catalogue_options(queries.journey_options(context), catalogue)
    checked = 0
    for service in catalogue.services:
        own = {journey.stage_label(s) for s in service.stages} | {"All stages"}
        others = {journey.stage_label(s) for other in catalogue.services if other is not service
                  for s in other.stages} - own
        mine = options[(options["provider"] == service.provider) & (options["service"] == " ".join(service.name.split()))]
        quarters = sorted({FiscalQuarter(int(y), int(q)).label for y, q in
                           mine[["fiscal_year", "fiscal_quarter"]].itertuples(index=False)})
        assert quarters, service.id
        for quarter in quarters:
            provider, _, name, content, _, stage_options, _ = journey_page.update(
                quarter=quarter, provider=service.provider, service=service.name)
            assert (provider, name) == (service.provider, " ".join(service.name.split()))
            table = _find(content, "journey-stages-table")
            if table is None:
                continue
            columns = set(_header(table))
            assert columns <= own and not columns & others, (service.id, quarter, columns)
            labels = {o["label"] for o in stage_options} - {"All stages (overview)"}
            assert labels <= own and columns - {"All stages"} <= labels, (service.id, quarter, labels)
            checked += 1
        layout = journey_page.layout({"provider": service.provider, "service": service.name})
        stages = {o["label"] for o in _find(layout, "journey-stage").options} - {"All stages (overview)"}
        assert stages <= own, (service.id, stages)
    assert checked >= 30


def test_the_synthetic_journey_has_its_three_stages_in_order(context):
    content = journey_page.update(quarter="FY2022Q3", provider=SYNTHETIC[0], service=SYNTHETIC[1])[3]
    assert _header(_find(content, "journey-stages-table")) == ["Start", "Process", "End", "All stages"]
    # The phone's list: one group per stage, in the same order, each headed by its drill-down link.
    groups = [n for n in _walk(_find(content, "journey-stages-list")) if type(n).__name__ == "Section"]
    titles = [next(a for a in _walk(g) if type(a).__name__ == "A") for g in groups[:3]]
    assert [a.children for a in titles] == ["Start", "Process", "End"]
    assert all("stage=" in a.href and "service=" in a.href for a in titles)


# --- the heat map fits its cells ------------------------------------------------------------------------

def test_every_line_of_a_cell_fits_its_column():
    cells = [[Cell("Suppressed (n < 30)"), Cell("1 min 35 s", (("▼", "weakest"),), 0.0)],
             [Cell("81.1%", (("▲", "strongest"), ("✕", "off track")), 1.0), Cell("—")]]
    width = cell_width(cells)
    for row in cells:
        for cell in row:
            for text, bold in cell.drawn_lines():
                assert text_width(text, bold=bold) <= width - 2 * 10, text
    assert [t for t, _ in cells[0][0].drawn_lines()] == ["Suppressed", "(n < 30)"]
    # The figure's minimum width gives every column that room beside the row names and colour bar.
    assert figure_min_width(["Trust", "Calls abandoned"], ["Start", "End"], cells) >= 2 * width + text_width(
        "Calls abandoned", 15)


# --- operations: catalogue services only, compared side by side ---------------------------------------

CITY_SERVICES = [("Public Works Department", "Pick up Dead Animal"), ("Animal Control", "Animal Generic Request")]


def _city_catalogue(catalogue):
    """The shipped catalogue plus two of Boston's 311 services, as a city's catalogue would name them."""
    added = [Service(id=f"boston-{i}", name=name, provider=provider, agency="Boston", stages=["process", "end"])
             for i, (provider, name) in enumerate(CITY_SERVICES)]
    return catalogue.model_copy(update={"services": [*catalogue.services, *added]})


def test_operations_offers_no_city_department_the_catalogue_does_not_name(context):
    pairs = _pairs(operations_page)
    assert pairs and not {p for p, _ in pairs} & {boston.PROVIDER, "Animal Control", "Inspectional Services"}
    assert _pairs(operations_page) == {SYNTHETIC}  # the contact center is mapped to the synthetic service


def test_operations_compares_the_catalogues_services_side_by_side(loaded, catalogue):
    """A city's catalogue names two Boston services: the lists offer exactly those (never the other
    request types or departments, never 'All'), and the side-by-side table has one row per service
    with that service's own cases, counted here from the raw file."""
    engine, sources = loaded
    city = _city_catalogue(catalogue)
    app = create_app(engine, city, sources, sign_in=SIGN_IN_OFF)
    with app.server.test_request_context("/operations"):
        assert _pairs(operations_page) == {SYNTHETIC, *CITY_SERVICES}
        layout = operations_page.layout({"quarter": "FY2019Q3", "provider": "Public Works Department"})
        assert _dropdown(layout, "operations-service").value == "Pick up Dead Animal"  # a provider opens its service
        assert "All providers" not in [o["label"] for o in _dropdown(layout, "operations-provider").options]
        content = operations_page.update(quarter="FY2019Q3", provider="Animal Control", service="Animal Generic Request")[3]
    table = _find(content, "operations-services-table")
    header = [th.children for th in _walk(table) if type(th).__name__ == "Th"]
    rows = [[td.children for td in _walk(tr) if type(td).__name__ == "Td"]
            for tr in _walk(table) if type(tr).__name__ == "Tr"][1:]
    raw = boston.read_raw()
    created = raw[raw["created"].between(pd.Timestamp(2019, 4, 1), pd.Timestamp(2019, 6, 30))]
    expected = {}
    for provider, name in CITY_SERVICES:
        count = int(((created["provider"] == provider) & (created["service"] == name)).sum())
        assert count > 0, name
        expected[name] = f"{count:,} case" + ("" if count == 1 else "s")
    shown = {row[header.index("Service")]: row[header.index("Cases created")] for row in rows}
    assert shown == expected  # one row each; nothing adds the two together
