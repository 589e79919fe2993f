"""Words for the codes survey data carries: an optional question ('q8') and a segment value
('Group2') read as the catalog's (or a mapping's) labels say, or say plainly that there is none, so no page,
CSV or slide shows a bare code such as "Optional question 8" or "Group2"."""
from __future__ import annotations

import re

from cxdash.catalogue import Labels

NO_LABEL = "no label in the catalog"
NO_SEGMENT_LABEL = "no label in the mapping or catalog"  # segment values: a mapping may label them too
_NUMBERED = re.compile(r"^q(\d+)$")
_CODE = re.compile(r"^([A-Za-z]+?)[ _-]?(\d+)$")  # Group2, Region 3, segment_4
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def configured_question(question: str, labels: Labels | None) -> str | None:
    return labels.questions.get(question) if labels is not None else None


def numbered_question(question: str, labels: Labels | None) -> str | None:
    """'q8' -> the catalog's label, else 'Question 8 (no label in the catalog)'; None for other names."""
    numbered = _NUMBERED.match(question)
    if not numbered:
        return None
    return configured_question(question, labels) or f"Question {numbered.group(1)} ({NO_LABEL})"


def dimension_name(dimension: str, labels: Labels | None) -> str | None:
    """The catalog's name of a segment column, else None."""
    entry = labels.segments.get(dimension) if labels is not None else None
    return entry.name if entry is not None else None


def column_words(dimension: str) -> str:
    """A column name in words: 'AgeBand' -> 'Age band', 'years_served' -> 'Years served'."""
    words = _CAMEL.sub(" ", dimension).replace("_", " ").split()
    return " ".join([words[0].capitalize(), *[w.lower() for w in words[1:]]]) if words else dimension


def segment_value(dimension: str, value: str, labels: Labels | None) -> str:
    """A stored segment value as readers see it: its label (``labels``: the catalog's, with the
    mappings' added); a code such as 'Group2' without one reads 'Group 2 (no label in the mapping
    or catalog)'; any other value as it is."""
    entry = labels.segments.get(dimension) if labels is not None else None
    if entry is not None and value in entry.values:
        return entry.values[value]
    code = _CODE.match(str(value))
    if code:
        return f"{code.group(1).capitalize()} {code.group(2)} ({NO_SEGMENT_LABEL})"
    return str(value)
