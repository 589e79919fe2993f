"""Text formatting for measure values, shared by every component and the review deck.

Pure functions, so a number reads the same on a card, in a table, on a slide and in a
screen-reader label. Missing inputs become MISSING ("—"), never "0" or "nan".
Units: "percent" values are proportions 0-1 shown as percentages, and their
changes as percentage points ("pts"); "points" values are means on a 1-5 scale.
"""

from __future__ import annotations

import datetime as _dt

MISSING = "—"
MINUS = "\u2212"  # typographic minus: same width as "+", read as "minus"
UNITS = ("percent", "points")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_missing(x) -> bool:
    """True for None, NaN, pandas NaT and pd.NA (what a DataFrame hands over
    where a value is absent); such values must never print as a number."""
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN and NaT are the only values unequal to themselves
    except TypeError:  # pd.NA: its truth value is ambiguous, and it means missing
        return True


def _check_unit(unit: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {UNITS}")


def _signed(number: float, decimals: int) -> str:
    """'+2.1', '−0.4', and '0.0' (no sign) when it rounds to zero."""
    text = f"{abs(number):.{decimals}f}"
    if float(text) == 0:
        return text
    return ("+" if number > 0 else MINUS) + text


def format_value(value, unit: str) -> str:
    """0.824 percent -> '82.4%'; 4.523 points -> '4.52'; None -> '—'."""
    _check_unit(unit)
    if is_missing(value):
        return MISSING
    if unit == "percent":
        return f"{value * 100:.1f}%"
    return f"{value:.2f}"


def format_change(change, unit: str) -> str:
    """Signed change vs the previous period: percent 0.021 -> '+2.1 pts'
    (percentage points, not a relative %); points 0.05 -> '+0.05'."""
    _check_unit(unit)
    if is_missing(change):
        return MISSING
    if unit == "percent":
        return f"{_signed(change * 100, 1)} pts"
    return _signed(change, 2)


def change_in_words(change, unit: str) -> str:
    """The change for screen readers, without symbols: 'up 2.1 points',
    'down 0.05 points', 'no change'. Percent changes are percentage points."""
    _check_unit(unit)
    if is_missing(change):
        return "no previous value"
    size = f"{abs(change) * 100:.1f}" if unit == "percent" else f"{abs(change):.2f}"
    if float(size) == 0:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {size} points"


def format_interval(lo, hi, unit: str) -> str:
    """Confidence interval '81.0%–84.0%' (en dash); '—' if either end is missing."""
    _check_unit(unit)
    if is_missing(lo) or is_missing(hi):
        return MISSING
    return f"{format_value(lo, unit)}\u2013{format_value(hi, unit)}"


def format_n(n) -> str:
    """Sample size with thousands separators: 1234 -> '1,234'."""
    if is_missing(n):
        return MISSING
    return f"{int(n):,}"


def format_count(n) -> str:
    """A count of people rounded to what it bears: below a million every digit (1,234; a
    sample size is exact); from a million, three significant figures in words: 323,238,523 ->
    '323 million', 1,504,000 -> '1.5 million', 2,400,000,000 -> '2.4 billion'. Nobody reads or
    needs the last six digits of an estimated customer volume."""
    if is_missing(n):
        return MISSING
    n = int(round(n))
    for size, word in ((10**9, "billion"), (10**6, "million")):
        if abs(n) >= size:
            return f"{n / size:.3g} {word}"
    return f"{n:,}"


def format_p(p) -> str:
    """'p = 0.003'; below 0.001 as 'p < 0.001' (more digits suggest false precision)."""
    if is_missing(p):
        return MISSING
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def format_date(value) -> str:
    """ISO string, date or datetime (incl. pandas Timestamp) -> '31 Dec 2022'.

    Day-month-year with a month name cannot be misread as 12/31 vs 31/12, and the
    month names are fixed (not locale-dependent)."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _dt.date.fromisoformat(text[:10])
        except ValueError as exc:
            raise ValueError(f"not an ISO date: {value!r}") from exc
    elif not isinstance(value, _dt.date):  # datetime and pd.Timestamp are dates
        raise TypeError(f"expected an ISO date string or a date, got {type(value).__name__}")
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


INDICATOR_UNITS = ("percent", "days", "hours", "seconds", "score", "cases", "contacts", "items", "points", "people",
                   "date")


def format_indicator(value, unit: str) -> str:
    """An operational indicator in its unit: 0.25 percent -> '25.0%'; 12 days -> '12 days';
    0.5 days -> '12 hours'; 0.04 hours -> '2 min'; 95 seconds -> '1 min 35 s'; 1234 cases -> '1,234'; -0.12 score ->
    '−0.12'; a date (stored as its proleptic ordinal) -> '9 Apr 2018'."""
    if unit not in INDICATOR_UNITS:
        raise ValueError(f"unknown indicator unit {unit!r}; expected one of {INDICATOR_UNITS}")
    if is_missing(value):
        return MISSING
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "days" and 0 < value < 1:  # half a day reads "12 hours", not "0.5 days"
        return format_indicator(value * 24, "hours")
    if unit == "hours" and 0 < value < 1:  # 0.04 hours reads "2 min", not "0 hours"
        minutes = round(value * 60)
        return f"{minutes} min" if minutes >= 1 else "under 1 min"
    if unit in ("days", "hours"):
        singular = unit[:-1]
        text = f"{value:.1f}".removesuffix(".0")
        return f"{text} {singular}" if text == "1" else f"{text} {unit}"
    if unit == "date":
        return format_date(_dt.date.fromordinal(int(value)))
    if unit == "seconds":
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    if unit == "score":
        return _signed(value, 2)
    if unit == "points":  # a published mean on the 1-5 scale
        return f"{value:.2f}"
    if unit == "people":  # an estimated volume: rounded to what it bears
        return format_count(value)
    return f"{int(round(value)):,}"  # counts: cases, contacts, items


SCALE_FORMS = {"5pt": "the 1-5 (Likert) form", "binary": "the thumbs up/down form"}


def scale_notes(frame, question_column: str = "question", label=None) -> list[str]:
    """Sentences for the questions of a read (``queries.one_scale``) whose scope holds answers
    on two scales (A-11 v2 lets a form ask trust as thumbs up/down or 1-5): which form the
    figures count, and how many answers of the other form are left out. Empty where every
    question has one scale. ``label`` names a question (default: the question itself)."""
    if frame is None or len(frame) == 0 or "other_scale_n" not in frame or "scale" not in frame:
        return []
    mixed = frame[frame["other_scale_n"].fillna(0).astype("int64") > 0]
    return [scale_sentence(label(question) if label else str(question), scale, int(rows["other_scale_n"].max()))
            for (question, scale), rows in mixed.groupby([question_column, "scale"], sort=True)]


def scale_sentence(name: str, scale: str, other_n: int) -> str:
    """What a figure of a question asked in two forms in its scope counts, and what it leaves out."""
    other = "binary" if scale == "5pt" else "5pt"
    return (f"{name} is asked in two forms in this scope; these figures count {SCALE_FORMS.get(scale, scale)} "
            f"only, the form with more responses ({other_n:,} answers in {SCALE_FORMS.get(other, other)} "
            "are not included).")


def format_gap(gap, unit: str) -> str:
    """The distance of a value from its target, in points, without a sign: percent 0.062 ->
    '6.2 points'; points 0.05 -> '0.05 points'. Used as 'X points below target'."""
    _check_unit(unit)
    if is_missing(gap):
        return MISSING
    return f"{abs(gap) * 100:.1f} points" if unit == "percent" else f"{abs(gap):.2f} points"


def gap_in_words(value, target, unit: str) -> str:
    """'6.2 points below target', '0.4 points above target', 'at target'; '—' without both."""
    _check_unit(unit)
    if is_missing(value) or is_missing(target):
        return MISSING
    gap = value - target
    size = format_gap(gap, unit)
    if float(size.split()[0]) == 0:
        return "at target"
    return f"{size} {'below' if gap < 0 else 'above'} target"


CLEAR_CHANGE, NORMAL_VARIATION = "clear change", "within normal variation"


def change_verdict(change, significant, threshold: float) -> bool | None:
    """True (a clear change) only when the change is statistically significant AND at least the
    measure's practical threshold; False when tested and not both; None when not tested."""
    if is_missing(change) or significant is None:
        return None
    return bool(significant) and abs(change) >= threshold - 1e-12


def change_summary(change, unit: str, clear: bool | None, since: str | None) -> str:
    """The one change line executives read: 'Up 2.1 points since FY2022 Q4: clear change';
    'Down 0.3 points since FY2022 Q4: within normal variation'. No p-values here (they stay in
    the analyst detail and the CSV)."""
    words = change_in_words(change, unit)
    if words == "no previous value":
        return "No previous quarter to compare"
    start = "No change" if words == "no change" else words[0].upper() + words[1:]
    text = f"{start} since {since}" if since else f"{start} since the previous quarter"
    if clear is None:
        return text + " (not tested)"
    return f"{text}: {CLEAR_CHANGE if clear else NORMAL_VARIATION}"
