"""CSV reading with line numbers, so every rejection can name the line a user sees.

Hostile files are read row by row, never refused whole for one bad row: a value longer than
MAX_FIELD characters, a NUL byte, or a last row cut off inside a quoted value (a truncated
file) comes back as an Unreadable record with its line, column and reason, and the next rows
are read as usual. A Windows-1252 file with a byte that code page leaves undefined loads with
that one character replaced by U+FFFD.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from cxdash.errors import UserError

ENCODINGS = ("utf-8-sig", "cp1252")
SHORT, LONG, UNREADABLE = "__short__", "__extra__", "__unreadable__"
MAX_FIELD = 32_767  # characters in one value: a spreadsheet cell's limit; longer is not a value but a broken file
READ_LIMIT = 1 << 27  # what the csv module may buffer for one value (so a long one is ours to reject, with its line)
DELIMITER_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe"}
csv.field_size_limit(max(csv.field_size_limit(), READ_LIMIT))


class Unreadable(list):
    """A record that cannot be read as values (an empty list, so it lines up with no header):
    which column and why. Loaders reject it as it says."""

    def __init__(self, field: str, reason: str):
        super().__init__()
        self.field, self.reason = field, reason


def detect_encoding(path: Path) -> str:
    """UTF-16 with its byte-order mark, UTF-8 (with or without BOM), else Windows-1252, as
    spreadsheet exports come. Open the file with ``errors=decode_errors(encoding)``."""
    with path.open("rb") as handle:
        if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return "utf-16"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for _ in iter(lambda: handle.read(1 << 20), ""):
                pass
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


def decode_errors(encoding: str) -> str:
    """Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D): such a byte
    becomes U+FFFD instead of refusing the whole file."""
    return "replace" if encoding == "cp1252" else "strict"


def _open(path: Path):
    encoding = detect_encoding(path)
    return path.open(encoding=encoding, errors=decode_errors(encoding), newline="")


def read_header(path: Path) -> list[str]:
    try:
        with _open(path) as handle:
            header = [h.strip() for h in next(csv.reader(handle))]
    except StopIteration:
        raise UserError(f"{path}: empty file (no header row)") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: cannot read the header row: {exc}") from None
    if any("\x00" in h for h in header):
        raise UserError(f"{path}: the header row holds NUL bytes: not a CSV text file (a spreadsheet, or UTF-16 "
                        "without a byte-order mark?); save it as CSV in UTF-8")
    if any(len(h) > MAX_FIELD for h in header):
        raise UserError(f"{path}: a header name is longer than {MAX_FIELD:,} characters: not a CSV header")
    return header


def _cut_inside_quotes(text: str) -> bool:
    """Whether a record's text ends inside a quoted value (the file was cut off there)."""
    if '"' not in text:
        return False
    try:
        for _ in csv.reader(io.StringIO(text), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _column(header: list[str] | None, index: int) -> str:
    return header[index] if header and index < len(header) and header[index] else f"(value {index + 1})"


def record_problem(text: str, values: list[str], header: list[str] | None, last: bool) -> Unreadable | None:
    """Why a record read as ``values`` from ``text`` cannot be used, or None."""
    if last and _cut_inside_quotes(text):
        return Unreadable(_column(header, len(values) - 1),
                          "the file ends inside this quoted value: the row is cut off (a truncated file?)")
    if len(text) > MAX_FIELD and max(map(len, values), default=0) > MAX_FIELD:
        index = next(i for i, v in enumerate(values) if len(v) > MAX_FIELD)
        return Unreadable(_column(header, index), f"field longer than {MAX_FIELD:,} characters "
                                                  f"({len(values[index]):,}); nothing of the row is stored")
    if "\x00" in text:
        index = next((i for i, v in enumerate(values) if "\x00" in v), 0)
        return Unreadable(_column(header, index), "holds a NUL byte (\\x00), which no text value may contain")
    return None


def iter_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its values as the file has them) for every non-blank row.

    A record that cannot be used comes as an Unreadable (empty, with field and reason)."""
    record: list[str | None] = []  # the lines of the record being read; None: the file ended inside it

    def tracked(handle):
        for line in handle:
            record.append(line)
            yield line
        record.append(None)

    with _open(path) as handle:
        reader = csv.reader(tracked(handle))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise UserError(f"{path}: empty file (no header row)") from None
        record.clear()
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a value past READ_LIMIT: the file cannot be split into rows after it
                raise UserError(f"{path}: line {start}: {exc}; the file cannot be read past this line") from None
            except UnicodeDecodeError as exc:
                raise UserError(f"{path}: line {start}: not valid text in the file's encoding ({exc.reason})") from None
            ended = bool(record) and record[-1] is None
            text = record[0] if len(record) == 1 else "".join(line for line in record if line is not None)
            record.clear()
            problem = record_problem(text, values, header, ended) if (
                ended or len(text) > MAX_FIELD or "\x00" in text) else None
            if problem is not None:
                yield start, problem
            elif any(v.strip() for v in values):
                yield start, values
            start = reader.line_num + 1


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row as a dict by header name). A row with fewer values than the header carries
    SHORT (how many are missing) and one with more carries LONG (the extra values), so the
    loader rejects it instead of reading a truncated row as blank answers; an Unreadable
    record carries UNREADABLE."""
    header = read_header(path)
    for line, values in iter_records(path):
        if isinstance(values, Unreadable):
            yield line, {UNREADABLE: values}
            continue
        row = dict(zip(header, values))
        if len(values) < len(header):
            row[SHORT] = len(header) - len(values)
        elif len(values) > len(header):
            row[LONG] = values[len(header):]
        yield line, row


def row_width_problem(row: dict) -> str | None:
    """Why a row from iter_rows does not line up with the header, or None."""
    if UNREADABLE in row:
        return row[UNREADABLE].reason
    if SHORT in row:
        return f"{row[SHORT]} fewer value(s) than header columns (a truncated row?)"
    if LONG in row:
        return f"{len(row[LONG])} more value(s) than header columns"
    return None


def row_problem_field(row: dict) -> str:
    """The column a row_width_problem concerns."""
    return row[UNREADABLE].field if UNREADABLE in row else "(row)"


def delimiter_hint(path: Path) -> str:
    """'; the file looks semicolon-separated ...' when the header line splits on another delimiter."""
    try:
        with _open(path) as handle:
            line = handle.readline(1 << 16)
    except (OSError, UnicodeDecodeError):
        return ""
    try:
        found = csv.Sniffer().sniff(line, delimiters="".join(DELIMITER_NAMES)).delimiter
    except csv.Error:
        return ""
    if line.count(found) <= line.count(","):
        return ""
    return (f"; the file looks {DELIMITER_NAMES[found]}-separated: cxdash reads comma-separated files "
            "(save it as CSV with commas)")


def require_columns(path: Path, header: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(missing)}; is this the right kind of file?"
                        f"{delimiter_hint(path)}")
