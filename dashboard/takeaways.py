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
    moved = [c for c in cards if c.get("significant")]
    worse = [c for c in moved if (c["change"] < 0) == (c.get("direction", "higher") == "higher")]
    if moved:
        sentence += (f"; {len(moved)} changed significantly since the previous quarter"
                     f" ({len(moved) - len(worse)} better, {len(worse)} worse)")
    return sentence + "."
