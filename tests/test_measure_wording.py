"""What a measure counts, and whether its results mix question wordings: the pure sentence on
wordings written out here, then the shipped sample (the real A-11 quarterly file) checked against
pandas on the raw CSV: the USPTO patent measure's question was reworded, and the card, the
review pack's measure slide and its notes say so, with what the measure counts."""
from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
from pptx import Presentation

from cxdash.dashboard.components.measure_card import measure_card
from cxdash.db import queries
from cxdash.exports.review_deck import build_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard
from cxdash.presentation.wording import wording_key, wording_note
from cxdash.review.assemble import assemble

from .conftest import QUARTERLY

Q = FiscalQuarter


def test_wording_notes_on_histories_written_out():
    same = [(Q(2022, 1), ["I trust VA to fulfill our country’s commitment."]),
            (Q(2022, 2), ["I trust VA to fulfill our country's commitment"])]  # apostrophe and period only
    assert wording_key(same[0][1][0]) == wording_key(same[1][1][0])
    assert wording_note(same) is None and wording_note([]) is None
    changed = [*same, (Q(2022, 3), ["I was treated fairly"]), (Q(2022, 4), ["I was treated fairly."])]
    assert wording_note(changed) == ("The question's wording changed in FY2022 Q3: “I trust VA to fulfill our "
                                     "country's commitment” became “I was treated fairly”.")  # as last asked
    mixed = [(Q(2022, 1), ["A"]), (Q(2022, 2), ["A", "B b"])]
    assert wording_note(mixed) == ("The question's wording changed in FY2022 Q2: “B b” was added. The FY2022 Q2 "
                                   "figure combines answers to 2 wordings of the question (listed under Question "
                                   "wording).")
    assert wording_note([(Q(2022, 1), ["A", "B"]), (Q(2022, 2), ["A"])]).endswith("“B” is no longer asked.")
    long = "word " * 60
    assert "\u2026" in wording_note([(Q(2022, 1), ["A"]), (Q(2022, 2), [long])])


def raw_wordings(service: str, question: int) -> list[tuple[FiscalQuarter, set[str]]]:
    """Each reported quarter's question texts for one service, from the raw CSV (fiscal year and
    quarter are the file's own columns), compared as the page compares them: letters and digits."""
    raw = pd.read_csv(QUARTERLY)
    mine = raw[raw["attributes_service_name"].str.strip() == service]
    column = f"attributes_q{question}_text"
    out = []
    for (year, quarter), rows in mine.groupby(["attributes_collection_year", "attributes_collection_quarter"]):
        texts = {re.sub(r"[^0-9a-z]+", "", t.lower()) for t in rows[column].dropna() if t.strip()}
        if texts:
            out.append((Q(int(year), int(quarter)), texts))
    return out


def test_the_sample_patent_measure_says_its_question_was_reworded(computed_sqlite, catalogue):
    measure = catalogue.measure("uspto-patent-transparency")
    service = catalogue.service(measure.services[0])
    history = raw_wordings(service.name, 6)  # question 6: equity/transparency
    changes = [later for (_, a), (later, b) in zip(history, history[1:]) if a != b]
    assert changes, "the sample's patent question is reworded at least once"
    quarter = Q(2023, 1)
    cards = scorecard.all_cards(scorecard.build_cards(catalogue, queries.measure_results(computed_sqlite),
                                                      scorecard.Filters(quarter.label), dt.date(2022, 12, 31)))
    card = next(c for c in cards if c["measure_id"] == measure.id)
    assert card["wording_note"].startswith(f"The question's wording changed in {changes[-1].display}: ")
    assert "I was treated fairly" in card["wording_note"]
    assert card["counts"] == measure.counts and "4 or 5" in card["counts"]
    # A measure asked in one wording throughout says nothing of the kind.
    steady = next(c for c in cards if c["measure_id"] == "recreation-satisfaction")
    assert len({frozenset(t) for _, t in raw_wordings("Reserving a campsite on Recreation.gov", 1)}) == 1
    assert steady["wording_note"] is None
    # The card shows both: the note in its footer, what it counts in its detail.
    rendered = measure_card(card)
    text = " ".join(_strings(rendered))
    assert card["wording_note"] in text and f"Counts: {measure.counts}" in text
    # The review pack's measure slide says them on the slide and in the notes.
    contents = assemble(computed_sqlite, catalogue, quarter, review_date=dt.date(2023, 2, 15))
    slide_measure = next(m for m in contents.measures if m.measure_id == measure.id)
    assert slide_measure.wording_note == card["wording_note"] and slide_measure.counts == measure.counts
    prs = Presentation(io.BytesIO(build_deck(contents)))
    slide = next(s for s in prs.slides if s.shapes.title is not None
                 and s.shapes.title.text.startswith(measure.name))
    box = next(sh for sh in slide.shapes if sh.name == "What it counts")
    assert box.text_frame.text == f"Counts: {measure.counts} {card['wording_note']}"
    notes = slide.notes_slide.notes_text_frame.text
    assert f"Counts: {measure.counts}" in notes and card["wording_note"] in notes


def _strings(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _strings(c)]
    children = getattr(component, "children", None)
    return _strings(children) if children is not None else []
