"""Sentiment of feedback text with VADER (vaderSentiment; its lexicon ships in the package).

VADER suits short, informal customer comments (it reads capitals, '!!!' and 'not good'), needs
no model download and is deterministic. The compound score runs from -1 (most negative) to +1;
the labels use VADER's documented thresholds (<= -0.05 negative, >= 0.05 positive), except that
a text with both clearly positive and clearly negative words (each at least MIXED_SHARE of its
words' weight) is labelled unclear, whatever its compound: "Thanks, Priya. Nobody updates me."
scores positive only because of the courtesy, and a reader must not be told it is praise.
The stored label of an unclear text is NEUTRAL; pages call it "Mixed / unclear".
Each stored item records the VERSION of the rules that scored it; compute scores older ones again.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

# The rules that turn a text into a score and label. Any change to them (the thresholds below,
# label(), score(), the vaderSentiment release) must change VERSION: compute then scores every
# stored item of another version again, so old and new labels are never mixed on a page.
# "2": "Mixed / unclear" (MIXED_SHARE) on top of VADER's thresholds.
VERSION = "2"
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
THRESHOLD = 0.05
MIXED_SHARE = 0.1  # VADER's pos and neg proportions both at least this: a mixed text
STRONG = 0.5  # |compound| at least this: a strong sentiment; below it, a mild one


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def label(compound: float, positive: float = 0.0, negative: float = 0.0) -> str:
    """The label of a compound score; ``positive`` and ``negative`` (VADER's 'pos' and 'neg'
    proportions) make a mixed text unclear (NEUTRAL)."""
    if positive >= MIXED_SHARE and negative >= MIXED_SHARE:
        return NEUTRAL
    if compound <= -THRESHOLD:
        return NEGATIVE
    if compound >= THRESHOLD:
        return POSITIVE
    return NEUTRAL


def strength(compound: float, sentiment_label: str) -> str | None:
    """How sure the label is, in a word: 'strong' (|compound| >= STRONG), 'mild', or None for an
    unclear text (its score says nothing a reader should act on)."""
    if sentiment_label == NEUTRAL:
        return None
    return "strong" if abs(compound) >= STRONG else "mild"


def score(text: str | None) -> tuple[float, str]:
    """(compound score -1..1, label) of one text; an empty text is neutral (0)."""
    if not text or not text.strip():
        return 0.0, NEUTRAL
    scores = _analyzer().polarity_scores(text)
    compound = float(scores["compound"])
    return compound, label(compound, float(scores["pos"]), float(scores["neg"]))


def summarise(counts: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per group of ``keys``: items, negative items, negative share and mean sentiment.

    ``counts`` has ``keys``, ``sentiment_label``, ``n`` (items) and ``sentiment_sum`` (sum of
    compound scores), as the database's GROUP BY returns them, so any roll-up is exact.
    """
    keys = list(keys)
    data = counts.assign(negative=counts["n"].where(counts["sentiment_label"].eq(NEGATIVE), 0))
    out = data.groupby(keys, sort=True, dropna=False)[["n", "negative", "sentiment_sum"]].sum().reset_index()
    out["negative_share"] = out["negative"] / out["n"]
    out["mean_sentiment"] = out["sentiment_sum"] / out["n"]
    return out
