"""Theme names a reader can use: the top phrase of the theme's own comments or a configured label,
never a list of top terms; the key words stay beside the name. Checked on the synthetic complaints
and survey free text (the phrase is searched for in the stored comments with a plain regex), on
small corpora written out here, and on config/themes.yaml's validation."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from cxdash.errors import UserError
from cxdash.metrics.theme_names import theme_name, top_phrase
from cxdash.metrics.themes import OTHER_LABEL, find_themes
from cxdash.theme_labels import ThemeLabels, load_theme_labels

from .test_voice_view import load_feedback


@pytest.fixture(scope="module")
def stored(tmp_path_factory, catalogue):
    engine, _ = load_feedback(tmp_path_factory.mktemp("themes"), catalogue)
    with engine.connect() as conn:
        frame = pd.read_sql("SELECT t.label, t.terms, i.text_redacted AS text FROM feedback_item i "
                            "JOIN feedback_item_theme l ON l.feedback_item_id = i.id "
                            "JOIN feedback_theme t ON t.id = l.theme_id", conn)
    engine.dispose()
    return frame


def occurrences(phrase: str, texts) -> int:
    """How many texts hold the phrase's words in order, with only spaces or punctuation between."""
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, phrase.lower().split())) + r"\b")
    return sum(bool(pattern.search(t.lower())) for t in texts)


def test_sample_themes_are_named_by_a_phrase_their_comments_use(stored):
    configured = {label for _, label in load_theme_labels().pairs()}
    names = stored.drop_duplicates("label")
    assert len(names) >= 4
    for row in names.itertuples():
        assert ", " not in row.label, row.label  # a name, not a list of terms
        if row.label in (OTHER_LABEL, *configured):
            continue
        terms = row.terms.split(", ")
        mine = stored.loc[stored["label"] == row.label, "text"]
        words = re.findall(r"[^\W\d_]+", row.label.lower())
        assert len(words) >= 2 and words[0] in terms and words[-1] in terms, (row.label, terms)
        assert occurrences(row.label, mine) >= 2, row.label
        assert len(terms) >= 3  # the key words are kept as detail


def test_a_configured_label_names_the_theme_holding_its_keywords(stored):
    themes = stored.drop_duplicates("label")
    for keywords, label in load_theme_labels().pairs():
        holding = [r.label for r in themes.itertuples() if set(keywords) <= set(r.terms.split(", ")[:5])]
        assert holding == ([label] if holding else []), (label, holding)
    assert any(label in set(themes["label"]) for _, label in load_theme_labels().pairs())


def test_phrases_on_small_corpora():
    texts = ["The wait time at the office was long.", "Wait time is too long!", "I hate the wait time.",
             "Long lines again.", "Lines were long"]
    assert top_phrase(texts, ["wait", "time", "long", "lines"]) == "wait time"
    assert theme_name(texts, ["wait", "time", "long", "lines"]) == "Wait time"
    # As written in the comments: capitals kept.
    assert theme_name(["My PDF documents failed.", "PDF documents rejected"], ["documents", "pdf"]) == "PDF documents"
    # No phrase in two comments: the top term alone.
    assert theme_name(["refund please", "where is my money"], ["refund", "money"]) == "Refund"
    # A configured label wins when the theme holds all its key words; a taken name gets a term.
    assert theme_name(texts, ["wait", "time"], [(["time", "wait"], "Waiting")]) == "Waiting"
    assert theme_name(texts, ["wait", "time", "long"], taken=["Wait time"]) == "Wait time (long)"


def test_find_themes_names_every_theme_uniquely():
    topics = [["refund", "payment", "charged"], ["website", "login", "error"], ["wait", "hours", "hold"]]
    rows = [{"id": i, "text": f"{topics[i % 3][0]} {topics[i % 3][1]} and {topics[i % 3][2]}"} for i in range(90)]
    found = find_themes(pd.DataFrame(rows), labels=[(["login", "website"], "Signing in")])
    names = list(found.themes["label"])
    assert len(set(names)) == len(names) == 3 and "Signing in" in names
    assert {"Refund payment", "Wait hours"} <= set(names)


def test_theme_labels_are_validated(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="lower-case words"):
        ThemeLabels(labels=[{"label": "Refunds", "keywords": ["Refund"]}])
    with pytest.raises(ValueError, match="given twice"):
        ThemeLabels(labels=[{"label": "A", "keywords": ["one"]}, {"label": "A", "keywords": ["two"]}])
    (tmp_path / "themes.yaml").write_text("version: 1\nlabels:\n  - label: Refunds\n    keywords: []\n")
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(UserError, match=r"themes.yaml: labels\[0\].keywords"):
        load_theme_labels()


def test_editing_the_theme_names_makes_compute_name_the_themes_again(tmp_path, monkeypatch):
    from cxdash import theme_labels
    shipped = theme_labels.fingerprint()
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    assert theme_labels.fingerprint() == shipped  # no own file: the shipped names
    (tmp_path / "themes.yaml").write_text("version: 1\nlabels:\n  - label: Refunds\n    keywords: [refund]\n")
    assert theme_labels.fingerprint() != shipped
    assert load_theme_labels().pairs() == [(["refund"], "Refunds")]
