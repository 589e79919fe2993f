"""dashboard.formatting: how numbers read on cards, tables and to screen readers."""

import datetime as dt
import math

import pandas as pd
import pytest

from cxdash.presentation.formatting import (
    MINUS,
    MISSING,
    change_in_words,
    format_change,
    format_date,
    format_interval,
    format_n,
    format_p,
    format_value,
    is_missing,
)


@pytest.mark.parametrize(
    "value, unit, expected",
    [
        (0.824, "percent", "82.4%"),
        (1.0, "percent", "100.0%"),
        (0.0, "percent", "0.0%"),  # a real zero is shown; only missing becomes "—"
        (4.523, "points", "4.52"),
        (5, "points", "5.00"),
    ],
)
def test_format_value(value, unit, expected):
    assert format_value(value, unit) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_missing_values_never_print_as_numbers(missing):
    assert is_missing(missing)
    assert format_value(missing, "percent") == MISSING
    assert format_change(missing, "points") == MISSING
    assert format_n(missing) == MISSING
    assert format_date(missing) == MISSING


def test_is_missing_false_for_real_values():
    assert not is_missing(0)
    assert not is_missing(0.0)
    assert not is_missing("FY2023 Q1")


def test_unknown_unit_raises():
    with pytest.raises(ValueError):
        format_value(0.5, "ratio")
    with pytest.raises(ValueError):
        format_change(0.5, "percentage")


@pytest.mark.parametrize(
    "change, unit, expected",
    [
        (0.021, "percent", "+2.1 pts"),  # percentage points, not a relative %
        (-0.004, "percent", f"{MINUS}0.4 pts"),
        (0.05, "points", "+0.05"),
        (-0.051, "points", f"{MINUS}0.05"),
        (-0.0004, "percent", "0.0 pts"),  # rounds to zero: no sign
        (0.001, "points", "0.00"),
    ],
)
def test_format_change_sign_and_units(change, unit, expected):
    assert format_change(change, unit) == expected


def test_format_change_uses_typographic_minus():
    assert format_change(-0.1, "percent").startswith("\u2212")
    assert "-" not in format_change(-0.1, "percent")


@pytest.mark.parametrize(
    "change, unit, expected",
    [
        (0.021, "percent", "up 2.1 points"),
        (-0.004, "percent", "down 0.4 points"),
        (-0.05, "points", "down 0.05 points"),
        (0.00001, "percent", "no change"),
        (None, "points", "no previous value"),
    ],
)
def test_change_in_words(change, unit, expected):
    assert change_in_words(change, unit) == expected


def test_format_interval():
    assert format_interval(0.81, 0.84, "percent") == "81.0%\u201384.0%"
    assert format_interval(4.41, 4.63, "points") == "4.41\u20134.63"
    assert format_interval(None, 0.84, "percent") == MISSING
    assert format_interval(0.81, math.nan, "percent") == MISSING


def test_format_n():
    assert format_n(1234) == "1,234"
    assert format_n(1234567) == "1,234,567"
    assert format_n(12.0) == "12"


def test_format_p():
    assert format_p(0.003) == "p = 0.003"
    assert format_p(0.0456) == "p = 0.046"
    assert format_p(0.0004) == "p < 0.001"
    assert format_p(None) == MISSING


@pytest.mark.parametrize(
    "value",
    [
        "2022-12-31",
        "2022-12-31T23:59:00",
        dt.date(2022, 12, 31),
        dt.datetime(2022, 12, 31, 8, 0),
        pd.Timestamp("2022-12-31"),
    ],
)
def test_format_date(value):
    assert format_date(value) == "31 Dec 2022"


def test_format_date_single_digit_day_and_invalid_input():
    assert format_date("2023-01-05") == "5 Jan 2023"
    with pytest.raises(ValueError):
        format_date("31/12/2022")
    with pytest.raises(TypeError):
        format_date(20221231)


def test_counts_of_people_are_rounded_to_what_they_bear():
    from cxdash.presentation.formatting import format_count, format_indicator
    assert format_count(323_238_523) == "323 million"
    assert format_count(1_504_000) == "1.5 million" and format_count(12_345_678) == "12.3 million"
    assert format_count(2_400_000_000) == "2.4 billion"
    assert format_count(999_999) == "999,999" and format_count(1234) == "1,234" and format_count(None) == "—"
    assert format_indicator(216_878_115, "people") == "217 million"
    assert format_indicator(1234, "cases") == "1,234"  # a count of records stays exact


def test_short_times_read_in_the_unit_that_shows_them():
    """A request closed in minutes never reads "0 hours", nor half a day "0.5 days"."""
    from cxdash.presentation.formatting import format_indicator
    assert format_indicator(0.5, "days") == "12 hours"
    assert format_indicator(1 / 24, "days") == "1 hour"
    assert format_indicator(0.04, "hours") == "2 min"  # 2.4 minutes
    assert format_indicator(25 / 60, "hours") == "25 min"
    assert format_indicator(0.005, "hours") == "under 1 min"  # 18 seconds
    assert format_indicator(0, "hours") == "0 hours" and format_indicator(0, "days") == "0 days"
    assert format_indicator(1.5, "hours") == "1.5 hours" and format_indicator(12.25, "days") == "12.2 days"
