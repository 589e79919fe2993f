"""The review deck as a briefing staffer receives it: rendered to PDF by LibreOffice and read back
word by word with pdfplumber. No table cell breaks a number or a word across lines, every slide
but the title carries its number, status cells pass 4.5:1 contrast with an icon and words, the
text the deck adds is in the template's theme fonts, and the build warns of an off-track measure
without commentary."""
from __future__ import annotations

import io
import logging
import re
from collections import Counter

import pdfplumber
import pytest
from lxml import etree
from pptx import Presentation
from pptx.util import Inches, Pt

from cxdash.exports.pdf import to_pdf
from cxdash.exports.review_deck import build, build_deck, default_template
from cxdash.review.contents import Action, Commentary
from cxdash.review.packs import WARNING_SEPARATOR, pack_message

from .test_review_deck import sample_contents

ICONS = set("✓▲✕–○")


def _stress_contents():
    """The sample review of one service (so its journey is a table), with the figures and names
    that wrapped before: a six-digit n, long owners and descriptions."""
    base = sample_contents()
    trust = base.measures[0].model_copy(update={"n": 485157, "owner": "Chief Veterans Experience Officer, VA"})
    actions = base.actions + [Action(
        id=4, measure_id="trust", measure_name="Trust after the interaction", quarter="FY2023Q1", kind="action",
        description="Customer value: publish the callback wait time (485,157 callers) on the portal every week",
        owner="Director, VBA Contact Center Operations", state="open")]
    return sample_contents(provider="Veterans Benefits Administration", service="Disability claims",
                           measures=[trust, *base.measures[1:]], actions=actions)


@pytest.fixture(scope="module")
def rendered():
    data = build_deck(_stress_contents())
    return Presentation(io.BytesIO(data)), pdfplumber.open(io.BytesIO(to_pdf(data)))


def broken_tokens(prs, pdf) -> tuple[list[str], int]:
    """Every word of every table cell that does not appear whole in its column of the rendered
    page (a word split over two lines reads as two fragments), and how many words were checked."""
    broken, checked = [], 0
    for slide, page in zip(prs.slides, pdf.pages):
        scale = float(page.width) / prs.slide_width
        words = page.extract_words()
        for frame in (s for s in slide.shapes if s.has_table):
            left, top = frame.left * scale, frame.top * scale
            for j, column in enumerate(frame.table.columns):
                right = left + column.width * scale
                found = Counter(w["text"] for w in words
                                if w["top"] >= top - 2 and w["x0"] >= left - 1 and w["x1"] <= right + 1)
                expected = Counter(token for row in frame.table.rows for token in row.cells[j].text.split())
                checked += sum(expected.values())
                broken += list((expected - found).elements())
                left = right
    return broken, checked


def test_no_table_cell_breaks_a_number_or_a_word(rendered):
    prs, pdf = rendered
    broken, checked = broken_tokens(prs, pdf)
    assert broken == []
    assert checked > 300  # every table of the deck was read, not an empty selection
    cells = {c.text for s in prs.slides for f in s.shapes if f.has_table for r in f.table.rows for c in r.cells}
    assert {"485,157", "Time to complete (median)"} <= cells
    numbers = [w["text"] for p in pdf.pages for w in p.extract_words() if re.fullmatch(r"\d{3},\d{3}", w["text"])]
    assert "485,157" in numbers


def test_the_check_sees_a_number_broken_across_lines(tmp_path):
    """The check itself: a column too narrow for '485,157' and 'Customer' (as the deck's fixed
    widths were) is reported, so the test above can fail."""
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    frame = slide.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(1.2), Inches(1))
    frame.table.columns[0].width, frame.table.columns[1].width = Inches(0.55), Inches(0.65)
    for (i, j), text in {(0, 0): "n", (0, 1): "Customer value", (1, 0): "485,157", (1, 1): "3"}.items():
        frame.table.cell(i, j).text = text
        frame.table.cell(i, j).text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    buffer = io.BytesIO()
    prs.save(buffer)
    broken, _ = broken_tokens(prs, pdfplumber.open(io.BytesIO(to_pdf(buffer.getvalue()))))
    assert "485,157" in broken and "Customer" in broken


def test_every_slide_but_the_title_has_its_number(rendered):
    prs, pdf = rendered
    for number, page in enumerate(pdf.pages, 1):
        bottom = [w for w in page.extract_words() if w["bottom"] > float(page.height) * 0.9]
        corner = [w["text"] for w in bottom if w["x0"] > float(page.width) * 0.9]
        assert corner == ([] if number == 1 else [str(number)])  # the footer line ends well before it
    fields = [f for s in prs.slides for f in s.shapes._spTree.iter("{*}fld")]
    assert len(fields) == len(prs.slides) - 1 and {f.get("type") for f in fields} == {"slidenum"}


def _luminance(rgb: str) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours, written out."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_status_has_colour_and_icon_with_enough_contrast_in_every_table(rendered):
    prs, _ = rendered
    assert round(contrast("FFFFFF", "000000"), 1) == 21.0 and round(contrast("777777", "FFFFFF"), 2) == 4.48
    seen = Counter()
    for slide in prs.slides:
        for frame in (s for s in slide.shapes if s.has_table):
            header = [c.text for c in frame.table.rows[0].cells]
            for name in ("Status", "State"):
                if name not in header:
                    continue
                j = header.index(name)
                for row in list(frame.table.rows)[1:]:
                    cell = row.cells[j]
                    assert cell.text[0] in ICONS and cell.text[2:].strip(), cell.text  # an icon and words
                    fill = str(cell.fill.fore_color.rgb)
                    ink = str(cell.text_frame.paragraphs[0].runs[0].font.color.rgb)
                    assert contrast(fill, ink) >= 4.5, (cell.text, fill, ink)
                    seen[(slide.shapes.title.text.split(":")[0], cell.text, fill)] += 1
    fills = {fill for (_, _, fill) in seen}
    assert {"B50909", "216E1F", "FFBE2E"} & fills and len(fills) >= 3  # colour too, not words alone
    assert {title for title, _, _ in seen} >= {"Bottom line", "Scorecard", "Decisions and actions"}


def _agency_template(tmp_path, major: str, minor: str):
    prs = Presentation(str(default_template()))
    theme_part = prs.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme")
    theme = etree.fromstring(theme_part.blob)
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    theme.xpath("//a:majorFont/a:latin", namespaces=ns)[0].set("typeface", major)
    theme.xpath("//a:minorFont/a:latin", namespaces=ns)[0].set("typeface", minor)
    theme_part._blob = etree.tostring(theme, xml_declaration=True, encoding="UTF-8", standalone=True)
    path = tmp_path / "agency.pptx"
    prs.save(str(path))
    return path


def test_text_the_deck_adds_takes_the_templates_theme_fonts(tmp_path):
    path = _agency_template(tmp_path, "DejaVu Sans Mono", "DejaVu Serif")
    data = build_deck(sample_contents(journey=None), template=path)
    prs = Presentation(io.BytesIO(data))
    added = [s for slide in prs.slides for s in slide.shapes
             if s.name in {"Takeaway", "Footer", "Slide number", "Commentary", "Events"}]
    assert len(added) > 20
    for shape in added:
        for run in (r for p in shape.text_frame.paragraphs for r in p.runs):
            assert run.font.name == "+mn-lt"
            assert run.font._rPr.find("{*}solidFill/{*}schemeClr").get("val") == "tx1"  # the theme's text colour
    # the rendered takeaways and table cells are drawn in the theme's body font
    page = pdfplumber.open(io.BytesIO(to_pdf(data))).pages[2]
    sentence = [c for c in page.chars if c["text"] == "1" and c["size"] > 14]  # "1 of 2 measures ..."
    assert sentence and all("Serif" in c["fontname"] for c in sentence)
    table_chars = [c for c in page.chars if c["text"] == "%" and c["size"] < 13]
    assert table_chars and all("Serif" in c["fontname"] for c in table_chars)


def test_the_shipped_template_keeps_its_arial_and_black_text():
    prs = Presentation(io.BytesIO(build_deck(sample_contents(journey=None))))
    theme = etree.fromstring(prs.slide_master.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme").blob)
    latin = theme.xpath("//*[local-name()='minorFont']/*[local-name()='latin']")[0].get("typeface")
    dark = theme.xpath("//*[local-name()='dk1']/*")[0].get("lastClr")
    assert (latin, dark) == ("Arial", "000000")


def test_an_off_track_measure_without_commentary_is_warned_of(caplog):
    contents = sample_contents()
    contents.measures[0].commentary = Commentary()  # trust is off track; nothing written
    with caplog.at_level(logging.WARNING, logger="cxdash.exports.review_deck"):
        built = build(contents)
    assert built.warnings == ["Trust after the interaction is off track and has no commentary for "
                              "FY2023 Q1 (Oct-Dec 2022) (what happened, why, what next)."]
    assert "Trust after the interaction is off track and has no commentary" in caplog.text
    prs = Presentation(io.BytesIO(built.data))
    assert not any("No commentary recorded" in s.text_frame.text for slide in prs.slides for s in slide.shapes
                   if s.has_text_frame)
    off = next(s for s in prs.slides if s.shapes.title.text == "Measures off track")
    header = [c.text for c in next(s for s in off.shapes if s.has_table).table.rows[0].cells]
    assert "What next" not in header  # no column of dashes
    message = pack_message(False, built.warnings)
    assert message.split(WARNING_SEPARATOR) == ["Draft: today's numbers", built.warnings[0].rstrip(".")]
    assert build(sample_contents()).warnings == []  # written commentary: nothing to warn of
