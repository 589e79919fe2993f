"""Provider and service names are matched by one key (case and spacing folded) everywhere.

The shipped A-11 quarterly sample is loaded twice: once with the shipped catalogue, once with a
copy whose provider and service names differ from the data only in case and spacing. Every
scorecard card, filter, service page and review slide of the second must equal the first's.
"""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
import yaml

from cxdash.catalogue import load_catalogue
from cxdash.channels import ALL
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import service as service_view
from cxdash.dashboard.views import service_page
from cxdash.db import queries, service_queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key, same_name, stored_name
from cxdash.presentation import scorecard
from cxdash.review.assemble import assemble

from .conftest import CONFIG, QUARTERLY, quarterly_sqlite

Q = FiscalQuarter(2023, 1)
NOW = dt.datetime(2023, 2, 1, 12, tzinfo=dt.UTC)


def _messy(text: str) -> str:
    """The same name in other case and spacing: 'Veterans Health' -> '  vETERANS  hEALTH '."""
    return "  " + text.swapcase().replace(" ", "  ") + " "


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory):
    """(shipped catalogue, copy with every provider and service name respelt)."""
    folder = tmp_path_factory.mktemp("messy-catalogue")
    data = yaml.safe_load((CONFIG / "catalogue.yaml").read_text(encoding="utf-8"))
    for service in data["services"]:
        service["provider"], service["name"] = _messy(service["provider"]), _messy(service["name"])
    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    original, messy = load_catalogue(CONFIG / "catalogue.yaml"), load_catalogue(path)
    for a, b in zip(original.services, messy.services):  # the copy really differs, by case and spacing only
        assert (a.provider, a.name) != (b.provider, b.name) and same_name(a.provider, b.provider) and same_name(a.name, b.name)
    return original, messy


@pytest.fixture(scope="module")
def engines(tmp_path_factory, catalogues):
    """(baseline database, database loaded and computed with the respelt catalogue)."""
    original, messy = catalogues
    folder = tmp_path_factory.mktemp("name-keys")
    base = quarterly_sqlite(folder / "base.db", original, QUARTERLY)
    other = quarterly_sqlite(folder / "messy.db", messy, QUARTERLY)
    yield base, other
    base.dispose()
    other.dispose()


def test_name_key_folds_case_and_spacing_only():
    assert name_key("  Veterans\tHealth  ADMINISTRATION ") == name_key("veterans health administration")
    assert name_key("Visiting IRS.gov") != name_key("Visiting IRS gov")
    assert stored_name("visiting  irs.GOV", ["Filing an individual tax return", "Visiting IRS.gov"]) == "Visiting IRS.gov"
    assert stored_name("Visiting IRS.gov", ["Visiting IRS.gov"]) == "Visiting IRS.gov"
    assert stored_name("Nothing", ["Visiting IRS.gov"]) is None


def test_find_service_and_stages_ignore_case_and_spacing(catalogues):
    original, messy = catalogues
    for s in original.services:
        assert messy.find_service(s.provider, s.name).id == s.id
        assert original.find_service(_messy(s.provider), _messy(s.name)).id == s.id


def test_measure_results_are_the_same(engines):
    base, other = engines
    columns = ["measure_id", "provider", "service", "channel", "fiscal_year", "fiscal_quarter", "value", "n", "status"]
    with base.connect() as a, other.connect() as b:
        expected = queries.measure_results(a).sort_values(columns[:6])[columns].reset_index(drop=True)
        found = queries.measure_results(b).sort_values(columns[:6])[columns].reset_index(drop=True)
        assert queries.filter_options(a).sort_values(["provider", "service", "channel", "fiscal_year", "fiscal_quarter"]).to_dict(
            "records") == queries.filter_options(b).sort_values(["provider", "service", "channel", "fiscal_year",
                                                                 "fiscal_quarter"]).to_dict("records")
    assert not expected.empty and expected["value"].notna().any()
    assert found.fillna(-1).to_dict("records") == expected.fillna(-1).to_dict("records")


def _scorecard(engine, catalogue, query: dict) -> tuple[scorecard.Filters, list[dict]]:
    """The scorecard page's filters and cards for a URL query (hrefs left out: they spell the catalogue's names)."""
    with engine.connect() as conn:
        filters, _ = scorecard.resolved_query(query, queries.filter_options(conn))
        results = queries.measure_results(conn, provider=filters.provider, service=filters.service, channel=filters.channel)
        as_of = queries.survey_data_as_of(conn)
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, results, filters, as_of))
    return filters, [{k: v for k, v in c.items() if k != "href"} for c in cards]


def test_every_scorecard_card_finds_its_data(engines, catalogues):
    base, other = engines
    original, messy = catalogues
    assert _scorecard(other, messy, {"quarter": Q.label}) == _scorecard(base, original, {"quarter": Q.label})
    measured = {sid for m in original.measures for sid in m.services}
    checked = 0
    for s, m in zip(original.services, messy.services):
        if s.id not in measured:
            continue
        for query in ({"provider": m.provider}, {"provider": m.provider, "service": m.name}, {"service": m.name}):
            expected = _scorecard(base, original, {"quarter": Q.label, **{k: getattr(s, "name" if k == "service" else k)
                                                                        for k in query}})
            found = _scorecard(other, messy, {"quarter": Q.label, **query})
            assert found == expected, (s.id, query)
        filters, cards = found
        if filters.service != ALL:  # the service has results: its own measures' cards are shown
            checked += 1
            assert {c["measure_id"] for c in cards} >= {x.id for x in original.measures if x.services == [s.id]}
    assert checked >= 5


def test_drill_down_links_resolve_to_the_stored_service(engines, catalogues):
    base, other = engines
    original, messy = catalogues
    for measure in original.measures:
        links = []
        for engine, catalogue in ((base, original), (other, messy)):
            href = scorecard.drill_down(catalogue.measure(measure.id), catalogue, scorecard.Filters(Q.label))
            query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(href).query).items()}
            with engine.connect() as conn:
                links.append(scorecard.resolved_query(query, service_queries.service_options(conn), channel=False)[0])
        assert links[1] == links[0], measure.id


def _page_text(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_page_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _page_text(children)


def _service_page(engine, catalogue, measure_id: str):
    """(resolved filters, matching measures, page text) of the service page a card links to."""
    href = scorecard.drill_down(catalogue.measure(measure_id), catalogue, scorecard.Filters(Q.label))
    query = {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(href).query).items()}
    app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        filters, _, outcome = service_page.resolved_filters(query)
        measures = [m.id for m in service_view.matching_measures(catalogue, filters.provider, filters.service, outcome)]
        text = _page_text(service_page.layout(query))
    return filters, measures, text


def test_service_page_filter_resolves_the_service(engines, catalogues):
    base, other = engines
    original, messy = catalogues
    expected = _service_page(base, original, "vba-contact-trust")
    found = _service_page(other, messy, "vba-contact-trust")
    filters = found[0]
    assert filters.service != ALL and same_name(filters.service, messy.service("vba-contact-center").name)
    assert found[1] == expected[1] == ["vba-contact-trust"]  # the catalogue target is drawn
    assert "Target from the scorecard measure" in found[2]
    assert found == expected


def test_review_pack_has_the_same_slides(engines, catalogues):
    base, other = engines
    original, messy = catalogues
    expected = assemble(base, original, Q, now=NOW, review_date=NOW.date())
    found = assemble(other, messy, Q, now=NOW, review_date=NOW.date())
    assert [m.measure_id for m in expected.measures] == [m.id for m in original.measures]
    assert any(m.value is not None for m in expected.measures)
    assert found.model_dump() == expected.model_dump()
    # a review of one service, named as the respelt catalogue names it
    s, m = original.service("vba-contact-center"), messy.service("vba-contact-center")
    expected = assemble(base, original, Q, s.provider, s.name, now=NOW, review_date=NOW.date())
    found = assemble(other, messy, Q, m.provider, m.name, now=NOW, review_date=NOW.date())
    assert "vba-contact-trust" in [x.measure_id for x in expected.measures]
    assert expected.journey is not None and any(x.value is not None for x in expected.measures)
    assert found.model_dump() == expected.model_dump()
