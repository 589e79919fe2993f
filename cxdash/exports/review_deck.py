"""The quarterly CX review pack as a PowerPoint deck, rendered from ``ReviewContents``.

Charts and tables are native (python-pptx), so an analyst can restyle them and a screen reader
reads their cells. Every chart and table carries alt text with its numbers in words, and every
slide says where its numbers came from (source, data as-of date, filters, draft or frozen) and
its number, because slides get copied out of decks on their own and briefed by page.

An agency template is any .pptx: slides are laid out relative to its slide size and its title
placeholder, on layouts found by name with fallbacks (see config/templates/README.md); the text
the deck adds uses the template's theme fonts, and its text colour where text sits on the slide's
own background. Table columns are sized from their content in that font (text_fit), so no number
or word wraps mid-way. A slide with nothing to say is left out; the build's warnings say what
the review still lacks (an off-track measure without commentary).
"""
from __future__ import annotations

import io
import logging
import math
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from cxdash import paths
from cxdash.channels import ALL
from cxdash.errors import UserError
from cxdash.exports import text_fit
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import benchmark, bottom_line
from cxdash.presentation.charts import percent_axis
from cxdash.presentation.formatting import (
    MISSING,
    format_change,
    format_date,
    format_interval,
    format_n,
    format_p,
    format_value,
    gap_in_words,
)
from cxdash.presentation.takeaways import ORDER, STATUS_WORDS
from cxdash.review.contents import Action, Goal, MeasureSlide, PortfolioItem, ReviewContents

Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)

TEMPLATE_NAME = "review-pack.pptx"
INK = RGBColor(0x1B, 0x1B, 0x1B)  # text on the fills the deck sets itself (table cells)
PRIMARY = RGBColor(0x00, 0x5E, 0xA2)  # USWDS blue-60v: the measure's values
TARGET = RGBColor(0x56, 0x5C, 0x65)  # USWDS gray-cool-60: the target line, dashed
HEADING_FONT, BODY_FONT = "+mj-lt", "+mn-lt"  # the theme's major and minor Latin fonts
FOOTER_BRIGHTNESS = 0.25  # the theme's text colour, a little lighter: the footer recedes
NUMBER_WIDTH = Inches(0.6)
HEADER_FILL = RGBColor(0xDF, 0xE1, 0xE2)
RULE = "A9AEB1"
WHITE = RGBColor(0xFF, 0xFF, 0xFF)

STATE_WORDS = {"done": "Done", "open": "Open", "late": "Late"}
STATE_ICONS = {"done": "✓", "open": "○", "late": "▲"}
SCORECARD_HEADER = ["Measure", "This quarter", "95% interval", "n", "Target", "Status",
                    "Change vs previous quarter", "Owner"]
OFF_TRACK_HEADER = ["Measure", "Value", "Target", "Owner", "What next"]
ACTION_HEADER = ["Kind", "Description", "Measure", "Owner", "Due", "State"]
PORTFOLIO_HEADER = ["Rank", "Initiative (status)", "Owner", "Customer value", "Mission value", "Time criticality",
                    "Risk reduction", "Cost of delay", "Job size", "WSJF"]
SCORECARD_ROWS, OFF_TRACK_ROWS, ACTION_ROWS, PORTFOLIO_ROWS = 8, 8, 10, 10  # most rows on one slide
BOTTOM_LINE_ROWS, BOTTOM_LINE_PT, BOTTOM_LINE_TAKEAWAY_PT = 12, 10, 14  # a long sentence, many rows
JOURNEY_ROWS = 10
SMALLEST_TABLE_PT = 8  # a table whose words do not fit side by side shrinks to this, no further
# Status cells: the pages' tag colours (white or ink text at 6:1 or more), beside the icon and words.
# Fixed, not the template's: their meaning and contrast must survive any theme.
STATUS_FILL = {"on_track": (RGBColor(0x21, 0x6E, 0x1F), WHITE), "at_risk": (RGBColor(0xFF, 0xBE, 0x2E), INK),
               "off_track": (RGBColor(0xB5, 0x09, 0x09), WHITE), "no_data": (RGBColor(0x5C, 0x5C, 0x5C), WHITE),
               "no_target": (RGBColor(0x5C, 0x5C, 0x5C), WHITE)}
STATE_FILL = {"done": STATUS_FILL["on_track"], "open": (WHITE, INK), "late": STATUS_FILL["off_track"]}

TABLE_PT, TAKEAWAY_PT, FOOTER_PT, CHART_PT, COMMENTARY_PT = 12, 16, 10, 12, 12
MARGIN = Inches(0.6)
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.06), Inches(0.04)  # text_fit.CELL_PADDING allows for these
GAP = Inches(0.12)
FOOTER_HEIGHT = Inches(0.5)
TABLE_STYLE = "{5940675A-B579-460E-94D1-54222C63F5DA}"  # "No Style, Table Grid": our fills and rules show


def default_template() -> Path:
    """The configured template: config/templates/review-pack.pptx (an overridden config folder may
    hold its own; otherwise the one shipped with the project)."""
    return paths.config_file(f"templates/{TEMPLATE_NAME}")


@dataclass
class BuiltDeck:
    """A built pack: the .pptx bytes, and what the review still lacks (said, logged, never fatal)."""
    data: bytes
    warnings: list[str] = field(default_factory=list)


def build_deck(contents: ReviewContents, template: str | Path | None = None,
               progress: Progress | None = None) -> bytes:
    """The review pack as .pptx bytes (see ``build`` for its warnings too)."""
    return build(contents, template, progress).data


def build(contents: ReviewContents, template: str | Path | None = None,
          progress: Progress | None = None, sections: Collection[str] | None = None,
          title: str | None = None) -> BuiltDeck:
    """The review pack and its warnings; ``progress(fraction, step)`` hears of each slide.
    ``sections``: only these of SECTIONS (a page's short deck); every one by default. ``title``:
    the title slide's, instead of "<agency>: quarterly CX review"."""
    unknown = set(sections or ()) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown deck sections {sorted(unknown)}; expected some of {', '.join(SECTIONS)}")
    deck = _Deck.open(Path(template) if template else default_template(), contents)
    deck.title = title or f"{contents.agency}: quarterly CX review"
    steps = [(step, make) for section, step, make in _plan(contents) if sections is None or section in sections]
    for done, (step, make) in enumerate(steps):
        if progress:
            progress(done / len(steps), step)
        make(deck)
    for number, slide in enumerate(deck.prs.slides, 1):  # last on each slide: read after the content
        _footer(slide, deck, number if number > 1 else None)
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    warnings = deck_warnings(contents)
    for warning in warnings:
        log.warning("review pack %s, %s: %s", contents.quarter, contents.scope_text, warning)
    if progress:
        progress(1.0, "Deck ready")
    return BuiltDeck(buffer.getvalue(), warnings)


def deck_warnings(c: ReviewContents) -> list[str]:
    """An off-track measure with no commentary: the executives will ask why, and the deck cannot say."""
    return [f"{m.name} is off track and has no commentary for {c.quarter_display} (what happened, why, what next)."
            for m in measures_in_goal_order(c) if m.status == "off_track" and not commentary_parts(m)]


def commentary_parts(m: MeasureSlide) -> list[tuple[str, str]]:
    """(heading, text) for each part of the measure's commentary that was written."""
    if m.commentary is None:
        return []
    parts = [("What happened", m.commentary.what_happened), ("Why", m.commentary.why),
             ("What next", m.commentary.what_next)]
    return [(head, " ".join(text.split())) for head, text in parts if text.strip()]


def journey_shown(c: ReviewContents) -> bool:
    """One service's journey only: stages of different services pooled into one are not a journey."""
    return c.journey is not None and c.service != ALL and bool(c.journey.stages)


SECTIONS = ("title", "bottom_line", "scorecard", "trends", "journey", "off_track", "actions", "portfolio",
            "maturity")


def _plan(c: ReviewContents) -> list[tuple[str, str, Callable[[_Deck], None]]]:
    """Every slide as (section, what is happening, how to make it), so progress can count them up
    front. Sections with nothing to say (no measures in a goal, none off track, no decisions) are
    left out."""
    known = {m.measure_id for m in c.measures}
    steps = [("title", "Title slide", _title_slide), ("bottom_line", "Bottom line", _bottom_line_slides)]
    steps += [("scorecard", f"Scorecard: {g.name}", lambda d, g=g: _scorecard_slides(d, g)) for g in c.goals
              if known & set(g.measure_ids)]
    steps += [("trends", f"Trend: {m.name}", lambda d, m=m: _measure_slide(d, m)) for m in measures_in_goal_order(c)]
    if journey_shown(c):
        steps.append(("journey", "Journey table", _journey_slide))
    if c.services is not None and c.services.rows:
        steps.append(("services", "Services side by side", _services_slides))
    if c.off_track():
        steps.append(("off_track", "Measures off track", _off_track_slides))
    if c.actions:
        steps.append(("actions", "Decisions and actions", _action_slides))
    if c.portfolio:
        steps.append(("portfolio", "Initiative portfolio", _portfolio_slides))
    if c.maturity is not None:
        steps.append(("maturity", "CX maturity", _maturity_slide))
    return steps


def measures_in_goal_order(c: ReviewContents) -> list[MeasureSlide]:
    """Goal by goal, as the scorecard lists them; measures in no goal follow."""
    known = {m.measure_id: m for m in c.measures}
    ids = dict.fromkeys([i for g in c.goals for i in g.measure_ids if i in known] + list(known))
    return [known[i] for i in ids]


# --- the deck and its slides ------------------------------------------------------------------

@dataclass
class _Deck:
    prs: Presentation
    contents: ReviewContents
    title_layout: object
    content_layout: object
    heading_font: str = "Arial"  # the theme's major (headings) and minor (body) Latin fonts, for measuring
    body_font: str = "Arial"
    title: str = ""  # the title slide's

    @classmethod
    def open(cls, path: Path, contents: ReviewContents) -> _Deck:
        prs = _read_template(path)
        _remove_slides(prs)
        heading, body = theme_fonts(prs)
        return cls(prs, contents, _title_layout(prs), _content_layout(prs), heading, body)

    @property
    def width(self) -> int:
        return self.prs.slide_width

    @property
    def height(self) -> int:
        return self.prs.slide_height

    @property
    def inner_width(self) -> int:
        return self.width - 2 * MARGIN

    @property
    def bottom(self) -> int:
        """Where content must end: above the footer."""
        return self.height - FOOTER_HEIGHT - Inches(0.15)

    @property
    def content_top(self) -> int:
        """Below the layout's title (kept between 0.9 and 2 inches, whatever the template does)."""
        title = next((p for p in self.content_layout.placeholders
                      if p.placeholder_format.type == PP_PLACEHOLDER.TITLE), None)
        if title is None or title.top is None or title.height is None:
            bottom = Inches(1.3)  # the text box _set_title draws
        else:
            bottom = title.top + title.height if title.top < self.height * 0.3 else Inches(1.4)
        return min(max(bottom, Inches(0.9)), Inches(2.0)) + GAP

    def slide(self, title: str):
        """A content slide with its title (build_deck adds the footer); returns (slide, top of the free area)."""
        slide = self.prs.slides.add_slide(self.content_layout)
        _set_title(slide, title, self)
        _drop_empty_placeholders(slide, keep={PP_PLACEHOLDER.TITLE})
        return slide, self.content_top


def theme_fonts(prs) -> tuple[str, str]:
    """The template theme's (major, minor) Latin typefaces; Arial where the theme names none."""
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    found = []
    for kind in ("a:majorFont", "a:minorFont"):
        latin = theme.find(f".//{qn('a:fontScheme')}/{qn(kind)}/{qn('a:latin')}")
        found.append(latin.get("typeface") if latin is not None and latin.get("typeface") else "Arial")
    return found[0], found[1]


def _read_template(path: Path) -> Presentation:
    if not path.is_file():
        raise UserError(f"Review-pack template not found: {path}")
    try:
        return Presentation(str(path))
    except Exception as exc:  # a zip that is not a deck fails in many ways; all mean "not a .pptx"
        raise UserError(f"Review-pack template {path} is not a readable .pptx file: {exc}") from exc


def _remove_slides(prs) -> None:
    """An agency template may carry example slides; the pack starts from its layouts only."""
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)


def _named_layout(prs, name: str):
    return next((lay for lay in prs.slide_layouts if lay.name.strip().lower() == name.lower()), None)


def _has_title(layout) -> bool:
    return any(p.placeholder_format.type == PP_PLACEHOLDER.TITLE for p in layout.placeholders)


def _title_layout(prs):
    return _named_layout(prs, "Title Slide") or prs.slide_layouts[0]


def _content_layout(prs):
    """'Title Only'; else the first layout with a title; else 'Blank'; else the last layout."""
    return (_named_layout(prs, "Title Only") or next((lay for lay in prs.slide_layouts if _has_title(lay)), None)
            or _named_layout(prs, "Blank") or prs.slide_layouts[-1])


def _set_title(slide, title: str, deck: _Deck):
    """The layout's title placeholder (shrunk to fit if long), or a text box where it has none."""
    heading = slide.shapes.title
    if heading is None:
        heading = _text_box(slide, MARGIN, Inches(0.3), deck.inner_width, Inches(1.0), [title], 28, bold=True,
                            font=HEADING_FONT)
        heading.name = "Title"
        return heading
    heading.text = title
    heading.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    heading.text_frame.word_wrap = True
    return heading


def _drop_empty_placeholders(slide, keep: set) -> None:
    """Unused body placeholders print 'Click to add text' in edit view; nothing fills them."""
    for shape in list(slide.placeholders):
        if shape.placeholder_format.type not in keep:
            shape._element.getparent().remove(shape._element)


def status_marker(c: ReviewContents) -> str:
    """Whether these are the frozen numbers of a held review or a draft that may still change."""
    if c.frozen_on:
        return f"Review held {format_date(c.frozen_on)} (frozen)"
    return f"Draft generated {format_date(c.generated_at)}"


def footer_text(c: ReviewContents) -> str:
    return (f"Source: {c.source} · Data as of {format_date(c.as_of)} · Filters: {c.filters_text}"
            f" · {status_marker(c)}")


def _footer(slide, deck: _Deck, number: int | None) -> None:
    """The source line, and the slide's number at the right (a field: it follows a reordered deck)."""
    top, width = deck.height - FOOTER_HEIGHT - Inches(0.05), deck.inner_width
    if number is not None:
        box = _text_box(slide, deck.width - MARGIN - NUMBER_WIDTH, top, NUMBER_WIDTH, FOOTER_HEIGHT, [str(number)],
                        FOOTER_PT, brightness=FOOTER_BRIGHTNESS)
        box.name = "Slide number"
        box.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
        paragraph = box.text_frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.RIGHT
        run = paragraph.runs[0]._r
        fld = etree.Element(qn("a:fld"), id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}", type="slidenum")
        fld.extend(list(run))  # the run's properties and text, now the field's
        run.addprevious(fld)
        run.getparent().remove(run)
        width -= NUMBER_WIDTH + GAP
    box = _text_box(slide, MARGIN, top, width, FOOTER_HEIGHT, [footer_text(deck.contents)], FOOTER_PT,
                    brightness=FOOTER_BRIGHTNESS)
    box.name = "Footer"
    box.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM


def _title_slide(deck: _Deck) -> None:
    c = deck.contents
    slide = deck.prs.slides.add_slide(deck.title_layout)
    _set_title(slide, deck.title or f"{c.agency}: quarterly CX review", deck)
    lines = [c.quarter_display, c.scope_text, f"Data as of {format_date(c.as_of)}", status_marker(c)]
    subtitle = next((p for p in slide.placeholders if p.placeholder_format.type in
                     (PP_PLACEHOLDER.SUBTITLE, PP_PLACEHOLDER.BODY)), None)
    if subtitle is None:
        subtitle = _text_box(slide, MARGIN, deck.height // 2 + Inches(0.6), deck.inner_width, Inches(1.6), lines, 20)
    else:
        _fill(subtitle.text_frame, lines, 20, colour=None)
    keep = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}
    _drop_empty_placeholders(slide, keep | ({subtitle.placeholder_format.type} if subtitle.is_placeholder else set()))


def status_counts(c: ReviewContents) -> list[tuple[str, int]]:
    """(status in words, number of measures) for every status, zeros included, in the pages' order."""
    counts = Counter(m.status for m in c.measures)
    return [(STATUS_WORDS[s].capitalize(), counts[s]) for s in ORDER]


def previous_display(c: ReviewContents) -> str:
    return FiscalQuarter.parse(c.quarter).previous().display


def bottom_line_cards(c: ReviewContents) -> list[dict]:
    """The measures as the scorecard's cards, for cxdash.presentation.bottom_line (the page's rows)."""
    quarter = FiscalQuarter.parse(c.quarter).display
    return [{**m.card(), "quarter_label": m.quarter_label or quarter} for m in c.measures]


def bottom_line_sentence(c: ReviewContents) -> str:
    return bottom_line.sentence(bottom_line_cards(c), FiscalQuarter.parse(c.quarter).display, previous_display(c))


def bottom_line_table_rows(c: ReviewContents) -> list[dict]:
    """The page's bottom-line rows, worst first (off track, at risk, on track, without data)."""
    return bottom_line.rows(bottom_line_cards(c))


def _bottom_line_slides(deck: _Deck) -> None:
    """Slide 2: every measure, worst first, with value, target, gap, change, owner and the review's
    why and what next; the status cell carries its icon and words on the status colour."""
    c = deck.contents
    rows = bottom_line_table_rows(c)
    columns = list(bottom_line.COLUMNS)
    if all(row["note"] == MISSING for row in rows):  # no commentary yet: room for the rest
        columns = [column for column in columns if column[0] != "note"]
    cells = [[row[key] for key, _header in columns] for row in rows]
    if not rows:
        slide, top = deck.slide("Bottom line")
        _takeaway(slide, deck, top, f"The catalog defines no survey measures for {c.scope_text}, so there is "
                                    f"nothing to score in {c.quarter_display}.")
        return
    frames = _table_slides(deck, "Bottom line", bottom_line_sentence(c), [h for _k, h in columns], cells,
                           BOTTOM_LINE_ROWS, "Bottom line table", size_pt=BOTTOM_LINE_PT,
                           takeaway_pt=BOTTOM_LINE_TAKEAWAY_PT, bold_columns=frozenset({0}))
    _status_cells(frames, 0, [row["status"] for row in rows], STATUS_FILL)


def _solid_series(series, colour: RGBColor) -> None:
    series.format.fill.solid()
    series.format.fill.fore_color.rgb = colour
    series.format.line.color.rgb = INK


def _chart_text(chart) -> None:
    chart.font.size = Pt(CHART_PT)
    chart.font.color.rgb = INK


# --- scorecard -------------------------------------------------------------------------------

def value_text(m: MeasureSlide) -> str:
    """The quarter's value as the pages print it, or the suppression words (never a number)."""
    return f"Suppressed (n < {m.min_n})" if m.suppressed else format_value(m.value, m.unit)


def change_text(m: MeasureSlide) -> str:
    """The signed change since the previous quarter with its verdict in words ('clear change' or
    'within normal variation'); p-values stay in the speaker notes (analyst detail)."""
    if m.suppressed:
        return MISSING
    text = format_change(m.change, m.unit)
    if m.change is not None and m.significant is not None:
        line = bottom_line.change_line({**m.card(), "change_summary": None})
        text += f" ({line.rsplit(': ', 1)[-1]})" if ": " in line else ""
    return text


def scorecard_row(m: MeasureSlide) -> list[str]:
    interval = MISSING if m.suppressed else format_interval(m.ci_low, m.ci_high, m.unit)
    return [m.name, value_text(m), interval, format_n(m.n), format_value(m.target, m.unit),
            bottom_line.status_text(m.status), change_text(m), m.owner or MISSING]


def _scorecard_slides(deck: _Deck, goal: Goal) -> None:
    known = {m.measure_id: m for m in deck.contents.measures}
    measures = [known[i] for i in goal.measure_ids if i in known]
    every = [scorecard_row(m) for m in measures_in_goal_order(deck.contents)]  # one layout for every goal
    frames = _table_slides(deck, f"Scorecard: {goal.name}", goal.takeaway, SCORECARD_HEADER,
                           [scorecard_row(m) for m in measures], SCORECARD_ROWS, "Scorecard table", fit_rows=every,
                           bold_columns=frozenset({SCORECARD_HEADER.index("Status")}))
    _status_cells(frames, SCORECARD_HEADER.index("Status"), [m.status for m in measures], STATUS_FILL)


# --- one slide per measure ------------------------------------------------------------------

def measure_title(m: MeasureSlide) -> str:
    """The slide's headline: the measure's status against its target, with the gap.

    'VBA contact trust: off track, 3.2 points below its 70.0% target'; without a result this
    quarter, the last known value's gap; without a target, says so."""
    status = STATUS_WORDS[m.status]
    if m.target is None:
        shown = "" if m.suppressed or m.value is None else f", {format_value(m.value, m.unit)}"
        return f"{m.name}: no target set{shown}"
    target = format_value(m.target, m.unit)
    if m.value is not None and not m.suppressed:
        return f"{m.name}: {status}, {_gap_to(m.value, m)} its {target} target"
    if m.last_value is not None:
        return (f"{m.name}: {status} this quarter; last known {format_value(m.last_value, m.unit)} "
                f"({m.last_label}), {_gap_to(m.last_value, m)} its {target} target")
    return f"{m.name}: {status} this quarter (target {target})"


def _gap_to(value: float, m: MeasureSlide) -> str:
    """'3.2 points below' or 'at' (read before 'its 70.0% target')."""
    words = gap_in_words(value, m.target, m.unit)
    return "at" if words == "at target" else words.removesuffix(" target")


def headline(m: MeasureSlide) -> str:
    """The line under the title: the change since the previous quarter with its verdict (one
    baseline; the six-quarter trend is in the notes), the target's direction, and why there is
    no number where there is none."""
    parts = [bottom_line.change_line(m.card()) + "."]
    if m.target is not None:
        direction = {"higher": "or higher", "lower": "or lower"}[m.direction]
        parts.append(f"Target {format_value(m.target, m.unit)} {direction}.")
    if m.suppressed:
        parts.append(f"This quarter's result is suppressed (fewer than {m.min_n} responses).")
    return " ".join(parts)


def chart_values(m: MeasureSlide) -> list[float | None]:
    """Percent measures are plotted as 0-100 (unrounded); points as they are; gaps stay None."""
    scale = 100 if m.unit == "percent" else 1
    return [None if p.value is None else p.value * scale for p in m.points]


def events_in(c: ReviewContents, labels: Sequence[str]) -> list[str]:
    """Annotations in the chart's quarters, oldest first: 'label (31 Dec 2022)'."""
    shown = sorted((a for a in c.annotations if a.quarter in set(labels)), key=lambda a: (a.event_date, a.id))
    return [f"{a.label} ({format_date(a.event_date)})" for a in shown]


def _measure_slide(deck: _Deck, m: MeasureSlide) -> None:
    """Headline, change line, the trend chart (left) and the review's commentary (right) when
    there is some: what happened, why and what next belong on the slide, not only in the notes."""
    title = measure_title(m)
    slide, top = deck.slide(title)
    takeaway = headline(m)
    top = _takeaway(slide, deck, top, takeaway)
    if m.benchmarks:
        top = _benchmarks(slide, deck, top, m)
    parts = commentary_parts(m)
    chart_width = int(deck.inner_width * 0.6) if parts else deck.inner_width
    if parts:
        x = MARGIN + chart_width + GAP * 2
        _commentary_box(slide, deck, parts, x, top, deck.width - MARGIN - x, deck.bottom - top)
    events = events_in(deck.contents, [p.label for p in m.points])
    events_text = f"Events: {'; '.join(events)}" if events else ""
    counted = measure_footnote(m)
    counted_height = _text_height(deck, counted, chart_width, TABLE_PT) if counted else 0
    events_height = (_text_height(deck, events_text, chart_width, TABLE_PT) if events else 0) + counted_height
    if m.points:
        frame = _line_chart(slide, m, MARGIN, top, chart_width, deck.bottom - top - events_height)
        set_alt_text(frame, f"{title}. {takeaway} {trend_in_words(m)}")
    else:
        _takeaway(slide, deck, top, "No quarters of data to chart.")
    if events:
        box = _text_box(slide, MARGIN, deck.bottom - events_height, chart_width, events_height - counted_height,
                        [events_text], TABLE_PT)
        box.name = "Events"
    if counted:
        box = _text_box(slide, MARGIN, deck.bottom - counted_height, chart_width, counted_height, [counted], TABLE_PT)
        box.name = "What it counts"
    slide.notes_slide.notes_text_frame.text = speaker_notes(m)


def benchmark_lines(m: MeasureSlide) -> list[str]:
    """'All loaded agencies (response-weighted): 71.2% (14 providers, n = 52,301)', then the
    performance.gov figure: what the quarter's value stands beside."""
    return [benchmark.line(b.text, b.detail) for b in m.benchmarks]


def _benchmarks(slide, deck: _Deck, top: int, m: MeasureSlide) -> int:
    lines = benchmark_lines(m)
    height = sum(_text_height(deck, text, deck.inner_width, TABLE_PT) for text in lines)
    box = _text_box(slide, MARGIN, top, deck.inner_width, height, lines, TABLE_PT)
    box.name = "Benchmarks"
    return top + height + GAP


def measure_footnote(m: MeasureSlide) -> str:
    """Under the chart: what the number counts, and whether the question's wording changed."""
    return " ".join(part for part in (f"Counts: {m.counts}" if m.counts else "", m.wording_note or "") if part)


def _commentary_box(slide, deck: _Deck, parts: list[tuple[str, str]], x: int, y: int, cx: int, cy: int) -> None:
    """Each written part as a bold heading and its text, at the largest size (12 pt down to 9) that fits."""
    size = COMMENTARY_PT
    while size > 9 and sum(_text_height(deck, f"{head}: {text}", cx, size) for head, text in parts) > cy:
        size -= 1
    box = _text_box(slide, x, y, cx, cy, [f"{head}: {text}" for head, text in parts], size)
    box.name = "Commentary"
    for paragraph, (head, text) in zip(box.text_frame.paragraphs, parts):
        paragraph.space_after = Pt(size * 0.6)
        first = paragraph.runs[0]
        first.text = f"{head}: "
        rest = paragraph.add_run()
        rest.text = text
        _style_run(rest, size, False, None)
        first.font.bold = True


def _line_chart(slide, m: MeasureSlide, x: int, y: int, cx: int, cy: int):
    percent = m.unit == "percent"
    data = CategoryChartData(number_format='0.0"%"' if percent else "0.00")
    data.categories = [p.label for p in m.points]
    data.add_series(m.name, chart_values(m))
    targets = target_values(m)
    if any(t is not None for t in targets):
        data.add_series("Target", targets)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, x, y, cx, cy, data)
    frame.name = "Trend chart"
    _style_line_chart(frame.chart, percent)
    if percent:  # the pages' one y-axis policy for percentage trends, on round ticks
        axis = frame.chart.value_axis
        axis.minimum_scale, axis.maximum_scale, axis.major_unit = round_ticks(
            *percent_axis([*chart_values(m), *targets]))
    return frame


def round_ticks(low: float, high: float) -> tuple[float, float, float]:
    """The axis widened to whole steps of 5 points (10 beyond a 50-point span), so PowerPoint
    labels 65%, 70%, 75% rather than 63.2%, 65.2%, 67.2%; still within 0-100."""
    step = 5.0 if high - low <= 50 else 10.0
    return max(0.0, math.floor(low / step) * step), min(100.0, math.ceil(high / step) * step), step


def target_values(m: MeasureSlide) -> list[float | None]:
    """Each quarter's own fiscal year's target, as the chart plots it (a held review stored before
    points carried targets: the current target)."""
    scale = 100 if m.unit == "percent" else 1
    if all(p.target is None for p in m.points):
        return [None if m.target is None else m.target * scale for _ in m.points]
    return [None if p.target is None else p.target * scale for p in m.points]


def _style_line_chart(chart, percent: bool) -> None:
    _chart_text(chart)
    chart.has_legend = True
    chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    value, *target = chart.plots[0].series
    _line(value, PRIMARY, Pt(2.5))
    value.marker.style, value.marker.size = XL_MARKER_STYLE.CIRCLE, 8
    value.marker.format.fill.solid()
    value.marker.format.fill.fore_color.rgb = PRIMARY
    value.marker.format.line.color.rgb = PRIMARY
    labels = value.data_labels
    labels.number_format, labels.number_format_is_linked = ('0.0"%"' if percent else "0.00"), False
    labels.position, labels.show_value = XL_LABEL_POSITION.ABOVE, True
    labels.font.size = Pt(11)
    for series in target:  # a dash at every quarter marks that quarter's own fiscal year's target: no
        series.smooth = False  # line joins them, so a new year's target is a step, never a slope
        series.format.line.fill.background()
        series.marker.style, series.marker.size = XL_MARKER_STYLE.DASH, 24
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = TARGET
        series.marker.format.line.color.rgb = TARGET
    axis = chart.value_axis
    axis.tick_labels.number_format = '0.0"%"' if percent else "0.00"  # narrow ranges: no repeated labels
    axis.tick_labels.number_format_is_linked = False
    axis.major_gridlines.format.line.color.rgb = HEADER_FILL
    _gaps_as_gaps(chart)


def _line(series, colour: RGBColor, width) -> None:
    series.smooth = False
    series.format.line.color.rgb = colour
    series.format.line.width = width


def _gaps_as_gaps(chart) -> None:
    """A quarter without a value is a break in the line, not a drop to zero or a bridge (python-pptx
    writes dispBlanksAs today; saying so keeps it true)."""
    blanks = chart._chartSpace.chart.find(qn("c:dispBlanksAs"))
    if blanks is not None:
        blanks.set("val", "gap")


def trend_in_words(m: MeasureSlide) -> str:
    """The chart's numbers for alt text: every quarter's value, and the target."""
    points = ", ".join(f"{p.label} {_value_words(p.value, m.unit)}" for p in m.points)
    target = f" Target {format_value(m.target, m.unit)}." if m.target is not None else " No target."
    return f"Line chart of {m.name} by quarter: {points}.{target}"


def _value_words(value, unit: str) -> str:
    return "no data" if value is None else format_value(value, unit)


def speaker_notes(m: MeasureSlide) -> str:
    """What the presenter needs to hand: the commentary, then what the measure is and who owns it."""
    parts = [m.commentary.text()] if m.commentary and m.commentary.text() else []
    parts += [f"Definition: {m.definition}", f"Owner: {m.owner or MISSING}"]
    parts += [f"Benchmark: {text}" for text in benchmark_lines(m)]
    if m.change is not None and m.p_value is not None and not m.suppressed:  # the analyst's detail
        verdict = "significant" if m.significant else "not significant"
        parts.append(f"Change since {m.prev_label or 'the previous quarter'}: {format_change(m.change, m.unit)} "
                     f"({verdict}, {format_p(m.p_value)})")
    if m.trend_takeaway:
        parts.append(f"Trend: {m.trend_takeaway}")
    parts += [f"Counts: {m.counts}"] if m.counts else []
    parts += [m.wording_note] if m.wording_note else []
    parts += [f"Question wording: {w}" for w in m.wordings]
    return "\n".join(parts)


# --- journey --------------------------------------------------------------------------------

def journey_header(c: ReviewContents) -> list[str]:
    return ["Stage"] + [" ".join(name.replace("-<br>", "").replace("<br>", " ").split()) for name in c.journey.indicators]


def journey_rows(c: ReviewContents) -> list[list[str]]:
    """A row per stage: each indicator's value, with its marks as icon and words ('▲ strongest')."""
    j = c.journey
    return [[stage] + [cell.value + "".join(f" {icon} {words}" for icon, words in cell.marks) for cell in row]
            for stage, row in zip(j.stages, j.cells)]


def _journey_slide(deck: _Deck) -> None:
    """One service's journey as a native table (readable, editable, read cell by cell)."""
    c = deck.contents
    _table_slides(deck, f"Journey: {c.service}", c.journey.takeaway, journey_header(c), journey_rows(c),
                  JOURNEY_ROWS, "Journey table", footnote=" ".join(c.journey.notes))


def _services_slides(deck: _Deck) -> None:
    """Several services as a native table, one row per service: each its own figures."""
    c = deck.contents.services
    _table_slides(deck, "Services side by side", c.takeaway, c.header, c.rows, JOURNEY_ROWS, "Services table")


# --- off track, actions -----------------------------------------------------------------------

def off_track_row(m: MeasureSlide) -> list[str]:
    what_next = (m.commentary.what_next.strip() if m.commentary else "") or MISSING
    return [m.name, value_text(m), format_value(m.target, m.unit), m.owner or MISSING, what_next]


def _off_track_slides(deck: _Deck) -> None:
    off = [m for m in measures_in_goal_order(deck.contents) if m.status == "off_track"]
    n = len(off)
    takeaway = f"{n} measure{'s are' if n != 1 else ' is'} off track in {deck.contents.quarter_display}."
    header, rows = OFF_TRACK_HEADER, [off_track_row(m) for m in off]
    if all(row[-1] == MISSING for row in rows):  # nothing recorded: no column of dashes
        header, rows = header[:-1], [row[:-1] for row in rows]
    _table_slides(deck, "Measures off track", takeaway, header, rows, OFF_TRACK_ROWS, "Off-track table")


def state_text(state: str) -> str:
    """'▲ Late': an icon and the word, never colour alone."""
    return f"{STATE_ICONS[state]} {STATE_WORDS[state]}"


def action_row(a: Action) -> list[str]:
    measure = a.measure_name or a.measure_id or MISSING
    return [a.kind.capitalize(), a.description, measure, a.owner or MISSING, format_date(a.due_date),
            state_text(a.state)]


def actions_sentence(actions: Sequence[Action]) -> str:
    """'3 actions: 1 done, 1 open, 1 late.' (decisions count as actions here)."""
    counts = Counter(a.state for a in actions)
    n = len(actions)
    return f"{n} action{'s' if n != 1 else ''}: {counts['done']} done, {counts['open']} open, {counts['late']} late."


def _action_slides(deck: _Deck) -> None:
    actions = deck.contents.actions
    frames = _table_slides(deck, "Decisions and actions", actions_sentence(actions), ACTION_HEADER,
                           [action_row(a) for a in actions], ACTION_ROWS, "Actions table",
                           bold_columns=frozenset({ACTION_HEADER.index("State")}))
    _status_cells(frames, ACTION_HEADER.index("State"), [a.state for a in actions], STATE_FILL)


# --- portfolio and maturity -------------------------------------------------------------------

def _score(value: float) -> str:
    return f"{value:g}"


def portfolio_row(p: PortfolioItem) -> list[str]:
    customer = _score(p.customer_value) + (" (from data)" if p.customer_value_from_data else "")
    return [str(p.rank), f"{p.name} ({p.status})", p.owner or MISSING, customer, _score(p.mission_value),
            _score(p.time_criticality), _score(p.risk_reduction), _score(p.cost_of_delay), _score(p.job_size),
            f"{p.wsjf:.1f}"]


def _portfolio_slides(deck: _Deck) -> None:
    _table_slides(deck, "Initiative portfolio (weighted shortest job first)", deck.contents.portfolio_takeaway,
                  PORTFOLIO_HEADER, [portfolio_row(p) for p in deck.contents.portfolio], PORTFOLIO_ROWS,
                  "Portfolio table")


def maturity_in_words(c: ReviewContents) -> str:
    m = c.maturity
    parts = [f"{d.name}: level {d.level} ({d.level_name})"
             + (f", level {d.previous_level} in FY{m.fiscal_year - 1}" if d.previous_level is not None else "")
             for d in m.dimensions]
    return f"Bar chart of the maturity level (0 to 5) of each dimension. {'; '.join(parts)}."


def _maturity_slide(deck: _Deck) -> None:
    m = deck.contents.maturity
    slide, top = deck.slide(f"CX maturity, FY{m.fiscal_year}: level {m.overall}, {m.overall_name}")
    top = _takeaway(slide, deck, top, m.takeaway)
    data = CategoryChartData(number_format="0")
    data.categories = [d.name for d in m.dimensions]
    if any(d.previous_level is not None for d in m.dimensions):
        data.add_series(f"FY{m.fiscal_year - 1}", [d.previous_level for d in m.dimensions])
    data.add_series(f"FY{m.fiscal_year}", [d.level for d in m.dimensions])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, MARGIN, top, deck.inner_width, deck.bottom - top, data)
    frame.name = "Maturity chart"
    chart = frame.chart
    _chart_text(chart)
    chart.has_title = False
    chart.has_legend = len(chart.plots[0].series) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
    plot = chart.plots[0]
    plot.gap_width, plot.has_data_labels = 60, True
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    for series, colour in zip(plot.series, [TARGET, PRIMARY][-len(plot.series):]):
        _solid_series(series, colour)
    chart.category_axis.reverse_order = True
    axis = chart.value_axis
    axis._element.find(qn("c:crosses")).set("val", "max")
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, 5, 1
    axis.has_title = True
    axis.axis_title.text_frame.text = "Level (1 Reactive, 2 Tactical, 3 Strategic, 4 Foundational, 5 Customer-centric)"
    set_alt_text(frame, f"{m.takeaway} {maturity_in_words(deck.contents)}")


# --- shared pieces ----------------------------------------------------------------------------

@dataclass
class _Fit:
    """A table's layout: its font size and column widths (the same on every slide it continues to)."""
    size_pt: float
    widths: list[int]
    font: str
    bold_columns: frozenset[int] = frozenset()

    def lines(self, text: str, width: int, bold: bool = False) -> int:
        return text_fit.wrapped_lines(text, width - text_fit.CELL_PADDING, self.font, self.size_pt, bold)

    def row_height(self, row: Sequence[str], bold: bool = False) -> int:
        lines = max(self.lines(text, width, bold or j in self.bold_columns)
                    for j, (text, width) in enumerate(zip(row, self.widths)))
        return int(Pt(self.size_pt * 1.2) * lines + CELL_MARGIN_Y * 2 + Inches(0.04))


def fit_table(deck: _Deck, header: list[str], rows: list[list[str]], size_pt: float = TABLE_PT,
              bold_columns: frozenset[int] = frozenset()) -> _Fit:
    """Columns sized from their longest content in the template's body font at the largest size
    (from ``size_pt`` down) at which no word or number has to break; at the smallest size, the
    widths that break fewest."""
    size = size_pt
    while True:
        widths = text_fit.column_widths(header, rows, deck.inner_width, deck.body_font, size, bold_columns)
        if widths is not None or size <= SMALLEST_TABLE_PT:
            break
        size -= 0.5
    if widths is None:  # words too long for the slide even at the smallest size: share by need
        need = [max(text_fit.longest_word(c, deck.body_font, size) for c in col) + 1 for col in zip(header, *rows)]
        widths = [deck.inner_width * n // sum(need) for n in need]
    return _Fit(size, widths, deck.body_font, bold_columns)


def _table_slides(deck: _Deck, title: str, takeaway: str, header: list[str], rows: list[list[str]], most: int,
                  name: str, size_pt: float = TABLE_PT, takeaway_pt: float = TAKEAWAY_PT,
                  fit_rows: list[list[str]] | None = None, bold_columns: frozenset[int] = frozenset(),
                  footnote: str = "") -> list:
    """The rows as native tables, split over as many slides as fit (title gets '(2 of 3)'), columns
    sized for ``fit_rows`` (default: these rows), ``footnote`` under the last table (room kept for it
    on every slide). Returns the tables' graphic frames (none without rows: the caller leaves such a
    slide out)."""
    if not rows:
        return []
    fit = fit_table(deck, header, fit_rows or rows, size_pt, bold_columns)
    below = _text_height(deck, footnote, deck.inner_width, TABLE_PT) + GAP if footnote else 0
    chunks = _chunks(rows, fit, most, deck.bottom - below - _table_top(deck, takeaway, takeaway_pt), header)
    frames = []
    for number, chunk in enumerate(chunks, 1):
        part = f" ({number} of {len(chunks)})" if len(chunks) > 1 else ""
        slide, top = deck.slide(title + part)
        top = _takeaway(slide, deck, top, takeaway, takeaway_pt) if takeaway else top
        frame = _table(slide, header, chunk, fit, MARGIN, top)
        frame.name = name
        set_alt_text(frame, f"{takeaway} {table_in_words(header, chunk)}")
        frames.append(frame)
    if footnote:
        box = _text_box(slide, MARGIN, deck.bottom - below + GAP, deck.inner_width, below - GAP, [footnote], TABLE_PT)
        box.name = "Footnote"
    return frames


def table_in_words(header: list[str], rows: list[list[str]]) -> str:
    """Alt text for a table: its columns, then each row's cells named by column."""
    lines = ["; ".join(f"{h}: {cell}" for h, cell in zip(header, row)) for row in rows]
    return f"Table of {len(rows)} row{'s' if len(rows) != 1 else ''}. " + " | ".join(lines)


def _table_top(deck: _Deck, takeaway: str, size_pt: float = TAKEAWAY_PT) -> int:
    """Where a table starts under the title and this takeaway (to split rows before drawing)."""
    return deck.content_top + (_text_height(deck, takeaway, deck.inner_width, size_pt) + GAP if takeaway else 0)


def _chunks(rows: list[list[str]], fit: _Fit, most: int, room: int, header: list[str]) -> list[list[list[str]]]:
    """Rows in slide-sized groups: at most ``most`` rows, and no more than the height left."""
    header_height = fit.row_height(header, bold=True)
    chunks, current, used = [], [], header_height
    for row in rows:
        height = fit.row_height(row)
        if current and (len(current) >= most or used + height > room):
            chunks.append(current)
            current, used = [], header_height
        current.append(row)
        used += height
    return chunks + [current]


def _text_height(deck: _Deck, text: str, width: int, size_pt: float, bold: bool = False) -> int:
    lines = text_fit.wrapped_lines(text, width, deck.body_font, size_pt, bold)
    return int(Pt(size_pt * 1.2) * lines + Inches(0.15))


def _table(slide, header: list[str], rows: list[list[str]], fit: _Fit, x: int, y: int):
    heights = [fit.row_height(header, bold=True)] + [fit.row_height(r) for r in rows]
    frame = slide.shapes.add_table(len(rows) + 1, len(header), x, y, sum(fit.widths), sum(heights))
    table = frame.table
    table.first_row, table.horz_banding = True, False
    frame._element.graphic.graphicData.tbl.tblPr.find(qn("a:tableStyleId")).text = TABLE_STYLE
    for j, width in enumerate(fit.widths):
        table.columns[j].width = width
    for i, row in enumerate([header, *rows]):
        table.rows[i].height = heights[i]
        for j, text in enumerate(row):
            _cell(table.cell(i, j), text, header=i == 0, size_pt=fit.size_pt)
    return frame


def _cell(cell, text: str, header: bool, size_pt: float = TABLE_PT) -> None:
    _rules(cell)
    cell.fill.solid()
    cell.fill.fore_color.rgb = HEADER_FILL if header else WHITE
    cell.margin_left = cell.margin_right = CELL_MARGIN_X
    cell.margin_top = cell.margin_bottom = CELL_MARGIN_Y
    cell.vertical_anchor = MSO_ANCHOR.TOP
    _fill(cell.text_frame, [text], size_pt, bold=header)


def _status_cells(frames: list, column: int, statuses: Sequence[str], fills: dict) -> None:
    """Colour a status column's cells (the text already carries an icon and words, never colour alone)."""
    statuses = iter(statuses)
    for frame in frames:
        table = frame.table
        for i in range(1, len(table.rows)):
            fill, ink = fills[next(statuses)]
            cell = table.cell(i, column)
            cell.fill.solid()
            cell.fill.fore_color.rgb = fill
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.color.rgb, run.font.bold = ink, True


def _rules(cell) -> None:
    """A thin grey rule under and over each cell: rows stay apart without a heavy grid."""
    tc_pr = cell._tc.get_or_add_tcPr()
    for side in ("a:lnL", "a:lnR", "a:lnT", "a:lnB"):
        line = etree.SubElement(tc_pr, qn(side), w="0" if side in ("a:lnL", "a:lnR") else "9525")
        if side in ("a:lnL", "a:lnR"):
            etree.SubElement(line, qn("a:noFill"))
        else:
            etree.SubElement(etree.SubElement(line, qn("a:solidFill")), qn("a:srgbClr"), val=RULE)


def _takeaway(slide, deck: _Deck, top: int, text: str, size_pt: float = TAKEAWAY_PT) -> int:
    """The slide's one-sentence message, above what it summarises; returns the next free top."""
    height = _text_height(deck, text, deck.inner_width, size_pt)
    box = _text_box(slide, MARGIN, top, deck.inner_width, height, [text], size_pt)
    box.name = "Takeaway"
    return top + height + GAP


def _text_box(slide, x: int, y: int, cx: int, cy: int, lines: list[str], size_pt: float, bold: bool = False,
              font: str = BODY_FONT, brightness: float = 0.0):
    """Text on the slide's background: the theme's text colour (dark on a light theme, light on a
    dark one) and its font, so the agency's look carries through."""
    box = slide.shapes.add_textbox(x, y, cx, cy)
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = Emu(0)
    _fill(frame, lines, size_pt, bold=bold, colour=None, font=font, brightness=brightness)
    return box


def _fill(frame, lines: list[str], size_pt: float, bold: bool = False, colour: RGBColor | None = INK,
          font: str = BODY_FONT, brightness: float = 0.0) -> None:
    """One paragraph per line, each run in an explicit size, the theme's font and either an explicit
    colour (text on a fill the deck sets) or the theme's text colour (``colour=None``)."""
    frame.text = "\n".join(lines)
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            _style_run(run, size_pt, bold, colour, font, brightness)


def _style_run(run, size_pt: float, bold: bool, colour: RGBColor | None, font: str = BODY_FONT,
               brightness: float = 0.0) -> None:
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run.font.name = font
    if colour is None:
        run.font.color.theme_color = MSO_THEME_COLOR.TEXT_1
        if brightness:
            run.font.color.brightness = brightness
    else:
        run.font.color.rgb = colour


def set_alt_text(shape, text: str) -> None:
    """python-pptx has no alt-text API: ``descr`` on the shape's cNvPr (graphicFrame or pic)."""
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", " ".join(text.split()))
