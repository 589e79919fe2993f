"""Cell parsers shared by the loaders' pydantic row models."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# The largest whole number a count column holds on every database (PostgreSQL's INTEGER): a
# bigger count is an error in the file, never a database overflow that stops the whole load.
MAX_WHOLE = 2_147_483_647


def blank_to_none(value):
    """'' and whitespace are missing, not an empty answer."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def whole_number(value):
    """'9707552.0' or '1,234' -> an int; counts are whole numbers however the export prints them.

    Raises ValueError (never OverflowError) for text, fractions, infinities and numbers beyond
    MAX_WHOLE, saying which."""
    value = blank_to_none(value)
    if value is None:
        return None
    text = str(value).replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got {value!r}") from None
    if not number.is_integer():  # also nan and infinities
        raise ValueError(f"expected a whole number, got {value!r}")
    if abs(number) > MAX_WHOLE:
        raise ValueError(f"number {value!r} is too large (at most {MAX_WHOLE:,})")
    return int(number)


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateWindow:
    """The dates a row may carry: no earlier than ``earliest`` and no later than the load date
    plus ``years_after_load`` years (catalogue settings ``earliest_date`` and
    ``latest_years_after_load``). A date outside it is a typo or a placeholder (1 January 9999),
    and one such row would stretch every quarter-by-quarter computation to it."""

    earliest: dt.date = dt.date(1990, 1, 1)
    years_after_load: int = 1
    today: dt.date = field(default_factory=dt.date.today)

    @classmethod
    def from_settings(cls, settings, today: dt.date | None = None) -> DateWindow:
        """The window the catalogue's settings give (earliest_date, latest_years_after_load)."""
        return cls(settings.earliest_date, settings.latest_years_after_load, today or dt.date.today())

    @property
    def latest(self) -> dt.date:
        return _years_later(self.today, self.years_after_load)

    @property
    def settings(self) -> dict:
        """What configures the window (not the load date): part of a load's parameters."""
        return {"earliest_date": self.earliest.isoformat(), "latest_years_after_load": self.years_after_load}

    def problem(self, day: dt.date) -> str | None:
        """Why ``day`` is not plausible, or None."""
        if day < self.earliest:
            return f"date {day.isoformat()} is before {self.earliest.isoformat()}, the earliest date accepted"
        if day > self.latest:
            return (f"date {day.isoformat()} is after {self.latest.isoformat()}, the latest date accepted "
                    f"(the load date plus {self.years_after_load} year(s))")
        return None

    def check(self, day: dt.date) -> dt.date:
        problem = self.problem(day)
        if problem:
            raise ValueError(problem)
        return day

    def quarter_problem(self, start: dt.date, end: dt.date) -> str | None:
        """Why a period (a fiscal quarter or year) lies wholly outside the window, or None."""
        if end < self.earliest:
            return f"period ending {end.isoformat()} is before {self.earliest.isoformat()}, the earliest date accepted"
        if start > self.latest:
            return (f"period starting {start.isoformat()} is after {self.latest.isoformat()}, the latest date accepted "
                    f"(the load date plus {self.years_after_load} year(s))")
        return None


def local_time(raw: str, date_format: str, timezone: str, input_timezone: str | None = None,
               window: DateWindow | None = None):
    """(time in UTC, local date) of a timestamp cell; the local date decides the fiscal quarter.

    ``date_format`` is a strptime format or "iso"; a time written without an offset is read in
    ``input_timezone`` (default: ``timezone``). The local date must lie in ``window`` (default:
    DateWindow()). Raises ValueError saying what was expected.
    """
    import zoneinfo
    try:
        stamp = dt.datetime.fromisoformat(raw) if date_format == "iso" else dt.datetime.strptime(raw, date_format)
    except ValueError:
        expected = "an ISO 8601 time" if date_format == "iso" else f"date format {date_format!r}"
        raise ValueError(f"cannot read {raw!r} as {expected}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zoneinfo.ZoneInfo(input_timezone or timezone))
    try:
        utc, local = stamp.astimezone(dt.UTC), stamp.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    except OverflowError:  # 9999-12-31 23:00 -05:00 is past the last date Python can hold
        raise ValueError(f"{raw!r} is outside the dates that can be stored") from None
    (window or DateWindow()).check(local)
    return utc, local
