"""Employee-experience indices (e.g. OPM FEVS engagement), wide by year, through a mapping.

One CSV row is one organisational unit; its columns hold one value per index and survey year,
named ``<base><separator><year>`` (``Global Satisfaction_2022``). Each non-empty cell of a
mapped index and year becomes one stored value per service the unit delivers. An empty cell
means the index was not reported that year: nothing is stored and nothing is rejected. A value
that is unreadable or outside 0-1 (0-100 for a percent scale) rejects that cell only, naming
its line and full column; the unit's other values still load. A missing unit code or name
rejects the row. The survey is fielded within one fiscal year, so the fiscal year is the
survey year and the quarter the mapping's ``fielded_quarter``.

The file is the truth for the units it holds in the years it covers: a delivery first deletes
those units' values of the mapping's years, whichever source delivered them, then inserts, so a
re-run or a second source never duplicates, a remapped unit moves, and a file of other years
leaves a unit's earlier values alone.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine

from cxdash.db.models import EmployeeIndex
from cxdash.errors import UserError
from cxdash.loaders import natural_keys
from cxdash.loaders.csv_reader import Unreadable, iter_records, read_header, require_columns
from cxdash.loaders.fields import DateWindow, whole_number
from cxdash.loaders.mapped_rows import RowProblem, load_mapped
from cxdash.loaders.runner import Chunk, LoadReport, Rejection
from cxdash.mappings import EmployeeMapping
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "employee"
ALL_SERVICES = "all"
CHUNK_ROWS = 2000
MAX_CODE, MAX_NAME, MAX_LEVEL = 100, 300, 100  # column widths (the name may become the provider)


def read_value(raw: str, scale: str) -> float | None:
    """A proportion (0-1) from a cell on the mapping's scale; None for an empty cell.

    A percent cell may carry a '%' sign ('71.5%'). Raises ValueError saying what was expected.
    """
    text = raw.strip()
    if not text:
        return None
    if scale == "percent" and text.endswith("%"):
        text = text[:-1].strip()
    top = 100.0 if scale == "percent" else 1.0
    try:
        number = float(text)
    except ValueError:
        hint = " (a '%' sign, but the mapping's value_scale is proportion)" if scale == "proportion" and "%" in text else ""
        raise ValueError(f"cannot read {raw!r} as a {scale} (0-{top:g}){hint}") from None
    if not math.isfinite(number) or not 0.0 <= number <= top:
        raise ValueError(f"{raw!r} is outside 0-{top:g} (value_scale: {scale})")
    return number / 100.0 if scale == "percent" else number


def _text(values: dict, column: str, what: str, limit: int, required: bool) -> str | None:
    text = " ".join(values.get(column, "").split())
    if not text:
        if required:
            raise RowProblem(column, f"missing {what}")
        return None
    if len(text) > limit:
        raise RowProblem(column, f"{what} longer than {limit} characters")
    return text


def _respondents(values: dict, column: str) -> int | None:
    raw = values.get(column, "")
    try:
        count = whole_number(raw)
    except ValueError:
        count = None
    else:
        if count is None or count >= 0:
            return count
    raise ValueError(f"cannot read {raw!r} as a whole number of respondents")


def parse_row(mapping: EmployeeMapping, line: int, values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """(the unit with its values to store, the (column, reason) of every rejected cell).

    Raises RowProblem when the unit itself cannot be identified."""
    code = _text(values, mapping.unit_code, "unit code", MAX_CODE, required=True)
    name = _text(values, mapping.unit_name, "unit name", MAX_NAME, required=True)
    target = mapping.units.get(code)
    provider = target.provider if target else name  # an unmapped unit is its own provider: nothing lost
    services = list(dict.fromkeys(target.services)) if target and target.services else [ALL_SERVICES]
    records, problems = [], []
    for year in mapping.years:
        respondents = level = None
        if mapping.respondents:
            column = mapping.year_column(mapping.respondents, year)
            try:
                respondents = _respondents(values, column)
            except ValueError as exc:  # the year's values would be weighted wrongly: keep them out
                problems.append((column, f"{exc}; the unit's {year} values are not stored"))
                continue
        if mapping.reporting_level:
            column = mapping.year_column(mapping.reporting_level, year)
            try:
                level = _text(values, column, "reporting level", MAX_LEVEL, required=False)
            except RowProblem as problem:
                problems.append((problem.column, problem.reason))
        for indicator, base in mapping.indices.items():
            column = mapping.year_column(base, year)
            try:
                value = read_value(values.get(column, ""), mapping.value_scale)
            except ValueError as exc:
                problems.append((column, str(exc)))
                continue
            if value is None:  # not reported that year
                continue
            records += [{"line": line, "unit_code": code, "unit_name": name, "reporting_level": level,
                         "survey_year": year, "fiscal_year": year, "fiscal_quarter": mapping.fielded_quarter,
                         "indicator": indicator, "value": value, "respondents": respondents,
                         "provider": provider, "service": service} for service in services]
    return {"unit_code": code, "line": line, "records": records}, problems


def chunks(path: Path, mapping: EmployeeMapping, window: DateWindow | None = None) -> Iterator[Chunk]:
    window = window or DateWindow()
    for year in mapping.years:  # the survey years come from the mapping: a wrong one is the mapping's error
        quarter = FiscalQuarter(year, mapping.fielded_quarter)
        problem = window.quarter_problem(quarter.start, quarter.end)
        if problem:
            raise UserError(f"mapping {mapping.name!r}: survey year {year}: {problem}")
    header = read_header(path)
    columns = mapping.read_columns()
    require_columns(path, header, columns)
    kept = set(columns)
    first_seen: dict[str, int] = {}
    chunk = Chunk()
    for line, cells in iter_records(path):
        chunk.rows_read += 1
        raw = {c: v for c, v in zip(header, cells) if c in kept}  # only mapped columns, even in a rejection
        if isinstance(cells, Unreadable):  # a huge value, a NUL byte, a cut-off last row
            chunk.rejections.append(Rejection(line, cells.field, cells.reason, {}))
        elif len(cells) != len(header):
            chunk.rejections.append(Rejection(line, "(row)", f"expected {len(header)} values, got {len(cells)}", raw))
        else:
            try:
                unit, problems = parse_row(mapping, line, raw)
            except RowProblem as problem:
                chunk.rejections.append(Rejection(line, problem.column, problem.reason, raw))
            else:
                code = unit["unit_code"]
                if code in first_seen:
                    chunk.rejections.append(Rejection(line, mapping.unit_code, f"duplicate unit code {code!r}, "
                                                      f"first on line {first_seen[code]}", raw))
                else:
                    first_seen[code] = line
                    identity = {mapping.unit_code: raw.get(mapping.unit_code), mapping.unit_name: raw.get(mapping.unit_name)}
                    chunk.rejections += [Rejection(line, column, reason, {**identity, column: raw.get(column)})
                                         for column, reason in problems]
                    chunk.rows.append(unit)
                    if unit["records"]:
                        latest = FiscalQuarter(max(r["fiscal_year"] for r in unit["records"]), mapping.fielded_quarter).end
                        chunk.as_of = max(chunk.as_of or latest, latest)
        if chunk.rows_read >= CHUNK_ROWS:
            yield chunk
            chunk = Chunk()
    yield chunk


def write(conn: Connection, source: str, run_id: int, units: list[dict], mapping: EmployeeMapping) -> int:
    """Delete these units' values of the mapping's years, whoever delivered them, then insert
    theirs: a re-run or a second source never duplicates.

    Returns the number of units (file rows) written; a unit with a rejected cell is counted here
    (its other values loaded) and among the rejected rows too."""
    natural_keys.delete_where_in(conn, EmployeeIndex, "unit_code", [u["unit_code"] for u in units],
                                 EmployeeIndex.survey_year.in_(mapping.years))
    natural_keys.insert_rows(conn, EmployeeIndex, source, run_id, [r for u in units for r in u["records"]])
    return len(units)


def load(engine: Engine, path: Path, mapping: EmployeeMapping | str | Path, source: str | None = None,
         window: DateWindow | None = None) -> LoadReport:
    return load_mapped(engine, path, mapping, EmployeeMapping, kind=KIND, chunks=chunks, write=write, source=source,
                       window=window)
