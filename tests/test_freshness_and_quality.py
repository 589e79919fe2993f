"""Freshness against a cadence, and the data-quality checks, on hand-worked examples."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cxdash.metrics.freshness import freshness, worst
from cxdash.metrics.quality import classify_reason, quarter_gaps, source_checks

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize("last_success, latest, late_after, expected", [
    (NOW - 1.4 * DAY, "succeeded", 1.5 * DAY, "fresh"),
    (NOW - 1.6 * DAY, "succeeded", 1.5 * DAY, "late"),
    (NOW - 1.6 * DAY, "unchanged", 1.5 * DAY, "late"),  # the file was there, but nothing new in it
    (NOW - 0.1 * DAY, "failed", 1.5 * DAY, "failed"),   # the latest attempt failed, whatever came before
    (None, None, 1.5 * DAY, "missing"),
    (None, "failed", 1.5 * DAY, "failed"),
    (NOW - 400 * DAY, "succeeded", None, "unknown"),     # loaded by hand, no cadence to judge against
])
def test_freshness(last_success, latest, late_after, expected):
    assert freshness(last_success, latest, late_after, NOW) == expected


def test_a_panel_is_as_current_as_its_stalest_source():
    assert worst(["fresh", "late", "fresh"]) == "late"
    assert worst(["fresh", "missing", "late"]) == "missing"
    assert worst(["late", "failed", "missing"]) == "failed"
    assert worst([]) is None


@pytest.mark.parametrize("reason, check", [
    ("duplicate case key 'A1', first on line 2", "duplicates"),
    ("Input should be less than or equal to 5", "out_of_range"),
    ("answered + abandoned (120) is more than offered (100)", "out_of_range"),
    ("closed before it was created", "out_of_range"),
    ("missing case key", "missing_values"),
    ("cannot read '13/45/2020' as date format '%m/%d/%Y'", "format"),
])
def test_rejection_reasons_are_classified(reason, check):
    assert classify_reason(reason) == check


def _coverage(rows):
    return pd.DataFrame(rows, columns=["provider", "service", "fiscal_year", "fiscal_quarter"])


def test_quarter_gaps_cross_the_fiscal_year():
    coverage = _coverage([("P", "S", 2022, 3), ("P", "S", 2023, 2), ("P", "T", 2022, 1), ("P", "T", 2022, 2)])
    assert quarter_gaps(coverage) == ["P / S: FY2022Q4", "P / S: FY2023Q1"]
    yearly = _coverage([("U", "all", 2015, 3), ("U", "all", 2018, 3), ("U", "all", 2016, 3)])
    assert quarter_gaps(yearly, yearly=True) == ["U / all: FY2017"]


def test_records_of_events_have_a_gap_only_where_the_whole_source_has_none():
    """A quarter without a request for one rare service is no gap in a 311 export; a quarter
    without any record at all is."""
    coverage = _coverage([("P", "Rare", 2022, 1), ("P", "Rare", 2022, 4), ("P", "Common", 2022, 1),
                          ("P", "Common", 2022, 2), ("Q", "Other", 2022, 4), ("Q", "Other", 2023, 2)])
    assert quarter_gaps(coverage, per_service=False) == ["the whole source: FY2022Q3", "the whole source: FY2023Q1"]
    assert len(quarter_gaps(coverage)) == 3  # per service: Rare's Q2 and Q3, Other's FY2023Q1
    checks = {c["check"]: c for c in source_checks(6, 6, pd.DataFrame(columns=["reason", "rows"]), coverage,
                                                   per_service=False)}
    assert checks["quarter_gaps"]["detail"] == "2 gap(s): the whole source: FY2022Q3; the whole source: FY2023Q1"


def test_source_checks_judge_each_check():
    reasons = pd.DataFrame({"reason": ["duplicate id 'x', first on line 3", "Input should be greater than 0",
                                       "missing answer"], "rows": [2, 5, 1]})
    checks = {c["check"]: c for c in source_checks(100, 92, reasons, _coverage([("P", "S", 2022, 1)]))}
    assert checks["completeness"]["passed"] is False and "92.0% of 100" in checks["completeness"]["detail"]
    assert (checks["duplicates"]["passed"], checks["duplicates"]["detail"]) == (False, "2 duplicate row(s) rejected")
    assert checks["out_of_range"]["detail"].startswith("5 ")
    assert checks["missing_values"]["detail"].startswith("1 ")
    assert checks["quarter_gaps"]["passed"] is True
    clean = {c["check"]: c["passed"] for c in source_checks(10, 10, reasons.iloc[0:0], _coverage([]))}
    assert clean == {"completeness": True, "out_of_range": True, "duplicates": True, "missing_values": True,
                     "quarter_gaps": None}
