"""Plain language on every surface an executive reads: every page of the dashboard, rendered on
the demo's data (every shipped source loaded and computed), and the review pack's slides are
scanned for British spellings, for a difference of percentages written as a percentage ("11.9%
short" instead of "11.9 points short"), for bare codes ("Optional question 8", "Group2") and, on
the scorecard's face and the slides, for p-values (they stay in analyst detail and notes)."""
from __future__ import annotations

import datetime as dt
import io
import re

import dash
import pytest
from click.testing import CliRunner
from dash import dcc, html
from pptx import Presentation

from cxdash import paths
from cxdash.catalogue import load_catalogue
from cxdash.cli import main
from cxdash.dashboard.app import create_app
from cxdash.dashboard.context import current
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import equity_page, journey_page, scorecard_page, service_page
from cxdash.db.engine import make_engine
from cxdash.exports.review_deck import build_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review.assemble import assemble
from cxdash.sources import load_sources

from .conftest import ROOT

# British spellings (and their forms) that have a different US spelling; whole words only.
BRITISH = re.compile(r"\b(catalogues?|colou?r(?<=colour)(s|ed|ing|ful)?|behaviours?|organis\w+|summaris\w+|"
                     r"centres?|analys(e|ed|ing)|recognis\w+|favour\w*|labell(ed|ing)|modell(ed|ing)|programmes?|"
                     r"licences?|judgements?|fulfils?|grey|whilst|amongst|optimis\w+|prioritis\w+|normalis\w+|"
                     r"minimis\w+|maximis\w+|utilis\w+|honour\w*|neighbour\w*|initialis\w+|travelled|"
                     r"characteris\w+|standardis\w+|realis(e|ed|es|ing)|artefacts?|per cent)\b", re.IGNORECASE)
PERCENT_FOR_POINTS = re.compile(r"\d%\s+(short|above|below|higher|lower|behind|ahead)\b")
BARE_CODE = re.compile(r"\bOptional question \d+|\b(Group|Region)\d+\b")
P_VALUE = re.compile(r"\bp [=<] 0?\.\d")


def test_the_scan_finds_what_it_looks_for():
    found = ["The catalogue's colour", "Costs were analysed and labelled", "11.9% short of target",
             "Optional question 8", "Group2 scored lower", "(significant, p = 0.003)", "They fulfil it."]
    assert all(BRITISH.search(t) or PERCENT_FOR_POINTS.search(t) or BARE_CODE.search(t) or P_VALUE.search(t)
               for t in found)
    clean = ["The catalog's color", "11.9 points short of target", "Group 2 (no label in the mapping or catalog)",
             "analyses", "license", "centered", "fulfill", "colors", "p-values", "catalogue.yaml"]
    assert not any(BRITISH.search(t.replace("catalogue.yaml", "")) or PERCENT_FOR_POINTS.search(t)
                   or BARE_CODE.search(t) or P_VALUE.search(t) for t in clean)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's database: every shipped source loaded once and computed, as `cxdash demo` does."""
    url = f"sqlite:///{tmp_path_factory.mktemp('plain') / 'demo.db'}"
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--db", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    catalogue = load_catalogue(paths.config_file("catalogue.yaml"))
    sources = load_sources(paths.config_file("sources.yaml"))
    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    yield engine, catalogue, sources, app
    engine.dispose()


def strings(component, skip=()) -> list[str]:
    """Every text a reader can meet in a component: children, dropdown options, placeholders,
    and a chart's titles, labels, annotations and hover text. ``skip``: component types left out."""
    if component is None:
        return []
    if isinstance(component, (str, int, float)):
        return [str(component)]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in strings(c, skip)]
    if isinstance(component, dict):
        return [s for v in component.values() for s in strings(v, skip)]
    if isinstance(component, skip):
        return []
    if isinstance(component, dcc.Graph):
        figure = component.figure.to_plotly_json() if hasattr(component.figure, "to_plotly_json") else component.figure
        return [s for s in strings(figure) if re.search(r"[A-Za-z]{3}", s) and not s.startswith("rgb")]
    out = []
    for attribute in ("options", "placeholder", "title", "alt", "aria-label"):
        out += strings(getattr(component, attribute, None), skip)
    return out + strings(getattr(component, "children", None), skip)


def without_identifiers(text: str, sources) -> str:
    """The text less the names an agency gives its sources and mappings and the shipped file
    names (identifiers such as example-contact-centre, kept stable for existing configurations)."""
    names = sorted({n for s in sources.config.sources for n in (s.name, s.mapping) if n}, key=len, reverse=True)
    for name in names:
        text = text.replace(name, " ")
    return re.sub(r"[\w./-]+\.(yaml|csv|pptx|py)\b", " ", text)


def problems(text: str) -> list[str]:
    found = [m.group(0) for pattern in (BRITISH, PERCENT_FOR_POINTS, BARE_CODE) for m in pattern.finditer(text)]
    return sorted(set(found))


def page_texts(app) -> dict[str, str]:
    with app.server.test_request_context("/"):
        texts = {}
        for page in dash.page_registry.values():
            layout = page["layout"]
            texts[page["path"]] = " ".join(strings(layout() if callable(layout) else layout))
        # Equity by a survey segment (the synthetic user groups) and by region.
        for dimension in ("UserGroup", "Region"):
            view = equity_page.layout({"quarter": "FY2022Q4", "provider": "Synthetic example provider",
                                       "service": "Example web contact form (synthetic)", "dimension": dimension})
            texts[f"/equity?dimension={dimension}"] = " ".join(strings(view))
        # The one-service pages for every catalog service (their sentences differ by what the data say).
        for entry in current().catalogue.services:
            query = {"provider": entry.provider, "service": " ".join(entry.name.split())}
            for name, module in (("service", service_page), ("journey", journey_page)):
                texts[f"/{name}?service={entry.id}"] = " ".join(strings(module.layout(query)))
        # The scorecard's face: everything outside the collapsed analyst detail.
        texts["/ (face)"] = " ".join(strings(scorecard_page.layout({}), skip=(html.Details,)))
    return texts


def test_every_page_reads_in_plain_us_english(demo):
    _, _, sources, app = demo
    texts = page_texts(app)
    assert len(texts) >= 30 and all(len(t) > 40 for t in texts.values())
    assert any("standardized" in t for t in texts.values())  # a drivers sentence was read
    found = {path: problems(without_identifiers(text, sources)) for path, text in texts.items()}
    assert not {path: words for path, words in found.items() if words}
    # What the scan reads is the new wording (so a pass is not an empty page's).
    assert "no label in the mapping or catalog" in texts["/equity?dimension=UserGroup"]
    assert "Mixed / unclear" in texts["/voice"] and "Key words" in texts["/voice"]
    assert "points short of target" in texts["/portfolio"] and "million customers" in texts["/portfolio"]
    assert "Counts: " in texts["/"] and "The question's wording changed in" in texts["/"]
    assert not P_VALUE.search(texts["/ (face)"])
    assert P_VALUE.search(texts["/"])  # the p-values are there, in the analyst detail


def deck_texts(engine, catalogue) -> tuple[str, str]:
    """(every slide's text, every slide's notes) of today's review pack of the latest quarter."""
    contents = assemble(engine, catalogue, FiscalQuarter(2023, 1), review_date=dt.date(2023, 2, 15))
    prs = Presentation(io.BytesIO(build_deck(contents)))
    slides, notes = [], []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                slides.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                slides += [cell.text for row in shape.table.rows for cell in row.cells]
            if getattr(shape, "has_chart", False) and shape.has_chart:
                slides += [str(c) for c in shape.chart.plots[0].categories]
        if slide.has_notes_slide:
            notes.append(slide.notes_slide.notes_text_frame.text)
    return " ".join(slides), " ".join(notes)


def test_the_review_pack_reads_in_plain_us_english(demo):
    engine, catalogue, sources, _ = demo
    slides, notes = deck_texts(engine, catalogue)
    assert len(slides) > 1000
    assert not problems(without_identifiers(slides, sources))
    assert not problems(without_identifiers(notes, sources))
    assert "Counts: " in slides and "The question's wording changed in" in slides
    assert not P_VALUE.search(slides)  # p-values stay in the presenter's notes
    assert P_VALUE.search(notes)


def test_the_readme_reads_in_us_english():
    """The README's prose (code, commands and file names aside: catalogue.yaml and the
    example-contact-centre mapping keep their names so existing configurations keep working)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    prose = re.sub(r"`[^`]*`", " ", prose)
    prose = re.sub(r"[\w./-]+\.(yaml|csv|pptx|py|md)\b", " ", prose)
    assert len(prose) > 10_000
    assert problems(prose) == []
