"""One-sentence takeaways generated from the data behind each chart."""
from __future__ import annotations

from collections import Counter

STATUS_WORDS = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track",
                "no_data": "without data", "no_target": "without a target"}
ORDER = ["on_track", "at_risk", "off_track", "no_target", "no_data"]


def status_summary(cards: list[dict], quarter_label: str) -> str:
    """'Of 10 measures in FY2023 Q1, 3 are on track, 2 at risk and 5 off track; ...'."""
    if not cards:
        return f"No measures match these filters for {quarter_label}."
    counts = Counter(card["status"] for card in cards)
    parts = [f"{counts[s]} {STATUS_WORDS[s]}" for s in ORDER if counts[s]]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    sentence = f"Of {len(cards)} measure{'s' if len(cards) != 1 else ''} in {quarter_label}, {listed}"
    # A clear change: significant and at least the measure's practical threshold (the card's
    # change_clear; the default threshold of its unit where a card does not say).
    from cxdash.catalogue import DEFAULT_PRACTICAL_CHANGE
    from cxdash.presentation.formatting import change_verdict
    moved = [c for c in cards if (c["change_clear"] if c.get("change_clear") is not None else change_verdict(
        c.get("change"), c.get("significant"), c.get("practical_change") or DEFAULT_PRACTICAL_CHANGE[c.get("unit", "percent")]))]
    worse = [c for c in moved if (c["change"] < 0) == (c.get("direction", "higher") == "higher")]
    if moved:
        sentence += (f"; {len(moved)} changed clearly since the previous quarter"
                     f" ({len(moved) - len(worse)} better, {len(worse)} worse)")
    return sentence + "."


def trend_sentence(points: list[dict], unit: str, alpha: float = 0.05) -> str:
    """The sparkline in words: 'Up 1.9 points from 61.3% in FY2021 Q4 to 63.2% in FY2023 Q1
    (not significant, p = 0.21).' A % agree change is tested (two-proportion z test on the
    points' n); a mean's cannot be from the stored figures, so it says it was not tested."""
    from cxdash.metrics.proportions import two_proportion_test
    from cxdash.presentation.formatting import change_in_words, format_p, format_value
    known = [p for p in points if p.get("value") is not None]
    span = f"the last {len(points)} quarters" if len(points) != 1 else "the quarter shown"
    if not known:
        return f"No data in {span}."
    last = known[-1]
    if len(known) == 1:
        return f"Only {last['label']} has data in {span}: {format_value(last['value'], unit)}."
    first = known[0]
    words = change_in_words(last["value"] - first["value"], unit)
    start = f"{words[0].upper()}{words[1:]}" if words != "no change" else "No change"
    gaps = len(points) - len(known)
    sentence = (f"{start} from {format_value(first['value'], unit)} in {first['label']} "
                f"to {format_value(last['value'], unit)} in {last['label']}")
    if words != "no change":
        if unit == "percent" and first.get("n") and last.get("n"):
            p_value = two_proportion_test(round(last["value"] * last["n"]), last["n"],
                                          round(first["value"] * first["n"]), first["n"])
            sentence += f" ({'significant' if p_value < alpha else 'not significant'}, {format_p(p_value)})"
        else:
            sentence += " (change not tested)"
    if gaps:
        sentence += f"; {gaps} quarter{'s' if gaps > 1 else ''} without data"
    return sentence + "."
