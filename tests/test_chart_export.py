"""A chart's words and data for its download: the footer naming source, as-of date and filters
(the image is drawn in the browser: tests/test_chart_slides_browser.py), and the chart's table as
CSV, counted again from the stored statuses."""
from __future__ import annotations

import csv
import io

import pytest

from cxdash.db import queries
from cxdash.exports.chart_image import ChartContext, table_csv
from cxdash.presentation import scorecard
from cxdash.presentation.takeaways import status_summary


@pytest.fixture(scope="module")
def status_chart(computed_sqlite, catalogue):
    results = queries.measure_results(computed_sqlite)
    filters = scorecard.Filters("FY2023Q1")
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, results, filters, None))
    context = ChartContext(title="Where the measures stand against target",
                           takeaway=status_summary(cards, "FY2023 Q1"), source="cxdash, OMB A-11 Section 280 data",
                           as_of="31 Dec 2022", filters="FY2023 Q1, all providers, all channels")
    return results, cards, scorecard.status_figure(cards), context


def test_the_footer_names_source_as_of_date_and_filters(status_chart):
    *_, context = status_chart
    assert context.footer() == ("Source: cxdash, OMB A-11 Section 280 data · Data as of 31 Dec 2022 · "
                                "Filters: FY2023 Q1, all providers, all channels")
    assert ChartContext("Title", "", "cxdash").footer() == "Source: cxdash"  # nothing said that is not known


def test_csv_holds_the_chart_numbers(status_chart, catalogue):
    results, cards, _, _ = status_chart
    rows = scorecard.status_table_rows(cards)
    table = [["Status", "Measures"], *[[r["status"], r["count"]] for r in rows]]
    parsed = list(csv.reader(io.StringIO(table_csv(table))))
    assert parsed[0] == ["Status", "Measures"]
    # independent count: every catalogue measure's stored status for FY2023 Q1 (no row: without data)
    quarter = results[(results.fiscal_year == 2023) & (results.fiscal_quarter == 1) & (results.provider == "all")
                      & (results.service == "all") & (results.channel == "all")]
    stored = dict(zip(quarter.measure_id, quarter.status))
    expected = {}
    for measure in catalogue.measures:
        word = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
                "no_target": "Without a target"}.get(stored.get(measure.id), "Without data")
        expected[word] = expected.get(word, 0) + 1
    assert {status: int(count) for status, count in parsed[1:]} == expected
