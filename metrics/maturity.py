"""CX maturity levels from a self-assessment: a dimension's level, the overall level, the change
since last year, and the sentence that says it.

The rule: a level counts only when it and every level below it are fully met. A dimension's level
is therefore the highest L such that levels 1..L are all "met"; a "partial", "not_met" or missing
rating stops the count (0: level 1 is not fully met). The overall level is the lowest dimension
level, for the same reason one level up: the organization is at level L only when every dimension
is, so averaging would let a strong dimension hide a weak one.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

MET, PARTIAL, NOT_MET = "met", "partial", "not_met"
STATUSES = (MET, PARTIAL, NOT_MET)
TOP_LEVEL = 5


def dimension_level(statuses: Mapping[int, str], top: int = TOP_LEVEL) -> int:
    """level number -> status of one dimension's ratings -> its level (0..top)."""
    level = 0
    while level < top and statuses.get(level + 1) == MET:
        level += 1
    return level


def dimension_levels(ratings: Iterable[Mapping], dimensions: Sequence[str], top: int = TOP_LEVEL) -> dict[str, int]:
    """Rows with dimension, level, status (one year) -> each dimension's level (unrated: 0)."""
    by_dimension: dict[str, dict[int, str]] = {d: {} for d in dimensions}
    for r in ratings:
        if r["dimension"] in by_dimension:
            by_dimension[r["dimension"]][int(r["level"])] = r["status"]
    return {d: dimension_level(statuses, top) for d, statuses in by_dimension.items()}


def overall_level(levels: Mapping[str, int]) -> int:
    """The lowest dimension level: where the organization meets a level in every dimension."""
    return min(levels.values()) if levels else 0


def changes(levels: Mapping[str, int], previous: Mapping[str, int] | None) -> dict[str, int | None]:
    """Per dimension, this year's level minus last year's (None: last year was not assessed)."""
    return {d: (level - previous[d]) if previous is not None and d in previous else None
            for d, level in levels.items()}


def overall_change(levels: Mapping[str, int], previous: Mapping[str, int] | None) -> int | None:
    return None if previous is None else overall_level(levels) - overall_level(previous)


def level_name(level: int, names: Mapping[int, str]) -> str:
    """The level's name; 0 reads 'Not yet Reactive' (level 1 not fully met)."""
    return names[level] if level >= 1 else f"Not yet {names[1]}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _at(level: int, names: Mapping[int, str]) -> str:
    return f"at {names[level]}" if level >= 1 else f"below {names[1]} (level 1 not fully met)"


def _extremes(levels: Mapping[str, int], dim_names: Mapping[str, str], names: Mapping[int, str]) -> str:
    if len(set(levels.values())) == 1:
        level = next(iter(levels.values()))
        return f"every dimension is {_at(level, names)}"
    high, low = max(levels.values()), min(levels.values())
    strongest = [dim_names[d] for d, v in levels.items() if v == high]
    weakest = [dim_names[d] for d, v in levels.items() if v == low]
    reached = f"{_join(strongest)} reached {names[high]}"
    verb = "is the weakest" if len(weakest) == 1 else "are the weakest"
    return f"{reached}; {_join(weakest)} {verb} {_at(low, names)}"


def _movement(moves: Mapping[str, int | None], previous_year: int) -> str:
    up = sum(1 for v in moves.values() if v is not None and v > 0)
    down = sum(1 for v in moves.values() if v is not None and v < 0)
    if not up and not down:
        return f"no dimension changed level since FY{previous_year}"
    parts = []
    if up:
        parts.append(f"{up} dimension{'s' if up != 1 else ''} improved")
    if down:
        parts.append(f"{down} fell back" if up else f"{down} dimension{'s' if down != 1 else ''} fell back")
    return f"{' and '.join(parts)} since FY{previous_year}"


def takeaway(fiscal_year: int, levels: Mapping[str, int], dim_names: Mapping[str, str], names: Mapping[int, str],
             previous: Mapping[str, int] | None = None) -> str:
    """E.g. 'In FY2023 the organization is at level 2, Tactical, overall; Measurement reached
    Strategic; Service Design is the weakest at Reactive; 2 dimensions improved since FY2022.'"""
    if not levels:
        return f"No CX maturity dimension is configured for FY{fiscal_year}."
    overall = overall_level(levels)
    if overall >= 1:
        head = f"In FY{fiscal_year} the organization is at level {overall}, {names[overall]}, overall"
    else:
        head = f"In FY{fiscal_year} the organization is not yet at level 1, {names[1]}, in every dimension"
    parts = [head, _extremes(levels, dim_names, names)]
    if previous is not None:
        parts.append(_movement(changes(levels, previous), fiscal_year - 1))
    return "; ".join(parts) + "."
