"""One y-axis policy for trends of percentages and each fiscal year's target drawn as a step
(issue 16), on the pure helpers and on the scorecard's sparkline."""
from __future__ import annotations

import pytest

from cxdash.dashboard.components.sparkline import sparkline_figure
from cxdash.presentation.charts import MIN_PERCENT_SPAN, percent_axis, target_steps


@pytest.mark.parametrize("values", [[89.2, 91.2], [50.0], [0.5, 3.0], [97.0, 99.5], [12.0, 88.0], [60.0, 60.0, 61.0]])
def test_a_percentage_axis_is_at_least_twenty_points_within_zero_and_a_hundred(values):
    low, high = percent_axis(values)
    assert 0 <= low <= min(values) and max(values) <= high <= 100
    assert high - low >= MIN_PERCENT_SPAN - 1e-9


def test_a_half_point_move_is_not_zoomed_into_a_cliff():
    low, high = percent_axis([89.2, 89.7, 91.2])
    assert (91.2 - 89.2) / (high - low) <= 0.1  # two points fill at most a tenth of the axis


def test_a_wide_range_keeps_its_margin():
    assert percent_axis([20.0, 80.0]) == pytest.approx((11.0, 89.0))
    assert percent_axis([]) == (0.0, 100.0)


def test_target_steps_hold_each_years_target_over_its_quarters():
    assert target_steps(list("abcdef"), [0.66, 0.66, 0.70, 0.70, None, 0.72]) == [(0, 1, 0.66), (2, 3, 0.70), (5, 5, 0.72)]


def test_the_sparkline_draws_each_fiscal_years_target_and_keeps_the_policy():
    points = [{"label": f"FY{y} Q{q}", "value": v, "target": t}
              for (y, q, v, t) in [(2021, 4, 0.63, 0.66), (2022, 1, 0.67, 0.70), (2022, 2, 0.68, 0.70),
                                   (2022, 3, 0.69, 0.70), (2022, 4, 0.70, 0.70), (2023, 1, 0.71, 0.72)]]
    fig = sparkline_figure(points, "percent", target=0.72)
    steps = sorted((s.x0, s.x1, s.y0) for s in fig.layout.shapes)
    assert steps == [(-0.5, 0.5, 0.66), (0.5, 4.5, 0.70), (4.5, 5.5, 0.72)]
    low, high = fig.layout.yaxis.range
    assert (high - low) * 100 >= MIN_PERCENT_SPAN - 1e-9
