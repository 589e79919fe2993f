"""Whether a measure's results mix question wordings, in a sentence for its card and slide.

A-11 reports carry each quarter's question text, and agencies reword questions: a trend across
the change compares answers to different questions, and a reader must be told. Wordings are
compared without case, punctuation or spacing (curly and straight apostrophes, a trailing period
and a doubled space are the same question); a real rewording is a change.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from cxdash.metrics.fiscal import FiscalQuarter

QUOTE_CHARS = 140  # a quoted wording longer than this is cut at a word, with an ellipsis


def wording_key(wording: str) -> str:
    """'I trust VA to fulfill our country’s commitment.' and "I trust VA to fulfill our country's
    commitment" are one key."""
    return re.sub(r"[^0-9a-z]+", "", wording.lower())


def distinct(wordings: Sequence[str]) -> list[str]:
    """One wording per key, the first given, in the order given."""
    kept: dict[str, str] = {}
    for w in wordings:
        if w and w.strip():
            kept.setdefault(wording_key(w), " ".join(w.split()))
    return list(kept.values())


def quoted(wording: str) -> str:
    text = wording if len(wording) <= QUOTE_CHARS else wording[:QUOTE_CHARS].rsplit(" ", 1)[0] + "\u2026"
    return f"\u201c{text}\u201d"


def wording_note(history: Sequence[tuple[FiscalQuarter, Sequence[str]]]) -> str | None:
    """What a measure's results up to its last quarter (``history``: each quarter with results
    and its wordings, oldest first) say about the question asked: the latest change of wording
    ('The question's wording changed in FY2022 Q2: “...” became “...”.'), and whether the last
    quarter itself combines several wordings. None when one wording was asked throughout."""
    known = [(q, distinct(w)) for q, w in history if distinct(w)]
    if not known:
        return None
    sentences = []
    for (_, before), (quarter, after) in reversed(list(zip(known, known[1:]))):
        old = [w for w in before if wording_key(w) not in {wording_key(a) for a in after}]
        new = [w for w in after if wording_key(w) not in {wording_key(b) for b in before}]
        if old or new:
            sentences.append(f"The question's wording changed in {quarter.display}: " + _change(old, new))
            break
    last_quarter, last = known[-1]
    if len(last) > 1:
        sentences.append(f"The {last_quarter.display} figure combines answers to {len(last)} wordings of the "
                         "question (listed under Question wording).")
    return " ".join(sentences) or None


def _change(old: list[str], new: list[str]) -> str:
    if old and new:
        return f"{' and '.join(map(quoted, old))} became {' and '.join(map(quoted, new))}."
    if new:
        return f"{' and '.join(map(quoted, new))} was added."
    return f"{' and '.join(map(quoted, old))} is no longer asked."
