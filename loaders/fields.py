"""Cell parsers shared by the loaders' pydantic row models."""
from __future__ import annotations


def blank_to_none(value):
    """'' and whitespace are missing, not an empty answer."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def whole_number(value):
    """'9707552.0' or '1,234' -> an int; counts are whole numbers however the export prints them."""
    value = blank_to_none(value)
    if value is None:
        return None
    number = float(str(value).replace(",", ""))
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def local_time(raw: str, date_format: str, timezone: str, input_timezone: str | None = None):
    """(time in UTC, local date) of a timestamp cell; the local date decides the fiscal quarter.

    ``date_format`` is a strptime format or "iso"; a time written without an offset is read in
    ``input_timezone`` (default: ``timezone``). Raises ValueError saying what was expected.
    """
    import datetime as dt
    import zoneinfo
    try:
        stamp = dt.datetime.fromisoformat(raw) if date_format == "iso" else dt.datetime.strptime(raw, date_format)
    except ValueError:
        expected = "an ISO 8601 time" if date_format == "iso" else f"date format {date_format!r}"
        raise ValueError(f"cannot read {raw!r} as {expected}") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=zoneinfo.ZoneInfo(input_timezone or timezone))
    return stamp.astimezone(dt.UTC), stamp.astimezone(zoneinfo.ZoneInfo(timezone)).date()
