"""What the mapped loaders (cases, contacts, feedback, employee, published) share: the row problem
they raise, reading a mapped value or time from a row, reading a file into keyed chunks, and
running a load. Rows are replaced by natural key, whoever delivered them (natural_keys.py)."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine

from cxdash.errors import UserError
from cxdash.loaders.csv_reader import Unreadable, iter_records, read_header, require_columns
from cxdash.loaders.fields import DateWindow, local_time
from cxdash.loaders.runner import Chunk, LoadReport, Rejection, run_load
from cxdash.mappings import Source, SubmittedAt, load_any_mapping

log = logging.getLogger(__name__)


class RowProblem(ValueError):
    """Why a row is kept aside, and the column it concerns."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


def mapped_value(values: dict, source: Source, what: str) -> str:
    """A fixed value, or the column's value through the mapping's value map (if it has one); a
    blank cell takes the mapping's ``blank`` value, else rejects the row."""
    if source.value is not None:
        return source.value
    raw = values.get(source.column, "").strip()
    if not raw:
        if source.blank is not None:
            return source.blank
        raise RowProblem(source.column, f"missing {what} (give the mapping's {what} a blank: value to accept "
                                        "blank cells)")
    if source.values is None:
        return " ".join(raw.split())
    if raw not in source.values:
        raise RowProblem(source.column, f"{what} value {raw!r} is not in the mapping's values ({', '.join(source.values)})")
    return source.values[raw]


def mapped_time(values: dict, spec: SubmittedAt | None, required: bool,
                window: DateWindow | None = None) -> tuple[dt.datetime | None, dt.date | None]:
    """(UTC time, local date) of a mapped timestamp cell; the date must lie in ``window``."""
    if spec is None:
        return None, None
    raw = values.get(spec.column, "").strip()
    if not raw:
        if required:
            raise RowProblem(spec.column, "missing: every row needs this time")
        return None, None
    try:
        return local_time(raw, spec.date_format, spec.timezone, spec.input_timezone, window)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None


def fitted(row: dict, model, columns: dict[str, str | None]) -> dict:
    """``row`` if every text value fits its column of ``model``; else a RowProblem naming the
    file's column (``columns``: stored column -> file column). A value too long for its column
    is the row's error, never a database error that stops the whole file (PostgreSQL enforces
    lengths, SQLite does not)."""
    table = model.__table__.c
    for name, value in row.items():
        if isinstance(value, str) and name in table:
            limit = getattr(table[name].type, "length", None)
            if limit is not None and len(value) > limit:
                raise RowProblem(columns.get(name) or name,
                                 f"{name.replace('_', ' ')} longer than {limit} characters ({len(value):,})")
    return row


class NothingToStore(Exception):
    """A valid row with nothing to store (e.g. an empty comment the mapping says to skip)."""


def keyed_chunks(path: Path, columns: list[str], parse: Callable[[int, dict], dict], *, key: str, key_field: str,
                 as_of: Callable[[dict], dt.date], chunk_rows: int = 5000,
                 prepare: Callable[[dict, bool], dict] | None = None) -> Iterator[Chunk]:
    """Read a mapped CSV into chunks: only ``columns`` are read (even into a rejection); a row of
    the wrong width, a RowProblem from ``parse`` or a key seen before is kept aside with its line,
    column and reason. ``prepare(raw, width_ok)`` may rewrite the raw cells first (feedback
    redacts them there, so no original text reaches a row or a rejection)."""
    header = read_header(path)
    require_columns(path, header, columns)
    kept = set(columns)
    first_seen: dict[str, int] = {}
    chunk = Chunk()

    def take(line: int, cells: list[str]) -> None:
        if isinstance(cells, Unreadable):  # a huge value, a NUL byte, a cut-off last row: nothing of it is kept
            chunk.rejections.append(Rejection(line, cells.field, cells.reason, {}))
            return
        raw = {c: v for c, v in zip(header, cells) if c in kept}
        width_ok = len(cells) == len(header)
        if prepare is not None:
            raw = prepare(raw, width_ok)
        if not width_ok:
            chunk.rejections.append(Rejection(line, "(row)", f"expected {len(header)} values, got {len(cells)}", raw))
            return
        try:
            row = parse(line, raw)
        except NothingToStore:
            chunk.accepted_without_data += 1
            return
        except RowProblem as problem:
            chunk.rejections.append(Rejection(line, problem.column, problem.reason, raw))
            return
        value = row[key]
        if value in first_seen:
            chunk.rejections.append(Rejection(
                line, key_field, f"duplicate {key.replace('_', ' ')} {value!r}, first on line {first_seen[value]}", raw))
            return
        first_seen[value] = line
        chunk.rows.append(row)
        latest = as_of(row)
        chunk.as_of = max(chunk.as_of or latest, latest)

    for line, cells in iter_records(path):
        chunk.rows_read += 1
        take(line, cells)
        if chunk.rows_read >= chunk_rows:
            yield chunk
            chunk = Chunk()
    yield chunk


def load_mapped(engine: Engine, path: Path, mapping, model: type, *, kind: str, chunks, write,
                source: str | None = None, parameters: dict | None = None,
                window: DateWindow | None = None) -> LoadReport:
    """Load one file of a mapped kind: the mapping (a model, a name in config/mappings or a YAML
    path) must be of ``model``'s kind; the run is 'unchanged' only for the same bytes, mapping,
    ``parameters`` and date window settings. ``chunks(path, mapping, window)`` reads (dates
    outside ``window``, default DateWindow(), reject their rows); ``write(conn, source, run_id,
    rows, mapping)`` stores, replacing by natural key whoever delivered the rows before."""
    if not isinstance(mapping, model):
        name = mapping
        mapping = load_any_mapping(name)
        if not isinstance(mapping, model):
            raise UserError(f"mapping {str(name)!r} is of kind {mapping.kind!r}, not {kind!r}")
    source = source or mapping.key_source
    window = window or DateWindow()
    notes = _header_notes(Path(path), mapping)
    report = run_load(engine, source=source, kind=kind, path=Path(path),
                    parameters={"mapping": mapping.model_dump(mode="json"), **window_parameters(window),
                                **(parameters or {})},
                    chunks=lambda p: chunks(p, mapping, window),
                    write=lambda conn, run_id, rows: write(conn, source, run_id, rows, mapping))
    report.notes += notes
    for note in notes:
        log.warning("%s: %s", path, note)
    return report


def _header_notes(path: Path, mapping) -> list[str]:
    """What the header says about the mapping, said with the load's result: columns neither read
    nor ignored (new in the export, or a column the mapping should read), and ``ignore`` entries
    the file lacks (a renamed column, another layout). ``cxdash mapping check`` shows all of it."""
    if not path.is_file():
        return []  # the load says so
    try:
        header = read_header(path)
    except UserError:
        return []  # the load itself fails on it, and records the failed run
    if any(c not in header for c in mapping.read_columns()):
        return []  # the load says which columns are missing (and whether the delimiter is another)
    known = set(mapping.read_columns()) | set(mapping.ignore)
    notes = []
    unused = [c for c in header if c not in known]
    if unused:
        notes.append(f"column(s) neither read nor listed under ignore: {', '.join(unused)}")
    absent = [c for c in mapping.ignore if c not in header]
    if absent:
        notes.append(f"mapping {mapping.name!r} lists under ignore column(s) the file does not have: "
                     f"{', '.join(absent)}")
    if notes:
        notes.append(f"see what the mapping makes of the file: cxdash mapping check {path} --mapping {mapping.name}")
    return notes


def window_parameters(window: DateWindow) -> dict:
    """The window's settings when they are not the defaults (so a re-load after widening them is
    not 'unchanged'; loads under the defaults keep the parameters they always had)."""
    return {} if window.settings == DateWindow().settings else {"dates": window.settings}
