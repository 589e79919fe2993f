"""The federal fiscal calendar: FY starts 1 October."""
import datetime as dt

import pytest

from cxdash.metrics.fiscal import FiscalQuarter


@pytest.mark.parametrize("day, label", [
    (dt.date(2025, 10, 1), "FY2026Q1"),   # first day of FY2026
    (dt.date(2025, 12, 31), "FY2026Q1"),
    (dt.date(2026, 1, 1), "FY2026Q2"),
    (dt.date(2026, 3, 31), "FY2026Q2"),
    (dt.date(2026, 4, 1), "FY2026Q3"),
    (dt.date(2026, 7, 1), "FY2026Q4"),
    (dt.date(2025, 9, 30), "FY2025Q4"),   # last day of FY2025
])
def test_quarter_of_date(day, label):
    assert FiscalQuarter.of_date(day).label == label


def test_start_and_end_dates():
    q1 = FiscalQuarter(2026, 1)
    assert (q1.start, q1.end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    q2 = FiscalQuarter(2024, 2)
    assert (q2.start, q2.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert FiscalQuarter(2024, 4).end == dt.date(2024, 9, 30)


def test_every_day_of_a_fiscal_year_falls_inside_its_quarter():
    day = dt.date(2023, 10, 1)
    while day <= dt.date(2024, 9, 30):
        q = FiscalQuarter.of_date(day)
        assert q.year == 2024 and q.start <= day <= q.end
        day += dt.timedelta(days=1)


def test_parse_previous_and_order():
    q = FiscalQuarter.parse("fy2023 q1")
    assert q == FiscalQuarter(2023, 1) and q.display == "FY2023 Q1"
    assert q.previous() == FiscalQuarter(2022, 4)
    assert q.previous(5) == FiscalQuarter(2021, 4)
    assert sorted([FiscalQuarter(2023, 1), FiscalQuarter(2022, 4)])[0] == FiscalQuarter(2022, 4)
    for bad in ("2023Q1", "FY2023Q5", "", "FY23Q1"):
        with pytest.raises(ValueError):
            FiscalQuarter.parse(bad)
