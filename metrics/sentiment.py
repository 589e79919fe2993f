"""Sentiment of feedback text with VADER (vaderSentiment; its lexicon ships in the package).

VADER suits short, informal customer comments (it reads capitals, '!!!' and 'not good'), needs
no model download and is deterministic. The compound score runs from -1 (most negative) to +1;
the labels use VADER's documented thresholds (<= -0.05 negative, >= 0.05 positive).
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
THRESHOLD = 0.05


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    return SentimentIntensityAnalyzer()


def label(compound: float) -> str:
    if compound <= -THRESHOLD:
        return NEGATIVE
    if compound >= THRESHOLD:
        return POSITIVE
    return NEUTRAL


def score(text: str | None) -> tuple[float, str]:
    """(compound score -1..1, label) of one text; an empty text is neutral (0)."""
    compound = float(_analyzer().polarity_scores(text or "")["compound"]) if text and text.strip() else 0.0
    return compound, label(compound)


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
