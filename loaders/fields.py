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
