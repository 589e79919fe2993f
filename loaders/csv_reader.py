"""CSV reading with line numbers, so every rejection can name the line a user sees."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from cxdash.errors import UserError

ENCODINGS = ("utf-8-sig", "cp1252")


def _encoding(path: Path) -> str:
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
    with path.open(encoding=_encoding(path), newline="") as handle:
        try:
            return [h.strip() for h in next(csv.reader(handle))]
        except StopIteration:
            raise UserError(f"{path}: empty file (no header row)") from None


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the record starts, row) for every data row; header names are stripped."""
    with path.open(encoding=_encoding(path), newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise UserError(f"{path}: empty file (no header row)") from None
        start = reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                if len(values) != len(header):
                    values = values + [""] * (len(header) - len(values)) if len(values) < len(header) else values
                row = dict(zip(header, values))
                if len(values) > len(header):
                    row["__extra__"] = values[len(header):]
                yield start, row
            start = reader.line_num + 1


def require_columns(path: Path, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; is this the right kind of file?")
