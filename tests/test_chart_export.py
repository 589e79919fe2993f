"""Chart exports at slide quality: a real scorecard chart rendered by kaleido in Debian's
Chromium, with its title, takeaway, source, as-of date and filters in the image; its data as CSV."""
from __future__ import annotations

import csv
import io
import struct

import pytest

from cxdash.db import queries
from cxdash.exports.chart_image import SLIDE, ChartContext, render, slide_figure, table_csv
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


def test_slide_figure_keeps_the_numbers_and_adds_the_context(status_chart):
    _, _, figure, context = status_chart
    slide = slide_figure(figure, context)
    assert (slide.layout.width, slide.layout.height) == SLIDE
    assert slide.data[0].x == figure.data[0].x and slide.data[0].y == figure.data[0].y
    assert context.title in slide.layout.title.text and "Of 10 measures" in slide.layout.title.text
    footer = slide.layout.annotations[-1].text
    assert footer == ("Source: cxdash, OMB A-11 Section 280 data · Data as of 31 Dec 2022 · "
                      "Filters: FY2023 Q1, all providers, all channels")
    assert figure.layout.width is None  # the page's figure is not changed


def test_png_and_svg_render_at_slide_size_with_their_text(status_chart):
    _, cards, figure, context = status_chart
    slide = slide_figure(figure, context)
    png, = render([slide], "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == SLIDE  # IHDR width and height
    svg, = render([slide], "svg")
    text = svg.decode("utf-8")
    assert text.lstrip().startswith("<svg") and f'width="{SLIDE[0]}"' in text
    for words in ("Where the measures stand against target", "Data as of 31 Dec 2022", "all providers, all channels"):
        assert words in text
    counts = {c["status"] for c in cards}
    assert "Off track" in text and len(counts) > 1
    with pytest.raises(ValueError, match="unknown image format"):
        render([slide], "gif")


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
