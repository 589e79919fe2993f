"""The quarterly review pack as a deck and a PDF: slides in order, native charts holding the input
numbers, tables formatted as the pages format them, speaker notes, alt text and a source footer on
every slide; agency templates; the PDF through LibreOffice (installed by scripts/test)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_MARKER_STYLE
from pptx.enum.dml import MSO_FILL
from pypdf import PdfReader

from cxdash.errors import UserError
from cxdash.exports.pdf import to_pdf
from cxdash.exports.review_deck import build_deck, chart_values, default_template, target_values
from cxdash.presentation.charts import percent_axis
from cxdash.presentation.formatting import (
    MISSING,
    format_change,
    format_date,
    format_interval,
    format_n,
    format_p,
    format_value,
)
from cxdash.review.contents import (
    Action,
    Annotation,
    Commentary,
    Goal,
    Journey,
    JourneyCell,
    MeasureSlide,
    Point,
    ReviewContents,
)

QUARTERS = ["FY2022 Q1", "FY2022 Q2", "FY2022 Q3", "FY2022 Q4", "FY2023 Q1"]
FOOTER = ("Source: OMB A-11 Section 280 survey (Touchpoints); cxdash · Data as of 31 Dec 2022 · "
          "Filters: FY2023 Q1 · All providers · All services")


def _points(values, n=1800, targets=None):
    targets = targets or [None] * len(QUARTERS)
    return [Point(label=q, value=v, n=None if v is None else n, target=t) for q, v, t in zip(QUARTERS, values, targets)]


def _measure(measure_id, name, goal, unit, values, status, **extra):
    base = {"measure_id": measure_id, "name": name, "goal": goal, "unit": unit, "status": status,
            "definition": f"Share of respondents who agree: {name.lower()}.", "objective": "Build trust",
            "direction": "higher", "owner": "Office of CX", "stages": ["all"], "value": values[-1],
            "points": _points(values), "trend_takeaway": f"{name} moved over the last five quarters.",
            "prev_label": "FY2022 Q4"}
    return MeasureSlide(**{**base, **extra})


def sample_contents(**changes) -> ReviewContents:
    trust = _measure("trust", "Trust after the interaction", "trust", "percent",
                     [0.781, 0.774, None, 0.763, 0.742], "off_track", ci_low=0.721, ci_high=0.763, n=1843,
                     target=0.8, points=_points([0.781, 0.774, None, 0.763, 0.742], targets=[0.78] * 4 + [0.8]),
                     change=-0.021, p_value=0.012, significant=True,
                     commentary=Commentary(what_happened="Trust fell 2.1 points.", why="Longer waits after the "
                                           "portal outage.", what_next="Add call-back staff by March.",
                                           author="A. Rivera"))
    satisfaction = _measure("satisfaction", "Satisfaction score", "trust", "points", [4.01, 4.05, 4.08, 4.07, 4.12],
                            "on_track", ci_low=4.05, ci_high=4.19, n=1811, target=4.0, change=0.05, p_value=0.21,
                            significant=False, wordings=["How satisfied are you with the service you received?"])
    ease = _measure("ease", "Ease of the process", "easy", "percent", [0.702, 0.711, 0.69, 0.705, None], "no_data",
                    n=18, suppressed=True, target=0.75, owner="Benefits delivery")
    effectiveness = _measure("effectiveness", "Effectiveness", "easy", "percent", [0.65, 0.66, 0.671, 0.67, 0.681],
                             "no_target", ci_low=0.66, ci_high=0.702, n=1790, change=0.011, p_value=0.45,
                             significant=False)
    return ReviewContents(**{**_base(trust, satisfaction, ease, effectiveness), **changes})


def _base(*measures) -> dict:
    """The review's other fields: two goals, a 3 x 4 journey, three actions, two annotations."""
    stages = ["Apply", "Wait for a decision", "Receive the benefit"]
    indicators = ["Trust (% agree)", "Ease (% agree)", "Time to complete (median)", "Calls abandoned"]
    cells = [[JourneyCell(value=f"{70 + 3 * i + j}.0%", marks=[("▲", "strongest")] if (i, j) == (2, 0) else [],
                          score=(i + j) / 5 if j != 3 else None) for j in range(4)] for i in range(3)]
    cells[1][2] = JourneyCell(value="Suppressed (n < 30)")
    return dict(
        agency="Veterans Benefits Administration", quarter="FY2023Q1", quarter_display="FY2023 Q1 (Oct-Dec 2022)",
        scope_text="All providers · All services", filters_text="FY2023 Q1 · All providers · All services",
        source="OMB A-11 Section 280 survey (Touchpoints); cxdash", as_of=dt.date(2022, 12, 31),
        generated_at=dt.datetime(2023, 1, 15, 9, 30), review_date=dt.date(2023, 1, 20),
        status_takeaway="Of 4 measures in FY2023 Q1, 1 is on track, 1 off track, 1 without a target and 1 without data.",
        goals=[Goal(id="trust", name="Customers trust us", measure_ids=["trust", "satisfaction"],
                    takeaway="1 of 2 measures is on track."),
               Goal(id="easy", name="Services are easy", measure_ids=["ease", "effectiveness"],
                    takeaway="Neither measure can be judged against a target this quarter.")],
        measures=list(measures),
        journey=Journey(stages=stages, indicators=indicators, cells=cells,
                        takeaway="Waiting for a decision is the weakest stage on ease."),
        actions=[Action(id=1, measure_id="trust", measure_name="Trust after the interaction", quarter="FY2022Q4",
                        kind="action", description="Publish wait times on the portal", owner="Digital team",
                        due_date=dt.date(2022, 12, 1), status="done", completed_on=dt.date(2022, 11, 20),
                        state="done"),
                 Action(id=2, measure_id=None, quarter="FY2023Q1", kind="decision",
                        description="Fund call-back staffing for Q2", owner="Deputy Secretary",
                        due_date=dt.date(2023, 3, 31), state="open"),
                 Action(id=3, measure_id="ease", measure_name="Ease of the process", quarter="FY2022Q4",
                        kind="action", description="Shorten the application form", owner="Benefits delivery",
                        due_date=dt.date(2023, 1, 10), state="late")],
        annotations=[Annotation(id=1, event_date=dt.date(2022, 4, 12), label="Portal outage", quarter="FY2022 Q3"),
                     Annotation(id=2, event_date=dt.date(2020, 1, 5), label="Old launch", quarter="FY2020 Q2")],
    )


EXPECTED_TITLES = [
    "Veterans Benefits Administration: quarterly CX review", "Bottom line", "Scorecard: Customers trust us",
    "Scorecard: Services are easy", "Trust after the interaction: off track, 5.8 points below its 80.0% target",
    "Satisfaction score: on track, 0.12 points above its 4.00 target",
    "Ease of the process: without data this quarter (target 75.0%)", "Effectiveness: no target set, 68.1%",
    "Measures off track", "Decisions and actions"]  # no journey: the sample pools every service


@pytest.fixture(scope="module")
def built():
    steps = []
    data = build_deck(sample_contents(), progress=lambda fraction, step: steps.append((fraction, step)))
    return data, Presentation(io.BytesIO(data)), steps


def _titles(prs):
    return [slide.shapes.title.text for slide in prs.slides]


def _slide(prs, title):
    """The slide with this title, or headlined '<title>: ...' (a measure slide)."""
    return next(s for s in prs.slides if s.shapes.title.text == title or s.shapes.title.text.startswith(f"{title}:"))


def _charts(slide):
    return [shape.chart for shape in slide.shapes if shape.has_chart]


def _table(slide):
    return [[cell.text for cell in row.cells] for row in next(s for s in slide.shapes if s.has_table).table.rows]


def _texts(slide):
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_slides_in_order_on_a_16_9_default_template(built):
    _, prs, steps = built
    assert _titles(prs) == EXPECTED_TITLES
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)  # 13.333 in x 7.5 in
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0 and fractions[-1] == 1.0
    assert not any("journey" in step.lower() for _, step in steps)


def test_title_slide_says_quarter_scope_as_of_and_draft(built):
    _, prs, _ = built
    text = "\n".join(_texts(prs.slides[0]))
    for words in ("FY2023 Q1 (Oct-Dec 2022)", "All providers · All services", "Data as of 31 Dec 2022",
                  "Draft generated 15 Jan 2023"):
        assert words in text


def test_slide_2_is_the_bottom_line_worst_first_with_gap_owner_and_why(built):
    _, prs, _ = built
    slide = prs.slides[1]
    assert slide.shapes.title.text == "Bottom line"
    rows = _table(slide)
    assert rows[0] == ["Status", "Measure", "Value", "Target", "Gap to target", "Change since last quarter",
                       "Owner", "Why / what next"]
    # off track, on track, without a target, without data; status in an icon and words
    assert [r[0] for r in rows[1:]] == ["✕ Off track", "✓ On track", "○ Without a target", "– Without data"]
    assert rows[1] == ["✕ Off track", "Trust after the interaction", "74.2%", "80.0%", "5.8 points below",
                       "▼ Down 2.1 points: clear change", "Office of CX",
                       "Why: Longer waits after the portal outage. Next: Add call-back staff by March."]
    assert rows[2][4:6] == ["0.12 points above", "▲ Up 0.05 points: within normal variation"]
    assert rows[4][2] == "Suppressed (n < 30)" and "p =" not in " ".join(" ".join(r) for r in rows)
    sentence = " ".join(_texts(slide))
    assert "Of 4 measures in FY2023 Q1, 1 is off track: Trust after the interaction (5.8 points below target)" \
        in sentence
    table = next(s for s in slide.shapes if s.has_table).table
    status = table.cell(1, 0)
    assert str(status.fill.fore_color.rgb) == "B50909"  # the pages' off-track red, beside icon and words


def test_trend_charts_hold_the_input_values(built):
    _, prs, _ = built
    contents = sample_contents()
    for measure in contents.measures:
        chart, = _charts(_slide(prs, measure.name))
        plot = chart.plots[0]
        assert list(plot.categories) == QUARTERS
        scale = 100 if measure.unit == "percent" else 1
        series = {s.name: list(s.values) for s in plot.series}
        assert series[measure.name] == [None if p.value is None else p.value * scale for p in measure.points]
        if measure.target is None and all(p.target is None for p in measure.points):
            assert list(series) == [measure.name]
        elif all(p.target is None for p in measure.points):  # a review held before points had targets
            assert series["Target"] == [measure.target * scale] * len(QUARTERS)
        else:  # each quarter's own fiscal year's target, a dash each with no line between: a step
            assert series["Target"] == [None if p.target is None else p.target * scale for p in measure.points]
            drawn = next(s for s in plot.series if s.name == "Target")
            assert drawn.format.line.fill.type == MSO_FILL.BACKGROUND and drawn.marker.style == XL_MARKER_STYLE.DASH
        if measure.unit == "percent":
            axis = chart.value_axis
            assert axis.maximum_scale - axis.minimum_scale >= 20  # the pages' y-axis policy
            # on round ticks: whole steps of 5 points, covering what percent_axis would show
            low, high = percent_axis([*chart_values(measure), *target_values(measure)])
            assert axis.major_unit == 5 and axis.minimum_scale % 5 == 0 and axis.maximum_scale % 5 == 0
            assert axis.minimum_scale <= low and axis.maximum_scale >= high
    trust, = _charts(_slide(prs, "Trust after the interaction"))
    assert trust.plots[0].series[0].values[2] is None  # a gap, not zero
    assert trust._chartSpace.xpath(".//c:dispBlanksAs")[0].get("val") == "gap"
    assert {f.text for f in trust._chartSpace.xpath(".//c:val//c:formatCode")} == {'0.0"%"'}
    satisfaction, = _charts(_slide(prs, "Satisfaction score"))
    assert {f.text for f in satisfaction._chartSpace.xpath(".//c:val//c:formatCode")} == {"0.00"}


def test_scorecard_table_is_formatted_as_the_pages_format_it(built):
    _, prs, _ = built
    rows = _table(_slide(prs, "Scorecard: Customers trust us"))
    assert rows[0] == ["Measure", "This quarter", "95% interval", "n", "Target", "Status",
                       "Change vs previous quarter", "Owner"]
    assert rows[1] == ["Trust after the interaction", format_value(0.742, "percent"),
                       format_interval(0.721, 0.763, "percent"), format_n(1843), format_value(0.8, "percent"),
                       "✕ Off track", f"{format_change(-0.021, 'percent')} (clear change)",
                       "Office of CX"]
    assert rows[2][:6] == ["Satisfaction score", "4.12", "4.05–4.19", "1,811", "4.00", "✓ On track"]
    easy = _table(_slide(prs, "Scorecard: Services are easy"))
    assert easy[1][:6] == ["Ease of the process", "Suppressed (n < 30)", MISSING, "18", "75.0%", "– Without data"]
    assert easy[2][4:6] == [MISSING, "○ Without a target"]
    assert "Neither measure can be judged" in " ".join(_texts(_slide(prs, "Scorecard: Services are easy")))


def test_measure_slides_have_takeaway_events_and_notes(built):
    _, prs, _ = built
    trust = _slide(prs, "Trust after the interaction")
    text = " ".join(_texts(trust))
    # headlined by the status against target with its gap, then one change baseline and its verdict
    assert trust.shapes.title.text == "Trust after the interaction: off track, 5.8 points below its 80.0% target"
    assert "Down 2.1 points since FY2022 Q4: clear change. Target 80.0% or higher." in text
    assert "p = " not in text and "moved over the last five quarters" not in text
    assert "Events: Portal outage (12 Apr 2022)" in text and "Old launch" not in text
    # the commentary on the slide itself, each part headed in bold, beside the chart
    commentary = next(s for s in trust.shapes if s.name == "Commentary")
    assert [p.text for p in commentary.text_frame.paragraphs] == [
        "What happened: Trust fell 2.1 points.", "Why: Longer waits after the portal outage.",
        "What next: Add call-back staff by March."]
    assert all(p.runs[0].font.bold and not p.runs[1].font.bold for p in commentary.text_frame.paragraphs)
    chart = next(s for s in trust.shapes if s.has_chart)
    assert chart.left + chart.width <= commentary.left
    notes = trust.notes_slide.notes_text_frame.text
    assert "What next: Add call-back staff by March." in notes and "(A. Rivera)" in notes
    assert f"(significant, {format_p(0.012)})" in notes  # the analyst's detail stays in the notes
    assert "Trend: Trust after the interaction moved over the last five quarters." in notes
    assert "Definition: Share of respondents" in notes and "Owner: Office of CX" in notes
    satisfaction = _slide(prs, "Satisfaction score").notes_slide.notes_text_frame.text
    assert "How satisfied are you with the service you received?" in satisfaction
    assert "What happened" not in satisfaction
    ease = _slide(prs, "Ease of the process")
    assert "suppressed (fewer than 30 responses)" in " ".join(_texts(ease)) and "Events:" in " ".join(_texts(ease))
    assert not any(s.name == "Commentary" for s in ease.shapes)  # nothing written: no empty panel


def test_journey_is_one_services_native_table_and_a_pooled_one_is_left_out():
    service = sample_contents(provider="Veterans Benefits Administration", service="Disability claims")
    prs = Presentation(io.BytesIO(build_deck(service)))
    slide = _slide(prs, "Journey: Disability claims")
    assert not [s for s in slide.shapes if s.shape_type == 13]  # no picture
    rows = _table(slide)
    assert rows[0] == ["Stage", "Trust (% agree)", "Ease (% agree)", "Time to complete (median)", "Calls abandoned"]
    assert rows[1] == ["Apply", "70.0%", "71.0%", "72.0%", "73.0%"]
    assert rows[2][3] == "Suppressed (n < 30)" and rows[3][1] == "76.0% ▲ strongest"
    assert "Waiting for a decision is the weakest stage on ease." in _texts(slide)
    descr = next(s for s in slide.shapes if s.has_table)._element.xpath("./*[1]/p:cNvPr")[0].get("descr")
    assert "Stage: Wait for a decision" in descr
    pooled = Presentation(io.BytesIO(build_deck(sample_contents())))  # every service: no journey slide
    assert not any(t.startswith("Journey") for t in _titles(pooled))


def test_off_track_and_action_tables(built):
    _, prs, _ = built
    off = _table(_slide(prs, "Measures off track"))
    assert off[1] == ["Trust after the interaction", "74.2%", "80.0%", "Office of CX", "Add call-back staff by March."]
    actions_slide = _slide(prs, "Decisions and actions")
    actions = _table(actions_slide)
    assert actions[0] == ["Kind", "Description", "Measure", "Owner", "Due", "State"]
    assert [r[5] for r in actions[1:]] == ["✓ Done", "○ Open", "▲ Late"]  # icon and word, not colour alone
    assert actions[2] == ["Decision", "Fund call-back staffing for Q2", MISSING, "Deputy Secretary",
                          format_date(dt.date(2023, 3, 31)), "○ Open"]
    table = next(s for s in actions_slide.shapes if s.has_table).table
    assert str(table.cell(3, 5).fill.fore_color.rgb) == "B50909" and str(table.cell(1, 5).fill.fore_color.rgb) == "216E1F"
    assert "3 actions: 1 done, 1 open, 1 late." in _texts(actions_slide)


def test_every_graphic_has_alt_text_and_every_slide_a_footer(built):
    _, prs, _ = built
    graphics = 0
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart or shape.has_table or shape.shape_type == 13:
                graphics += 1
                assert shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr", "").strip(), shape.name
        footer = list(slide.shapes)[-1]  # last: read after the slide's content
        assert footer.text_frame.text == f"{FOOTER} · Draft generated 15 Jan 2023"
    assert graphics == 1 + 2 + 4 + 1 + 1
    descr = next(s for s in _slide(prs, "Satisfaction score").shapes if s.has_chart)._element.xpath(
        "./*[1]/p:cNvPr")[0].get("descr")
    assert "FY2022 Q1 4.01" in descr and "Target 4.00" in descr
    descr = next(s for s in _slide(prs, "Trust after the interaction").shapes if s.has_chart)._element.xpath(
        "./*[1]/p:cNvPr")[0].get("descr")
    assert "FY2022 Q2 77.4%, FY2022 Q3 no data" in descr and "off track" in descr


def test_frozen_split_and_empty_sections():
    base = sample_contents()
    many = [base.measures[1].model_copy(update={"measure_id": f"m{i}", "name": f"Measure {i}"}) for i in range(11)]
    contents = sample_contents(
        frozen_on=dt.date(2023, 1, 20), journey=None, actions=[], measures=many,
        goals=[Goal(id="all", name="Everything", measure_ids=[m.measure_id for m in many], takeaway="All on track.")])
    prs = Presentation(io.BytesIO(build_deck(contents)))
    titles = _titles(prs)
    bottom = [i for i, t in enumerate(titles) if t.startswith("Bottom line")]
    assert bottom[0] == 1 and sum(len(_table(prs.slides[i])) - 1 for i in bottom) == 11  # every measure
    first = bottom[-1] + 1
    assert titles[first:first + 2] == ["Scorecard: Everything (1 of 2)", "Scorecard: Everything (2 of 2)"]
    assert len(_table(prs.slides[first])) - 1 + len(_table(prs.slides[first + 1])) - 1 == 11
    # nothing off track and no decisions: those slides are left out, not shown empty
    assert titles[-1].startswith("Measure 10:") and not any(t.startswith(("Measures off track", "Decisions"))
                                                            for t in titles)
    assert not any("No commentary recorded" in t for slide in prs.slides for t in _texts(slide))
    for slide in prs.slides:
        assert any("Review held 20 Jan 2023 (frozen)" in t for t in _texts(slide))


def test_an_agency_template_loses_its_own_slides(tmp_path):
    agency = Presentation(str(default_template()))
    extra = agency.slides.add_slide(agency.slide_layouts[1])
    extra.shapes.title.text = "Agency example slide"
    agency.slide_layouts.get_by_name("Title Only").name = "Heading only"  # the fallback must find a layout
    path = tmp_path / "agency.pptx"
    agency.save(str(path))
    prs = Presentation(io.BytesIO(build_deck(sample_contents(journey=None), template=path)))
    titles = _titles(prs)
    assert "Agency example slide" not in titles
    assert titles == EXPECTED_TITLES
    assert prs.slides[0].slide_layout.name == "Title Slide"
    assert {s.slide_layout.name for s in list(prs.slides)[1:]} == {"Title and Content"}  # first with a title
    for slide in prs.slides:  # the layout's empty content placeholder is gone
        assert all(p.placeholder_format.idx == 0 or p.has_text_frame and p.text_frame.text
                   for p in slide.placeholders)


def test_a_missing_or_broken_template_is_a_user_error(tmp_path):
    missing = tmp_path / "nowhere" / "agency.pptx"
    with pytest.raises(UserError, match="nowhere/agency.pptx"):
        build_deck(sample_contents(journey=None), template=missing)
    broken = tmp_path / "broken.pptx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="broken.pptx"):
        build_deck(sample_contents(journey=None), template=str(broken))


def test_pdf_without_libreoffice_says_what_to_install(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(UserError, match="apt-get install libreoffice-impress"):
        to_pdf(b"PK")


def test_pdf_has_a_page_per_slide(built):
    data, prs, _ = built
    pdf = to_pdf(data)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(prs.slides)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Trust after the interaction" in text and "Satisfaction score" in text
