"""Published aggregate figures (kind: published): mean scores, rates and counts per fiscal
quarter as an agency or performance.gov publishes them, with no response counts.

Wide files give one indicator per column; long files give one indicator per row (a name
column and a value column, optionally the statement's wording). Only mapped columns are read.
A value cell that is blank or a missing marker ("No Data") stores nothing and is not an error.
A row is rejected, naming its line, column and reason, when its fiscal year or quarter is not
readable or lies outside the plausible dates (fields.DateWindow), a text value is too long for
its column, a value is not a number, a percentage is outside 0-100, a mean in points is outside
1-5, a count is negative, not whole or too large, a long row names a figure the mapping does not list, or
the same figure appears twice for one quarter and cell. The values are stored as published:
without counts, means of different cells cannot be combined.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.channels import ALL, TOUCHPOINTS_CHANNELS
from cxdash.db.models import PublishedValue
from cxdash.loaders import natural_keys
from cxdash.loaders.csv_reader import Unreadable, iter_records, read_header, require_columns
from cxdash.loaders.fields import MAX_WHOLE, DateWindow
from cxdash.loaders.mapped_rows import RowProblem, fitted, load_mapped, mapped_value
from cxdash.loaders.runner import Chunk, LoadReport, Rejection
from cxdash.mappings import PublishedMapping
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "published"
KEY_SEPARATOR = "|"


def _missing(raw: str, mapping: PublishedMapping) -> bool:
    text = raw.strip()
    return not text or text.casefold() in {m.casefold() for m in mapping.missing_values}


def read_value(raw: str, unit: str, column: str) -> float:
    """A value cell in its unit; percentages become proportions 0-1."""
    text = raw.strip()
    number_text = text[:-1].strip() if unit == "percent" and text.endswith("%") else text
    try:
        number = float(number_text.replace(",", ""))
    except ValueError:
        raise RowProblem(column, f"expected a number ({unit}), got {text!r}") from None
    if not math.isfinite(number):
        raise RowProblem(column, f"expected a number ({unit}), got {text!r}")
    if unit == "percent":
        if not 0 <= number <= 100:
            raise RowProblem(column, f"percentage {text!r} is outside 0-100")
        return number / 100
    if unit == "points":
        if not 1 <= number <= 5:
            raise RowProblem(column, f"mean {text!r} is outside the 1-5 scale")
        return number
    if number < 0 or not number.is_integer():
        raise RowProblem(column, f"expected a whole, non-negative count of people, got {text!r}")
    if number > MAX_WHOLE:
        raise RowProblem(column, f"count {text!r} is too large (at most {MAX_WHOLE:,})")
    return number


def _period(values: dict, mapping: PublishedMapping, window: DateWindow) -> FiscalQuarter:
    year_raw, quarter_raw = values.get(mapping.fiscal_year, "").strip(), values.get(mapping.fiscal_quarter, "").strip()
    if not (year_raw.isascii() and year_raw.isdigit() and len(year_raw) == 4):
        raise RowProblem(mapping.fiscal_year, f"expected a fiscal year such as 2020, got {year_raw!r}")
    quarter = quarter_raw[1:] if quarter_raw[:1] in ("Q", "q") else quarter_raw
    if quarter not in ("1", "2", "3", "4"):
        raise RowProblem(mapping.fiscal_quarter, f"expected a fiscal quarter 1-4, got {quarter_raw!r}")
    period = FiscalQuarter(int(year_raw), int(quarter))
    problem = window.quarter_problem(period.start, period.end)
    if problem:
        raise RowProblem(mapping.fiscal_year, f"FY{period.year} Q{period.quarter}: {problem}")
    return period


def parse_row(mapping: PublishedMapping, line: int, values: dict, window: DateWindow | None = None) -> list[dict]:
    """The stored values of one row (none when every value cell is missing)."""
    period = _period(values, mapping, window or DateWindow())
    channel = mapped_value(values, mapping.channel, "channel")
    if channel not in (*TOUCHPOINTS_CHANNELS, ALL):
        raise RowProblem(mapping.channel.column or "channel", f"{channel!r} is neither a Touchpoints channel nor 'all'")
    cell = {"provider": mapped_value(values, mapping.provider, "provider"),
            "service": mapped_value(values, mapping.service, "service"),
            "channel": channel, "stage": mapped_value(values, mapping.stage, "stage")}
    key = KEY_SEPARATOR.join([str(period.year), str(period.quarter), *cell.values()])
    base = {"record_key": key, "line": line, **cell, "fiscal_year": period.year, "fiscal_quarter": period.quarter}
    figures = []  # (indicator, unit, column, wording)
    if mapping.values is not None:
        figures = [(indicator, spec.unit, spec.column, None) for indicator, spec in mapping.values.items()]
    else:
        spec = mapping.long
        name = " ".join(values.get(spec.name_column, "").split())
        if name not in spec.names:
            raise RowProblem(spec.name_column, f"{name!r} is not among the mapping's names ({', '.join(spec.names)})")
        wording = " ".join(values.get(spec.wording_column, "").split()) or None if spec.wording_column else None
        figures = [(spec.names[name], spec.unit, spec.value_column, wording)]
    out = []
    for indicator, unit, column, wording in figures:
        raw = values.get(column, "")
        if not _missing(raw, mapping):
            out.append({**base, "indicator": indicator, "value": read_value(raw, unit, column), "unit": unit,
                        "wording": wording})
    columns = {"provider": mapping.provider.column, "service": mapping.service.column, "stage": mapping.stage.column,
               "record_key": mapping.provider.column or mapping.service.column or mapping.stage.column}
    return [fitted(r, PublishedValue, columns) for r in out]


def chunks(path: Path, mapping: PublishedMapping, window: DateWindow | None = None) -> Iterator[Chunk]:
    """One chunk: published files are small, and one quarter's figures must be replaced together."""
    header = read_header(path)
    require_columns(path, header, mapping.read_columns())
    kept = set(mapping.read_columns())
    first_seen: dict[tuple[str, str], int] = {}
    chunk = Chunk()
    for line, cells in iter_records(path):
        chunk.rows_read += 1
        raw = {c: v for c, v in zip(header, cells) if c in kept}  # only mapped columns, even in a rejection
        if isinstance(cells, Unreadable):  # a huge value, a NUL byte, a cut-off last row
            chunk.rejections.append(Rejection(line, cells.field, cells.reason, {}))
            continue
        if len(cells) != len(header):
            chunk.rejections.append(Rejection(line, "(row)", f"expected {len(header)} values, got {len(cells)}", raw))
            continue
        try:
            stored = parse_row(mapping, line, raw, window)
        except RowProblem as problem:
            chunk.rejections.append(Rejection(line, problem.column, problem.reason, raw))
            continue
        doubled = [r for r in stored if (r["record_key"], r["indicator"]) in first_seen]
        if doubled:
            r = doubled[0]
            column = mapping.long.name_column if mapping.long else mapping.fiscal_quarter
            chunk.rejections.append(Rejection(line, column, f"{r['indicator']} for {r['record_key']!r} is already "
                                              f"given on line {first_seen[(r['record_key'], r['indicator'])]}", raw))
            continue
        if not stored:
            chunk.accepted_without_data += 1
        for r in stored:
            first_seen[(r["record_key"], r["indicator"])] = line
            chunk.rows.append(r)
            end = FiscalQuarter(r["fiscal_year"], r["fiscal_quarter"]).end
            chunk.as_of = max(chunk.as_of or end, end)
    yield chunk


def indicators(mapping: PublishedMapping) -> list[str]:
    """Every indicator the mapping can store."""
    return list(mapping.values) if mapping.values is not None else list(dict.fromkeys(mapping.long.names.values()))


def write(conn: Connection, source: str, run_id: int, rows: list[dict], mapping: PublishedMapping) -> int:
    """Replace the mapping's figures of the file's quarters and cells, whoever delivered them, so a
    figure now 'No Data' goes too; other indicators of the same cells (another file's) stay."""
    if not rows:
        return 0
    natural_keys.delete_where_in(conn, PublishedValue, "record_key", [r["record_key"] for r in rows],
                                 PublishedValue.indicator.in_(indicators(mapping)))
    natural_keys.insert_rows(conn, PublishedValue, source, run_id, rows)
    return len(rows)


def load(engine: Engine, path: Path, mapping: PublishedMapping | str | Path, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    return load_mapped(engine, path, mapping, PublishedMapping, kind=KIND, chunks=chunks, write=write, source=source,
                       window=window)
