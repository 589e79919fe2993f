"""CSV reading with line numbers, so every rejection can name the line a user sees."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from cxdash.errors import UserError

ENCODINGS = ("utf-8-sig", "cp1252")
SHORT, LONG = "__short__", "__extra__"


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, as spreadsheet exports come."""
    for encoding in ENCODINGS:
        try:
            with path.open(encoding=encoding, newline="") as handle:
                for _ in iter(lambda: handle.read(1 << 20), ""):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
    raise UserError(f"{path}: not a text file in UTF-8 or Windows-1252")


def read_header(path: Path) -> list[str]:
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        try:
            return [h.strip() for h in next(csv.reader(handle))]
        except StopIteration:
            raise UserError(f"{path}: empty file (no header row)") from None


def iter_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its values as the file has them) for every non-blank row."""
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        reader = csv.reader(handle)
        try:
            next(reader)
        except StopIteration:
            raise UserError(f"{path}: empty file (no header row)") from None
        start = reader.line_num + 1
        for values in reader:
            if any(map(str.strip, values)):
                yield start, values
            start = reader.line_num + 1


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row as a dict by header name). A row with fewer values than the header carries
    SHORT (how many are missing) and one with more carries LONG (the extra values), so the
    loader rejects it instead of reading a truncated row as blank answers."""
    header = read_header(path)
    for line, values in iter_records(path):
        row = dict(zip(header, values))
        if len(values) < len(header):
            row[SHORT] = len(header) - len(values)
        elif len(values) > len(header):
            row[LONG] = values[len(header):]
        yield line, row


def row_width_problem(row: dict) -> str | None:
    """Why a row from iter_rows does not line up with the header, or None."""
    if SHORT in row:
        return f"{row[SHORT]} fewer value(s) than header columns (a truncated row?)"
    if LONG in row:
        return f"{len(row[LONG])} more value(s) than header columns"
    return None


def require_columns(path: Path, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; is this the right kind of file?")
