"""A theme's name a reader can use: an editable label whose key words the theme holds, else the
phrase its comments most often use, never a list of top terms ("refund, arrived, terrible").

The phrase is a two- or three-word run of words, taken as written in the theme's own comments,
whose words (stop words between them aside) are all among the theme's top terms: the one most
comments contain, weighted by how high its terms rank (top_phrase). Without any such phrase in at
least two comments the theme is named by its top term alone.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

_WORD = re.compile(r"[^\W\d_]{2,}")
_PLACEHOLDER = re.compile(r"\[[A-Za-z ]{1,20}\]")
_SENTENCE = re.compile(r"[.!?;:,\n]+")
MIN_COMMENTS = 2  # a phrase in fewer comments than this is not the theme's phrase
LABEL_TERMS = 5  # a configured label's key words must be among the theme's top this many terms


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    return frozenset(ENGLISH_STOP_WORDS)


def phrases(text: str, terms: frozenset[str], stop: frozenset[str]) -> set[tuple[str, ...]]:
    """The two- and three-word runs of ``text`` (within one clause) that start and end on a term
    and hold nothing but terms and stop words."""
    found = set()
    for clause in _SENTENCE.split(_PLACEHOLDER.sub(" , ", text.lower())):
        words = _WORD.findall(clause)
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                run = tuple(words[i:i + n])
                if run[0] in terms and run[-1] in terms and all(w in terms or w in stop for w in run):
                    found.add(run)
    return found


def top_phrase(texts: Iterable[str], terms: Sequence[str]) -> str | None:
    """The phrase (words joined by spaces) that best names the comments ``texts``: among the
    phrases in at least MIN_COMMENTS of them (those without stop words first, when there are
    any), the one whose comment count times the weight of its terms (1 for the top term, 1/2 for
    the next, ...) is largest; a longer phrase wins a tie."""
    stop, wanted = _stop_words(), frozenset(terms)
    counts = Counter(p for text in texts for p in phrases(text or "", wanted, stop))
    rank = {t: i for i, t in enumerate(terms)}
    common = {p: n for p, n in counts.items() if n >= MIN_COMMENTS}
    plain = {p: n for p, n in common.items() if not any(w in stop and w not in wanted for w in p)}
    pool = plain or common
    if not pool:
        return None

    def weight(phrase: tuple[str, ...]) -> float:
        return pool[phrase] * sum(1 / (1 + rank[w]) for w in phrase if w in rank)
    return " ".join(min(pool, key=lambda p: (-weight(p), -len(p), p)))


def as_written(phrase: str, texts: Iterable[str]) -> str:
    """The phrase as the first comment holding it writes it ('PDF documents', not 'pdf documents')."""
    pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, phrase.split())) + r"\b", re.IGNORECASE)
    return next((m.group(0) for text in texts if (m := pattern.search(text or ""))), phrase)


def configured(terms: Sequence[str], labels: Sequence[tuple[Sequence[str], str]]) -> str | None:
    """The first configured label all of whose key words are among the theme's top LABEL_TERMS terms
    (further down the list a word says little about the theme: every theme holds some of every word)."""
    have = set(terms[:LABEL_TERMS])
    return next((label for keywords, label in labels if set(keywords) <= have), None)


def theme_name(texts: Iterable[str], terms: Sequence[str], labels: Sequence[tuple[Sequence[str], str]] = (),
               taken: Iterable[str] = ()) -> str:
    """The theme's name: a configured label, its top phrase, or its top term; 'Sentence case'.
    A name in ``taken`` (another theme's) gets the theme's next term after it, so names stay unique."""
    name = configured(terms, labels)
    if name is None:
        texts = list(texts)
        phrase = top_phrase(texts, terms)
        name = as_written(phrase, texts) if phrase else (terms[0] if terms else "comments")
        name = " ".join(name.split())
        name = name[:1].upper() + name[1:]
    taken = set(taken)
    if name not in taken:
        return name
    options = [f"{name} ({t})" for t in terms if t.lower() not in name.lower()]
    options += [f"{name} ({k})" for k in range(2, len(taken) + 3)]
    return next(o for o in options if o not in taken)
