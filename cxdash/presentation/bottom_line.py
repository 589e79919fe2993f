"""The bottom line up front: every measure in scope in one compact table, worst first, with one
sentence saying what changed since the last review (the previous quarter's statuses).

Plain functions of scorecard cards (the dicts ``scorecard.build_cards`` makes, or a review pack's
``MeasureSlide.model_dump()``, which carries the same keys), so the scorecard page and slide 2 of
the review deck show the very same rows, and tests check them without a browser.
"""
from __future__ import annotations

import re
from collections import Counter

from cxdash.catalogue import DEFAULT_PRACTICAL_CHANGE
from cxdash.presentation.formatting import (
    MISSING,
    change_summary,
    change_verdict,
    format_date,
    format_value,
    gap_in_words,
    is_missing,
)
from cxdash.presentation.takeaways import STATUS_WORDS

# Worst first: off track, at risk, on track, no target, then without data.
STATUS_ORDER = ["off_track", "at_risk", "on_track", "no_target", "no_data"]
STATUS_ICONS = {"on_track": "✓", "at_risk": "▲", "off_track": "✕", "no_data": "–", "no_target": "○"}

# (key, header): the page's table, the slide's table and the CSV-like alt text share them.
COLUMNS = [
    ("status_text", "Status"),
    ("name", "Measure"),
    ("value_text", "Value"),
    ("target_text", "Target"),
    ("gap_text", "Gap to target"),
    ("change_text", "Change since last quarter"),
    ("owner", "Owner"),
    ("note", "Why / what next"),
]


def shortfall(card: dict) -> float | None:
    """How far short of target, direction-aware, in the unit (negative: beyond the target)."""
    value, target = card.get("value"), card.get("target")
    if is_missing(value) or is_missing(target):
        return None
    return (target - value) if card.get("direction", "higher") == "higher" else (value - target)


def sort_key(card: dict) -> tuple:
    """Status (worst first), then the largest shortfall first; ties by name."""
    short = shortfall(card)
    return (STATUS_ORDER.index(card["status"]) if card["status"] in STATUS_ORDER else len(STATUS_ORDER),
            0 if short is not None else 1, -(short or 0.0), card["name"])


def status_text(status: str) -> str:
    """'✕ Off track': an icon and the words, never colour alone."""
    return f"{STATUS_ICONS[status]} {STATUS_WORDS[status].capitalize()}"


def _first_sentence(text: str | None, limit: int = 140) -> str:
    text = " ".join((text or "").split())
    if not text:
        return ""
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) > limit:  # cut at a word boundary, said with an ellipsis
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence


def commentary_line(commentary: dict | None) -> str:
    """The one line of this quarter's review commentary: 'Why: ... Next: ...' (first sentence of
    each); the full text stays on the card and in the speaker notes."""
    if not commentary:
        return ""
    parts = []
    why, what_next = _first_sentence(commentary.get("why")), _first_sentence(commentary.get("what_next"))
    if why:
        parts.append(f"Why: {why}")
    if what_next:
        parts.append(f"Next: {what_next}")
    if not parts:
        happened = _first_sentence(commentary.get("what_happened"))
        return happened
    return " ".join(parts)


def value_text(card: dict) -> str:
    """This quarter's value; without one, the last known value with its quarter and when the next
    figure is due; a suppressed result says so (never a number)."""
    unit = card["unit"]
    if card.get("suppressed"):
        return f"Suppressed (n < {card.get('min_n') or 30})"
    if not is_missing(card.get("value")):
        return format_value(card["value"], unit)
    quarter = card.get("quarter_label") or "this quarter"
    text = f"None for {quarter}"
    if not is_missing(card.get("last_value")):
        text += f"; last {format_value(card['last_value'], unit)} ({card['last_label']})"
    if card.get("next_due"):
        text += f"; next due {format_date(card['next_due'])}"
    return text


def gap_text(card: dict) -> str:
    """'6.2 points below' (the column says 'Gap to target'); the last known value's gap, said so."""
    if is_missing(card.get("target")):
        return "No target set"
    if is_missing(card.get("value")):
        if not is_missing(card.get("last_value")):
            return f"{_short_gap(card['last_value'], card)} (last known)"
        return MISSING
    return _short_gap(card["value"], card)


def _short_gap(value, card: dict) -> str:
    words = gap_in_words(value, card["target"], card["unit"])
    return "At target" if words == "at target" else words.removesuffix(" target")


def change_line(card: dict) -> str:
    """'Up 7.2 points since FY2022 Q4: clear change' (no p-value): the card's own summary, or made
    from its change, significance and practical threshold (the catalogue's default for the unit)."""
    if card.get("suppressed") or is_missing(card.get("value")):
        return "No comparison this quarter"
    summary = card.get("change_summary")
    if not summary and not is_missing(card.get("change")):
        threshold = card.get("practical_change") or DEFAULT_PRACTICAL_CHANGE[card["unit"]]
        clear = card.get("change_clear")
        if clear is None:
            clear = change_verdict(card["change"], card.get("significant"), threshold)
        summary = change_summary(card["change"], card["unit"], clear, card.get("prev_label"))
    return summary or "No previous quarter to compare"


def change_text(card: dict) -> str:
    """The table's cell: the direction of change since the previous quarter (an arrow and words),
    its size and the verdict; the column header says since when."""
    if card.get("suppressed") or is_missing(card.get("value")):
        return MISSING  # the value cell says why
    summary = change_line(card)
    if not is_missing(card.get("change")):
        arrow = {True: "▲ ", False: "▼ "}.get(None if is_missing(card.get("change")) or card["change"] == 0
                                              else card["change"] > 0, "")
        # The column says since when; the cell keeps the direction, the size and the verdict.
        return arrow + re.sub(r" since [^:(]+", "", summary, count=1)
    return "No previous quarter"


def rows(cards: list[dict]) -> list[dict]:
    """One row per measure, worst first (see ``sort_key``); each a dict of COLUMNS' keys plus
    measure_id and status."""
    out = []
    for card in sorted(cards, key=sort_key):
        out.append({
            "measure_id": card["measure_id"], "status": card["status"],
            "status_text": status_text(card["status"]), "name": card["name"],
            "value_text": value_text(card),
            "target_text": format_value(card.get("target"), card["unit"]) if not is_missing(card.get("target"))
            else "No target set",
            "gap_text": gap_text(card), "change_text": change_text(card),
            "owner": card.get("owner") or MISSING,
            "note": commentary_line(card.get("commentary")) or MISSING,
        })
    return out


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def sentence(cards: list[dict], quarter_label: str, previous_label: str | None) -> str:
    """What an executive needs first: which measures are off track and by how much, how many are
    at risk or on track, and which moved between statuses since the previous quarter.

    'Of 10 measures in FY2023 Q1, 4 are off track: A (6.2 points below target), B (...), ...;
    2 at risk, 3 on track and 1 without data. Since FY2022 Q4, 1 moved from at risk to off track.'"""
    if not cards:
        return f"No measures match these filters for {quarter_label}."
    counts = Counter(c["status"] for c in cards)
    off = sorted((c for c in cards if c["status"] == "off_track"), key=sort_key)
    total = _plural(len(cards), "measure")
    if off:
        named = [f"{c['name']} ({gap_in_words(c['value'], c['target'], c['unit'])})" for c in off]
        verb = "is" if len(off) == 1 else "are"
        text = f"Of {total} in {quarter_label}, {len(off)} {verb} off track: {_listed(named)}"
    else:
        text = f"Of {total} in {quarter_label}, none is off track"
    rest = [f"{counts[s]} {STATUS_WORDS[s]}" for s in STATUS_ORDER[1:] if counts[s]]
    if rest:
        text += "; " + _listed(rest)
    text += "."
    if previous_label and any(c.get("prev_status") for c in cards):  # (a review frozen before it was kept: no claim)
        moves = Counter((c.get("prev_status"), c["status"]) for c in cards
                        if c.get("prev_status") and c.get("prev_status") != c["status"]
                        and c["status"] != "no_data" and c.get("prev_status") != "no_data")
        ordered = sorted(moves.items(), key=lambda kv: (STATUS_ORDER.index(kv[0][1]), STATUS_ORDER.index(kv[0][0])))
        if ordered:
            described = [f"{n} moved from {STATUS_WORDS[a]} to {STATUS_WORDS[b]}" if i == 0
                         else f"{n} from {STATUS_WORDS[a]} to {STATUS_WORDS[b]}"
                         for i, ((a, b), n) in enumerate(ordered)]
            text += f" Since {previous_label}, {_listed(described)}."
        else:
            text += f" No measure changed status since {previous_label}."
    return text
