"""Themes across feedback texts: TF-IDF and non-negative matrix factorisation (scikit-learn).

NMF's parts are additive word groups ("payment, card, charged"); a theme is named by an editable
label or the phrase its comments use most (metrics.theme_names), its top terms kept as detail.
With a fixed seed and a fixed item order the result is the same on every run.
Each item belongs to its strongest theme. Redaction placeholders ('[name]') and numbers are
not words of any theme. A corpus too small to split gets one theme; items that share no word
with the rest go to an 'other' theme, so every item has exactly one.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxdash.metrics.theme_names import theme_name

MAX_THEMES = 6
MIN_ITEMS = 10  # fewer items than this: one theme at most
TOP_TERMS = 3  # kept for callers; a theme's name is a phrase (metrics.theme_names), not its top terms
KEPT_TERMS = 10  # in terms
OTHER_LABEL = "other (no words in common)"
_PLACEHOLDER = re.compile(r"\[[A-Za-z ]{1,20}\]")


@dataclass(frozen=True)
class Themes:
    themes: pd.DataFrame  # theme (0..), label (its name), terms (top terms, best first, comma-separated)
    assignments: pd.DataFrame  # id, theme, weight


def theme_count(n_items: int, max_themes: int = MAX_THEMES) -> int:
    """How many themes ``n_items`` items support: about sqrt(n / 10), from 2 up to ``max_themes``."""
    if n_items == 0:
        return 0
    if n_items < MIN_ITEMS:
        return 1
    return max(2, min(max_themes, round(math.sqrt(n_items / 10))))


def _empty() -> Themes:
    return Themes(pd.DataFrame(columns=["theme", "label", "terms"]), pd.DataFrame(columns=["id", "theme", "weight"]))


def find_themes(items: pd.DataFrame, max_themes: int = MAX_THEMES, top_terms: int = TOP_TERMS,
                labels: Sequence[tuple[Sequence[str], str]] = ()) -> Themes:
    """Themes of ``items`` (columns ``id`` and ``text``) and each item's theme and weight.
    ``labels``: (key words, name) pairs; a theme holding all of a pair's words takes its name."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    items = items.sort_values("id", kind="stable").reset_index(drop=True)
    k = theme_count(len(items), max_themes)
    if k == 0:
        return _empty()
    texts = items["text"].fillna("").map(lambda t: _PLACEHOLDER.sub(" ", t))
    vectorizer = TfidfVectorizer(stop_words=list(ENGLISH_STOP_WORDS), token_pattern=r"(?u)\b[^\W\d_]{2,}\b",
                                 min_df=2 if len(items) >= MIN_ITEMS else 1, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no item has any word left
        return _one_theme(items, None, [], labels)
    terms = vectorizer.get_feature_names_out()
    k = min(k, len(terms))
    if k <= 1:
        return _one_theme(items, matrix, terms, labels)
    model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=1000)
    weights = model.fit_transform(matrix)
    best = weights.argmax(axis=1)
    strength = weights.max(axis=1)
    words = {}
    for theme, row in enumerate(model.components_):
        order = np.argsort(-row, kind="stable")[:max(top_terms, KEPT_TERMS)]
        words[theme] = [str(terms[i]) for i in order if row[i] > 0]
    assigned = pd.DataFrame({"id": items["id"], "theme": np.where(strength > 0, best, -1), "weight": strength})
    return _renumber(assigned, words, items["text"], labels)


def _one_theme(items: pd.DataFrame, matrix, terms, labels) -> Themes:
    if matrix is None:
        weight = np.zeros(len(items))
        words = {}
    else:
        weight = np.asarray(matrix.sum(axis=1)).ravel()
        totals = np.asarray(matrix.sum(axis=0)).ravel()
        order = np.argsort(-totals, kind="stable")[:KEPT_TERMS]
        words = {0: [str(terms[i]) for i in order if totals[i] > 0]}
    assigned = pd.DataFrame({"id": items["id"], "theme": np.where(weight > 0, 0, -1), "weight": weight})
    return _renumber(assigned, words, items["text"], labels)


def _renumber(assigned: pd.DataFrame, words: dict[int, list[str]], texts: pd.Series, labels) -> Themes:
    """Themes that won at least one item, numbered by size (largest first) and named from their
    own comments; -1 becomes 'other'."""
    sizes = assigned[assigned["theme"] >= 0].groupby("theme").size()
    order = sorted(sizes.index, key=lambda t: (-sizes[t], t))
    mapping = {old: new for new, old in enumerate(order)}
    rows, names = [], []
    for old in order:
        mine = texts[assigned["theme"].eq(old).to_numpy()].fillna("")
        names.append(theme_name(mine, words[old], labels, taken=names))
        rows.append({"theme": mapping[old], "label": names[-1], "terms": ", ".join(words[old])})
    if (assigned["theme"] < 0).any():
        mapping[-1] = len(order)
        rows.append({"theme": len(order), "label": OTHER_LABEL, "terms": ""})
    out = assigned.assign(theme=assigned["theme"].map(mapping).astype(int), weight=assigned["weight"].astype(float))
    return Themes(pd.DataFrame(rows, columns=["theme", "label", "terms"]), out.reset_index(drop=True))
