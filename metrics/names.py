"""One rule for matching provider and service names.

The catalogue, the loaded data, page links and typed commands may spell the same provider or
service with different case or spacing ("Veterans Health Administration" and "veterans  health
administration "). Every comparison of such names goes through :func:`name_key`; a database
filter gets the stored spelling, found by key with :func:`stored_name`.
"""
from __future__ import annotations

from collections.abc import Iterable


def name_key(text) -> str:
    """The matching key of a provider or service name: whitespace folded, casefolded."""
    return " ".join(str(text).split()).casefold()


def same_name(a, b) -> bool:
    """Whether two spellings name the same provider or service."""
    return name_key(a) == name_key(b)


def stored_name(text: str, spellings: Iterable[str]) -> str | None:
    """The spelling in ``spellings`` (e.g. the names as stored) with the same key as ``text``: the
    exact spelling if present, else the first by key (sorted, so the choice is stable); None if none."""
    spellings = set(spellings)
    if text in spellings:
        return text
    key = name_key(text)
    return next((s for s in sorted(spellings, key=str) if name_key(s) == key), None)
