"""Generation-1 A-11 quarterly counts: the Touchpoints ``omb_cx_reporting_collections`` export.

One CSV row is one service x channel x fiscal quarter collection with, per question, the count
at each point of the 5-point scale, the wording asked, and the published mean point scale.
Rows are stored one per question asked (a question with all counts 0 was not asked).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine

from cxdash.catalogue import UNASSIGNED_STAGE, Catalogue
from cxdash.channels import CHANNELS, NOT_REPORTED, normalise_channel
from cxdash.db.models import A11QuarterlyCount
from cxdash.loaders import natural_keys
from cxdash.loaders.csv_reader import iter_rows, read_header, require_columns, row_problem_field, row_width_problem
from cxdash.loaders.fields import DateWindow, blank_to_none, whole_number
from cxdash.loaders.mapped_rows import RowProblem, fitted, window_parameters
from cxdash.loaders.runner import Chunk, LoadReport, Rejection, run_load
from cxdash.metrics.a11_scores import POINTS, question_name
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "a11-quarterly"
QUESTIONS = range(1, 12)
PREFIX = "attributes_"
CHUNK_ROWS = 2000


def _range(low: float, high: float):
    def check(value):
        if value is not None and not low <= value <= high:
            raise ValueError(f"expected a value from {low:g} to {high:g}, got {value:g}")
        return value
    return AfterValidator(check)


Text = Annotated[str | None, BeforeValidator(blank_to_none)]
Count = Annotated[int, BeforeValidator(lambda v: whole_number(v) if blank_to_none(v) is not None else 0), Field(ge=0)]
Volume = Annotated[int | None, BeforeValidator(whole_number), _range(0, float("inf"))]


class QuarterlyRecord(BaseModel):
    """The columns of one collection row that are not per-question."""

    model_config = ConfigDict(extra="ignore")
    id: Annotated[str, BeforeValidator(blank_to_none)]
    attributes_organization_name: Text = None
    attributes_organization_abbreviation: Text = None
    attributes_service_provider_name: Annotated[str, BeforeValidator(blank_to_none)]
    attributes_service_name: Annotated[str, BeforeValidator(blank_to_none)]
    attributes_service_provided: Text = None
    attributes_transaction_point: Text = None
    attributes_collection_year: Annotated[int, BeforeValidator(whole_number), Field(ge=2000, le=2100)]
    attributes_collection_quarter: Annotated[int, BeforeValidator(whole_number), Field(ge=1, le=4)]
    attributes_channel: Text = None
    attributes_volume_of_customers: Volume = None
    attributes_volume_of_customers_provided_survey_opportunity: Volume = None
    attributes_volume_of_respondents: Volume = None

    @field_validator("attributes_service_provider_name", "attributes_service_name")
    @classmethod
    def _single_spaces(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("attributes_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str:
        if value is None:
            return NOT_REPORTED
        channel = normalise_channel(value, CHANNELS)
        if channel is None:
            raise ValueError(f"unknown channel {value!r}; expected a Touchpoints channel (computer, mobile, email, phone, ...) or mixed")
        return channel


class QuestionCounts(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: Text = None
    n_1: Count
    n_2: Count
    n_3: Count
    n_4: Count
    n_5: Count
    point_scale: Annotated[float | None, BeforeValidator(blank_to_none), _range(1, 5)] = None


REQUIRED = [f"{PREFIX}{c}" for c in ("service_provider_name", "service_name", "collection_year",
                                      "collection_quarter", "channel")] + ["id"] + [
    f"{PREFIX}q{q}_{k}" for q in (1, 2) for k in POINTS]


def _question_fields(row: dict[str, str], q: int) -> dict[str, str]:
    base = f"{PREFIX}q{q}_"
    fields = {f"n_{k}": row.get(f"{base}{k}", "") for k in POINTS}
    fields["text"] = row.get(f"{base}text", "")
    fields["point_scale"] = row.get(f"{base}point_scale", "")
    return fields


def _column_for(q: int | None, loc: tuple) -> str:
    name = str(loc[0]) if loc else "(row)"
    if q is None:
        return name
    return f"{PREFIX}q{q}_{name.removeprefix('n_')}" if name.startswith("n_") else f"{PREFIX}q{q}_{name}"


def parse_row(line: int, row: dict[str, str], catalogue: Catalogue | None,
              window: DateWindow | None = None) -> tuple[list[dict], list[Rejection]]:
    """Validate one CSV row; return its question rows, or the reasons it was kept aside.

    A valid collection with no responses (every count 0) yields no rows and no rejection; one
    whose quarter lies outside ``window`` (default DateWindow()) is rejected.
    """
    problems: list[Rejection] = []
    problem = row_width_problem(row)
    if problem:
        field = row_problem_field(row)
        return [], [Rejection(line, field, problem, {} if field != "(row)" else row)]
    try:
        record = QuarterlyRecord.model_validate(row)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Rejection(line, _column_for(None, err["loc"]), err["msg"].removeprefix("Value error, "), row))
        record = None
    questions: list[tuple[int, QuestionCounts]] = []
    for q in QUESTIONS:
        try:
            questions.append((q, QuestionCounts.model_validate(_question_fields(row, q))))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Rejection(line, _column_for(q, err["loc"]), err["msg"].removeprefix("Value error, "), row))
    if problems or record is None:
        return [], problems

    quarter = FiscalQuarter(record.attributes_collection_year, record.attributes_collection_quarter)
    outside = (window or DateWindow()).quarter_problem(quarter.start, quarter.end)
    if outside:
        return [], [Rejection(line, f"{PREFIX}collection_year", f"{quarter.label}: {outside}", row)]
    provider = record.attributes_service_provider_name
    service = record.attributes_service_name
    entry = catalogue.find_service(provider, service) if catalogue else None
    stage = entry.stage_for(record.attributes_transaction_point) if entry else UNASSIGNED_STAGE
    common = {
        "record_key": record.id, "line": line, "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
        "agency": record.attributes_organization_abbreviation or record.attributes_organization_name or provider,
        "provider": provider, "service": service, "service_provided": record.attributes_service_provided,
        "transaction_point": record.attributes_transaction_point, "channel": record.attributes_channel, "stage": stage,
        "volume_customers": record.attributes_volume_of_customers,
        "volume_offered": record.attributes_volume_of_customers_provided_survey_opportunity,
        "volume_respondents": record.attributes_volume_of_respondents,
    }
    try:
        fitted(common, A11QuarterlyCount, {"record_key": "id", "provider": f"{PREFIX}service_provider_name",
                                           "service": f"{PREFIX}service_name", "agency": f"{PREFIX}organization_abbreviation"})
    except RowProblem as problem:
        return [], [Rejection(line, problem.column, problem.reason, row)]
    out = []
    for q, counts in questions:
        if counts.n_1 + counts.n_2 + counts.n_3 + counts.n_4 + counts.n_5 == 0:
            continue  # not asked: all counts 0 and no published score
        out.append({**common, "question_no": q, "question": question_name(q), "question_text": counts.text,
                    "n_1": counts.n_1, "n_2": counts.n_2, "n_3": counts.n_3, "n_4": counts.n_4, "n_5": counts.n_5,
                    "published_point_scale": counts.point_scale})
    return out, []


def chunks(path: Path, catalogue: Catalogue | None, window: DateWindow | None = None) -> Iterator[Chunk]:
    require_columns(path, read_header(path), REQUIRED)
    chunk = Chunk()
    first_seen: dict[str, int] = {}
    for line, row in iter_rows(path):
        chunk.rows_read += 1
        rows, rejections = parse_row(line, row, catalogue, window)
        if rows:
            key = rows[0]["record_key"]
            if key in first_seen:
                rows, rejections = [], [Rejection(line, "id", f"duplicate id {key!r}, first on line {first_seen[key]}", row)]
            else:
                first_seen[key] = line
        chunk.rows.extend(rows)
        chunk.rejections.extend(rejections)
        if not rows and not rejections:
            chunk.accepted_without_data += 1
        if rows:
            end = FiscalQuarter(rows[0]["fiscal_year"], rows[0]["fiscal_quarter"]).end
            chunk.as_of = max(chunk.as_of or end, end)
        if chunk.rows_read >= CHUNK_ROWS:
            yield chunk
            chunk = Chunk()
    yield chunk


def write(conn: Connection, source: str, run_id: int, rows: list[dict]) -> int:
    """Replace every stored question of the same records, whoever delivered them, then insert: a
    re-run or a second source never adds, and a question no longer asked goes."""
    keys = {r["record_key"] for r in rows}
    natural_keys.delete_where_in(conn, A11QuarterlyCount, "record_key", keys)
    natural_keys.insert_rows(conn, A11QuarterlyCount, source, run_id, rows)
    return len(keys)


def load(engine: Engine, path: Path, catalogue: Catalogue | None, source: str = KIND) -> LoadReport:
    """Load one quarterly export. rows_loaded counts collections (CSV rows), not questions."""
    window = DateWindow.from_settings(catalogue.settings) if catalogue else DateWindow()
    parameters = {"stages": catalogue.stage_fingerprint() if catalogue else None, **window_parameters(window)}
    return run_load(engine, source=source, kind=KIND, path=Path(path), parameters=parameters,
                    chunks=lambda p: chunks(p, catalogue, window),
                    write=lambda conn, run_id, rows: write(conn, source, run_id, rows))
