"""Response-level survey exports of any shape, read through a mapping (cxdash/mappings.py).

One CSV row is one response. Only the columns the mapping names are read; every other column
(free text above all) never reaches the database, not even inside a rejected row. A blank
answer is missing (no answer row), not an error; a value outside the question's scale, an
unreadable submission time or a service/channel value the mapping does not map rejects the row
with its line, column and reason.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from cxdash.catalogue import Catalogue, Service
from cxdash.channels import MAPPED_CHANNELS, normalise_channel
from cxdash.errors import UserError
from cxdash.loaders.csv_reader import Unreadable, delimiter_hint, iter_records, read_header
from cxdash.loaders.fields import DateWindow, local_time
from cxdash.loaders.mapped_rows import window_parameters
from cxdash.loaders.responses_store import KEY_LENGTH, SEGMENT_LENGTH, write_responses
from cxdash.loaders.runner import Chunk, LoadReport, Rejection, run_load
from cxdash.mappings import KIND, Mapping, Question, Source, load_mapping
from cxdash.metrics.a11_scores import BINARY
from cxdash.metrics.fiscal import FiscalQuarter

CHUNK_ROWS = 5000


class RowProblem(ValueError):
    """One reason a row is kept aside, with the column it concerns."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class Plan:
    """A mapping bound to one file's header and the catalogue: everything a row needs."""

    mapping: Mapping
    catalogue: Catalogue
    provider: Source
    service: Source
    channel: Source
    stage: Source | None
    index: dict[str, int]
    width: int
    missing: frozenset[str]
    window: DateWindow = DateWindow()

    def cell(self, values: list[str], column: str) -> str:
        return values[self.index[column]].strip()


def _fixed(value: str | None) -> Source | None:
    return Source(value=value) if value is not None else None


def _value(plan: Plan, values: list[str], source: Source, what: str) -> str:
    """A fixed value, or the row's cell through the value map; unmapped -> a problem."""
    if source.value is not None:
        return source.value
    raw = plan.cell(values, source.column)
    if not raw:
        if source.blank is not None:
            return source.blank
        raise RowProblem(source.column, f"missing {what}")
    if source.values is None:
        return raw
    if raw not in source.values:
        raise RowProblem(source.column, f"{what} {raw!r} is not mapped; the mapping maps "
                                        f"{', '.join(repr(v) for v in source.values)}")
    return source.values[raw]


def _service(plan: Plan, values: list[str]) -> Service:
    provider = _value(plan, values, plan.provider, "provider")
    name = _value(plan, values, plan.service, "service")
    entry = plan.catalogue.find_service(provider, name)
    if entry is None:
        column = plan.service.column or plan.provider.column or "(service)"
        raise RowProblem(column, f"service {name!r} of provider {provider!r} is not in the catalog")
    return entry


def _channel(plan: Plan, values: list[str]) -> str:
    value = _value(plan, values, plan.channel, "channel")
    channel = normalise_channel(value, MAPPED_CHANNELS)
    if channel is None:
        raise RowProblem(plan.channel.column or "(channel)", f"channel {value!r} is not a Touchpoints channel")
    return channel


def _stage(plan: Plan, values: list[str], entry: Service) -> str:
    if plan.stage is None:
        return entry.default_stage or entry.stages[-1]
    stage = _value(plan, values, plan.stage, "stage")
    if stage not in entry.stages:
        raise RowProblem(plan.stage.column or "(stage)",
                         f"stage {stage!r} is not a stage of {entry.name!r} ({', '.join(entry.stages)})")
    return stage


def _submitted(plan: Plan, values: list[str]) -> tuple[dt.datetime, dt.date]:
    """(time in UTC, local date): the fiscal quarter follows the local date."""
    spec = plan.mapping.submitted_at
    raw = plan.cell(values, spec.column)
    if not raw:
        raise RowProblem(spec.column, "missing submission time")
    try:
        return local_time(raw, spec.date_format, spec.timezone, spec.input_timezone, plan.window)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc).replace("cannot read ", "cannot read submission time ", 1)) from None


def _answer_value(raw: str, scale: str) -> int:
    low, high = (0, 1) if scale == BINARY else (1, 5)
    expected = "0 or 1 (binary)" if scale == BINARY else "a whole number from 1 to 5 (5pt scale)"
    try:
        number = float(raw)
    except ValueError:
        number = None
    if number is None or not number.is_integer() or not low <= number <= high:
        raise ValueError(f"expected {expected}, got {raw!r}")
    return int(number)


def _answer(plan: Plan, values: list[str], question: str, spec: Question) -> dict | None:
    """One closed answer; None when not answered (missing, not 0: no row is stored)."""
    raw = plan.cell(values, spec.column)
    if not raw or raw.casefold() in plan.missing:
        return None
    try:
        value = _answer_value(raw, spec.scale)
    except ValueError as exc:
        raise RowProblem(spec.column, str(exc)) from None
    return {"question": question, "scale": spec.scale, "value": value, "question_text": spec.wording}


def _key(plan: Plan, values: list[str]) -> str:
    column = plan.mapping.response_key
    key = plan.cell(values, column)
    if not key:
        raise RowProblem(column, "missing response key: every response needs one")
    if len(key) > KEY_LENGTH:
        raise RowProblem(column, f"response key longer than {KEY_LENGTH} characters")
    return key


def _safe_raw(plan: Plan, values: list[str]) -> dict:
    """The row as kept with a rejection: only mapped columns, so never free text."""
    if len(values) == plan.width:
        return {c: values[i] for c, i in plan.index.items()}
    key_index = plan.index[plan.mapping.response_key]  # a misaligned row: only its key
    return {plan.mapping.response_key: values[key_index] if key_index < len(values) else None}


def _segment(plan: Plan, values: list[str], column: str) -> dict | None:
    """A segment answer (blank or a missing marker: none); a long value is refused, since a
    segment is a category and a long text may be free text carrying personal details."""
    raw = plan.cell(values, column)
    if not raw or raw.casefold() in plan.missing:
        return None
    if len(raw) > SEGMENT_LENGTH:
        raise RowProblem(column, f"segment value longer than {SEGMENT_LENGTH} characters; a segment is a "
                                 "category, not free text")
    return {"segment": column, "value": raw}


def parse_row(plan: Plan, line: int, values: list[str]) -> tuple[dict | None, dt.date | None, list[Rejection]]:
    """Validate one record; return the response with its answers and local date, or why not."""
    if isinstance(values, Unreadable):  # a huge value, a NUL byte, a cut-off last row: nothing of it is kept
        return None, None, [Rejection(line, values.field, values.reason, {})]
    raw = _safe_raw(plan, values)
    if len(values) != plan.width:
        return None, None, [Rejection(line, "(row)", f"expected {plan.width} values, got {len(values)}", raw)]
    problems: list[Rejection] = []

    def attempt(step: Callable, *args):
        try:
            return step(plan, values, *args)
        except RowProblem as problem:
            problems.append(Rejection(line, problem.column, problem.reason, raw))
            return None

    key = attempt(_key)
    submitted = attempt(_submitted)
    entry = attempt(_service)
    channel = attempt(_channel)
    stage = attempt(_stage, entry) if entry is not None else None
    answers = [a for q, spec in plan.mapping.questions.items() if (a := attempt(_answer, q, spec)) is not None]
    segments = [s for column in plan.mapping.segments if (s := attempt(_segment, column)) is not None]
    if problems:
        return None, None, problems
    utc_time, local_date = submitted
    quarter = FiscalQuarter.of_date(local_date)
    row = {"response_key": key, "line": line, "submitted_at": utc_time,
           "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter, "agency": entry.agency,
           "provider": entry.provider, "service": entry.name, "channel": channel,
           "stage": stage, "answers": answers, "segments": segments}
    return row, local_date, []


def make_plan(path: Path, mapping: Mapping, catalogue: Catalogue, header: list[str], overrides: dict,
              window: DateWindow | None = None) -> Plan:
    missing = [c for c in mapping.required_columns() if c not in header]
    if missing:
        raise UserError(f"{path}: missing column(s) {', '.join(repr(c) for c in missing)} named by mapping "
                        f"{mapping.name!r}; is this the right mapping for this file?{delimiter_hint(path)}")
    doubled = sorted({c for c in mapping.required_columns() if header.count(c) > 1})
    if doubled:
        raise UserError(f"{path}: column(s) {', '.join(doubled)} appear more than once in the header")
    return Plan(mapping=mapping, catalogue=catalogue, provider=overrides["provider"], service=overrides["service"],
                channel=overrides["channel"], stage=overrides["stage"],
                index={c: header.index(c) for c in mapping.read_columns()}, width=len(header),
                missing=frozenset(m.casefold() for m in mapping.missing_values), window=window or DateWindow())


def chunks(path: Path, mapping: Mapping, catalogue: Catalogue, overrides: dict,
           window: DateWindow | None = None) -> Iterator[Chunk]:
    plan = make_plan(path, mapping, catalogue, read_header(path), overrides, window)
    key_index = plan.index[mapping.response_key]
    first_seen: dict[str, int] = {}
    chunk = Chunk()
    for line, values in iter_records(path):
        chunk.rows_read += 1
        row, local_date, rejections = parse_row(plan, line, values)
        key = values[key_index].strip() if key_index < len(values) else ""
        if key and key in first_seen:
            row, rejections = None, [Rejection(line, mapping.response_key,
                                               f"duplicate response key {key!r}, first on line {first_seen[key]}",
                                               {mapping.response_key: key})]
        elif key:
            first_seen[key] = line
        if row:
            chunk.rows.append(row)
            chunk.as_of = max(chunk.as_of or local_date, local_date)
        chunk.rejections.extend(rejections)
        if chunk.rows_read >= CHUNK_ROWS:
            yield chunk
            chunk = Chunk()
    yield chunk


def resolve_sources(mapping: Mapping, catalogue: Catalogue, provider: str | None, service: str | None,
                    channel: str | None, stage: str | None) -> dict:
    """Where provider, service, channel and stage come from; fixed values are checked up front.

    Arguments given by the caller replace the mapping's; whatever is still missing is an error.
    """
    if channel is not None:
        normalised = normalise_channel(channel, MAPPED_CHANNELS)
        if normalised is None:
            raise UserError(f"unknown channel {channel!r}; expected a Touchpoints channel, or not_reported")
        channel = normalised
    chosen = {"provider": _fixed(provider) or mapping.provider, "service": _fixed(service) or mapping.service,
              "channel": _fixed(channel) or mapping.channel, "stage": _fixed(stage) or mapping.stage}
    absent = [k for k in ("provider", "service", "channel") if chosen[k] is None]
    if absent:
        raise UserError(f"mapping {mapping.name!r} does not say the {', '.join(absent)} of its responses; "
                        f"add {' and '.join(f'`{k}:`' for k in absent)} to the mapping or pass them when loading")
    if chosen["provider"].value is not None and chosen["service"].value is not None:
        entry = catalogue.find_service(chosen["provider"].value, chosen["service"].value)
        if entry is None:
            known = "; ".join(f"{s.provider} / {s.name}" for s in catalogue.services)
            raise UserError(f"mapping {mapping.name!r}: service {chosen['service'].value!r} of provider "
                            f"{chosen['provider'].value!r} is not in the catalog; known services: {known}")
        if chosen["stage"] is not None and chosen["stage"].value is not None and chosen["stage"].value not in entry.stages:
            raise UserError(f"mapping {mapping.name!r}: stage {chosen['stage'].value!r} is not a stage of "
                            f"{entry.name!r}; its stages: {', '.join(entry.stages)}")
    return chosen


def load(engine: Engine, path: Path, catalogue: Catalogue, mapping: Mapping | str | Path, *,
         provider: str | None = None, service: str | None = None, channel: str | None = None,
         stage: str | None = None, source: str | None = None, window: DateWindow | None = None) -> LoadReport:
    """Load one export through a mapping (a Mapping, or a mapping name or YAML path).

    ``source`` defaults to the mapping's source (or its name) and records who delivered the
    responses; a response with the same key, provider and service replaces the stored one,
    whatever its source. rows_loaded counts responses.
    """
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping)
    overrides = resolve_sources(mapping, catalogue, provider, service, channel, stage)
    source = source or mapping.key_source
    window = window or DateWindow.from_settings(catalogue.settings)
    parameters = {"mapping": mapping.model_dump(mode="json"), "overrides": [provider, service, channel, stage],
                  "stages": catalogue.stage_fingerprint(), **window_parameters(window)}
    return run_load(engine, source=source, kind=KIND, path=Path(path), parameters=parameters,
                    chunks=lambda p: chunks(p, mapping, catalogue, overrides, window),
                    write=lambda conn, run_id, rows: write_responses(conn, source, run_id, rows))
