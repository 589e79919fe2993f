"""Textbook formulas written out, the independent side of the statistical checks."""
import math

from scipy.stats import norm


def wilson(x: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval from its formula (Wilson 1927)."""
    z = norm.ppf(1 - (1 - confidence) / 2)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def two_proportion_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z test."""
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return 2 * norm.sf(abs(z))


def vader_label(pos: float, neg: float, compound: float) -> str:
    """The sentiment label our pages use, from VADER's own scores: a text with both positive and
    negative words (each at least 10% of its words' weight) is unclear ('neutral'); otherwise
    VADER's documented thresholds (compound <= -0.05 negative, >= 0.05 positive)."""
    if pos >= 0.1 and neg >= 0.1:
        return "neutral"
    return "negative" if compound <= -0.05 else "positive" if compound >= 0.05 else "neutral"
