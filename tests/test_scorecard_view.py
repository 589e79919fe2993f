"""Scorecard view functions, without a browser: filters, cards, takeaways, tables."""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest

from cxdash.db import queries
from cxdash.presentation import scorecard
from cxdash.presentation.takeaways import status_summary

from .independent import two_proportion_p


def test_filters_round_trip_through_the_query_string():
    f = scorecard.Filters(quarter="FY2022Q3", provider="Passport Services", channel="computer")
    assert f.query_string() == "?quarter=FY2022Q3&provider=Passport+Services&channel=computer"
    assert scorecard.Filters.from_query({"quarter": "FY2022Q3", "provider": "Passport Services", "channel": "computer"}) == f
    assert scorecard.Filters().query_string() == ""
    assert scorecard.Filters.from_query({"quarter": "not a quarter"}).quarter is None


def test_unknown_filter_values_fall_back_to_defaults(computed_sqlite):
    available = scorecard.choices(queries.filter_options(computed_sqlite), "all")
    assert available.quarters[0] == "FY2023Q1" and available.quarters[-1] == "FY2021Q1"
    resolved = scorecard.resolve(scorecard.Filters("FY1999Q1", "Nobody", "Nothing", "pigeon"), available)
    assert resolved == scorecard.Filters("FY2023Q1", "all", "all", "all")


def test_service_choices_follow_the_provider(computed_sqlite):
    options = queries.filter_options(computed_sqlite)
    irs = scorecard.choices(options, "Internal Revenue Service")
    assert irs.services == ["Filing an individual tax return", "Visiting IRS.gov"]


def test_cards_carry_the_computed_numbers_and_the_goal_structure(computed_sqlite, catalogue):
    filters = scorecard.Filters("FY2023Q1")
    frame = queries.measure_results(computed_sqlite)
    sections = scorecard.build_cards(catalogue, frame, filters, dt.date(2022, 12, 31))
    assert [s["id"] for s in sections] == [g.id for g in catalogue.goals]
    cards = scorecard.all_cards(sections)
    assert len(cards) == len(catalogue.measures)
    vba = next(c for c in cards if c["measure_id"] == "vba-contact-trust")
    row = frame[(frame.measure_id == "vba-contact-trust") & (frame.fiscal_year == 2023) & (frame.fiscal_quarter == 1)].iloc[0]
    assert vba["value"] == pytest.approx(row.value) and vba["n"] == row.n and vba["status"] == row.status
    assert vba["target"] == 0.70 and vba["prev_label"] == "FY2022 Q4" and vba["as_of"] == "2022-12-31"
    assert [p["label"] for p in vba["sparkline"]] == ["FY2021 Q4", "FY2022 Q1", "FY2022 Q2", "FY2022 Q3", "FY2022 Q4", "FY2023 Q1"]
    assert vba["sparkline"][-1]["value"] == pytest.approx(row.value)
    assert any("trust" in w.lower() for w in vba["wordings"])
    # SSA reported no online-services survey in FY2023 Q1: no data, not zero.
    ssa = next(c for c in cards if c["measure_id"] == "ssa-online-satisfaction")
    assert ssa["status"] == "no_data" and ssa["value"] is None and ssa["as_of"] is None
    # each card drills down to its service's page, with the quarter and the measure's question
    service = catalogue.service(catalogue.measure("vba-contact-trust").services[0])
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(vba["href"]).query) == {
        "quarter": ["FY2023Q1"], "provider": [service.provider], "service": [" ".join(service.name.split())],
        "outcome": ["trust"]}
    assert vba["href"].startswith("/service?")


def test_provider_filter_keeps_only_measures_covering_it(computed_sqlite, catalogue):
    filters = scorecard.Filters("FY2023Q1", provider="Internal Revenue Service")
    frame = queries.measure_results(computed_sqlite, provider="Internal Revenue Service")
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, frame, filters, None))
    assert {c["measure_id"] for c in cards} == {"irs-gov-trust", "irs-filing-satisfaction"}


def test_status_takeaway_counts_each_status():
    cards = [
        {"status": "on_track", "significant": True, "change": 0.02, "direction": "higher"},
        {"status": "off_track", "significant": True, "change": -0.05, "direction": "higher"},
        {"status": "off_track", "significant": False, "change": 0.01, "direction": "higher"},
        {"status": "no_data", "significant": None, "change": None, "direction": "higher"},
        # significant but under the practical threshold (1 point): not a clear change
        {"status": "on_track", "significant": True, "change": 0.003, "direction": "higher"},
    ]
    assert status_summary(cards, "FY2023 Q1") == (
        "Of 5 measures in FY2023 Q1, 2 on track, 2 off track and 1 without data; "
        "2 changed clearly since the previous quarter (1 better, 1 worse).")
    assert status_summary([], "FY2023 Q1") == "No measures match these filters for FY2023 Q1."


def test_table_rows_show_suppression_and_significance():
    card = {"name": "M", "unit": "percent", "suppressed": True, "min_n": 30, "value": None, "ci_low": None, "ci_high": None,
            "n": 12, "target": 0.8, "status": "no_data", "change": None, "p_value": None, "significant": None, "owner": "O"}
    row = scorecard.table_rows([card])[0]
    assert row["value_text"] == "Suppressed (n < 30)" and row["n_text"] == "12" and row["target_text"] == "80.0%"
    card.update(suppressed=False, value=0.825, ci_low=0.81, ci_high=0.84, change=0.021, p_value=0.003, significant=True,
                status="at_risk")
    row = scorecard.table_rows([card])[0]
    assert row["value_text"] == "82.5%" and row["interval_text"] == "81.0%\u201384.0%"
    assert row["change_text"] == "+2.1 pts (significant, p = 0.003)" and row["status_text"] == "At risk"


def test_trend_sentence_reads_the_sparkline():
    from cxdash.presentation.takeaways import trend_sentence
    points = [{"label": "FY2022 Q2", "value": 0.613, "n": 1000}, {"label": "FY2022 Q3", "value": None},
              {"label": "FY2022 Q4", "value": 0.560, "n": 900}, {"label": "FY2023 Q1", "value": 0.632, "n": 1000}]
    p_value = two_proportion_p(632, 1000, 613, 1000)  # 63.2% of 1,000 vs 61.3% of 1,000, by hand
    assert p_value > 0.05
    assert trend_sentence(points, "percent") == (
        f"Up 1.9 points from 61.3% in FY2022 Q2 to 63.2% in FY2023 Q1 (not significant, p = {p_value:.3f}); "
        "1 quarter without data.")
    big = [{**p, "n": 100_000} if p["value"] is not None else p for p in points]
    assert "(significant, p < 0.001)" in trend_sentence(big, "percent")
    assert trend_sentence([{"label": "FY2023 Q1", "value": 4.47}, {"label": "FY2023 Q2", "value": 4.40}], "points") == (
        "Down 0.07 points from 4.47 in FY2023 Q1 to 4.40 in FY2023 Q2 (change not tested).")
    assert trend_sentence([{"label": "FY2023 Q1", "value": None}], "percent") == "No data in the quarter shown."
    assert trend_sentence([{"label": "FY2023 Q1", "value": None}, {"label": "FY2023 Q2", "value": 0.5}], "percent") == (
        "Only FY2023 Q2 has data in the last 2 quarters: 50.0%.")


def test_a_service_chosen_under_all_providers_brings_its_provider(computed_sqlite, catalogue):
    options = queries.filter_options(computed_sqlite)
    available = scorecard.choices(options, "all")
    resolved = scorecard.resolve(scorecard.Filters("FY2022Q3", service="Visiting IRS.gov"), available)
    assert resolved == scorecard.Filters("FY2022Q3", "Internal Revenue Service", "Visiting IRS.gov", "all")
    frame = queries.measure_results(computed_sqlite, provider=resolved.provider, service=resolved.service)
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, frame, resolved, None))
    assert [c["measure_id"] for c in cards] == ["irs-gov-trust"]
    assert cards[0]["value"] is not None and cards[0]["status"] != "no_data"
