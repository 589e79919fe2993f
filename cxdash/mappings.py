"""Column mappings: how any survey export's columns become responses and answers.

A mapping is a YAML file in config/mappings/ (see touchpoints-form-a11.yaml). It names the
column holding each response's key and submission time, where provider, service, channel and
stage come from (a fixed value, or a column with an optional value map), which columns hold
which A-11 questions on which scale, and which columns are deliberately not stored. Only
mapped columns are ever read into the database: free text never is.
"""
from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cxdash import paths
from cxdash.catalogue import QUESTIONS, Labels, SegmentLabels, load_yaml_as, parse_yaml
from cxdash.channels import MAPPED_CHANNELS, NOT_REPORTED, TOUCHPOINTS_CHANNELS
from cxdash.errors import UserError
from cxdash.kinds import CASE_OUTCOMES
from cxdash.metrics.a11_scores import QUESTION_NAMES

KIND = "survey-responses"
DEFAULT_TIMEZONE = "America/New_York"
_OPTIONAL_Q = re.compile(r"^q([89]|[1-9]\d+)$")
_DRIVER_ITEM = re.compile(r"^(positive|negative)_[a-z]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; expected an IANA name such as America/New_York or UTC") from None
    return name


def _question(name: str) -> str:
    if name in QUESTIONS or _OPTIONAL_Q.match(name) or _DRIVER_ITEM.match(name):
        return name
    numbered = re.fullmatch(r"q([1-7])", name)
    hint = f" (q{numbered.group(1)} is named {QUESTION_NAMES[int(numbered.group(1))]!r})" if numbered else ""
    raise ValueError(f"unknown question {name!r}{hint}; expected one of {', '.join(QUESTIONS)}, "
                     "q8 and above, or positive_*/negative_* driver items")


TimeZone = Annotated[str, AfterValidator(_timezone)]
QuestionName = Annotated[str, AfterValidator(_question)]


class SubmittedAt(_Strict):
    """When the response was submitted; its local date gives the fiscal quarter."""

    column: str = Field(min_length=1)
    date_format: str = Field(min_length=1, description='a strptime format, or "iso" for ISO 8601')
    timezone: TimeZone = Field(DEFAULT_TIMEZONE, description="local zone: the fiscal quarter is taken from the local date")
    input_timezone: TimeZone | None = Field(
        None, description="zone of timestamps written without a UTC offset (e.g. '... UTC' parsed with a literal "
                          "'UTC' in date_format); default: timezone")


class Source(_Strict):
    """A fixed value (``{value: computer}``) or a column, optionally with a value map and a value
    for blank cells (``blank: not_reported``): real exports leave cells empty, and without
    ``blank`` such a row is rejected."""

    value: str | None = Field(None, min_length=1)
    column: str | None = Field(None, min_length=1)
    values: dict[str, str] | None = None
    blank: str | None = Field(None, min_length=1, description=(
        "the value a blank cell of the column takes (e.g. not_reported for a channel); without it a blank "
        "cell rejects the row"))

    @model_validator(mode="after")
    def _one_of(self) -> Source:
        if (self.value is None) == (self.column is None):
            raise ValueError("give either value (a fixed value) or column (a column of the file), not both or neither")
        if self.values is not None and self.column is None:
            raise ValueError("values (a value map) goes with column, not with a fixed value")
        if self.blank is not None and self.column is None:
            raise ValueError("blank (the value of a blank cell) goes with column, not with a fixed value")
        if self.values is not None and any(not k.strip() for k in self.values):
            raise ValueError("a value map cannot map a blank cell (cells are read without surrounding spaces); "
                             "give the value of blank cells as blank: (e.g. blank: not_reported)")
        return self

    def targets(self) -> list[str]:
        """Every value this source can produce (before any per-row checks)."""
        if self.value is not None:
            return [self.value]
        return list((self.values or {}).values()) + ([self.blank] if self.blank is not None else [])


def _channel_source(source: Source | None) -> Source | None:
    """Touchpoints channels, or not_reported: a case whose channel the export does not know
    (UNKNOWN, or a blank cell) is counted apart, never guessed into a channel."""
    if source is not None:
        bad = [t for t in source.targets() if t not in MAPPED_CHANNELS]
        if bad:
            raise ValueError(f"channel(s) {bad} are not Touchpoints channels; expected one of "
                             f"{', '.join(TOUCHPOINTS_CHANNELS)}, or {NOT_REPORTED} where the export does not say")
    return source


class Question(_Strict):
    column: str = Field(min_length=1)
    scale: Literal["5pt", "binary"]
    wording: str | None = Field(None, min_length=1, description="the statement as asked, kept with every answer")


class _ExportMapping(_Strict):
    """What every mapping has: a name, the source name its loads are recorded under, the columns
    deliberately not stored, and the columns it reads (a column may not be both read and ignored)."""

    name: str = Field(min_length=1)
    source: str | None = Field(
        None, min_length=1, description="the source name loads are recorded under (default: name); facts are "
                                        "identified by their natural keys whatever the source")
    ignore: list[str] = Field(default_factory=list, description="columns deliberately not stored")

    @property
    def key_source(self) -> str:
        return self.source or self.name

    def read_columns(self) -> list[str]:
        """The columns whose values are read into the database (or into a rejection)."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _not_both_read_and_ignored(self):
        both = sorted(set(self.ignore) & set(self.read_columns()))
        if both:
            raise ValueError(f"column(s) {both} are both mapped and listed under ignore")
        return self


class Mapping(_ExportMapping):
    kind: Literal["survey-responses"]
    response_key: str = Field(min_length=1, description="the column identifying a response")
    submitted_at: SubmittedAt
    provider: Source | None = None
    service: Source | None = None
    channel: Annotated[Source | None, AfterValidator(_channel_source)] = None
    stage: Source | None = None
    questions: dict[QuestionName, Question] = Field(min_length=1)
    segments: list[str] = Field(default_factory=list, description=(
        "columns holding a customer segment (user group, region, ...): stored per response, so scores "
        "can be compared between segments; the column name is the segment's name"))
    segment_labels: dict[str, SegmentLabels] = Field(default_factory=dict, description=(
        "segment column -> its name and the meaning of its values (Group2: Veterans), as the export's "
        "form defines them; the catalog's labels, where given, win"))
    missing_values: list[str] = Field(
        default_factory=lambda: ["null", "nan", "NA", "N/A"],
        description="answer cells read as missing besides blanks (compared case-insensitively)")

    @field_validator("questions")
    @classmethod
    def _distinct_columns(cls, questions: dict[str, Question]) -> dict[str, Question]:
        columns = [q.column for q in questions.values()]
        doubled = sorted({c for c in columns if columns.count(c) > 1})
        if doubled:
            raise ValueError(f"column(s) {doubled} mapped to more than one question")
        return questions

    @model_validator(mode="after")
    def _labels_of_segments(self) -> Mapping:
        unknown = sorted(set(self.segment_labels) - set(self.segments))
        if unknown:
            raise ValueError(f"segment_labels names column(s) {unknown} that are not under segments {self.segments}")
        return self

    def read_columns(self) -> list[str]:
        """The columns whose values are read into the database (or into a rejection)."""
        columns = [self.response_key, self.submitted_at.column]
        columns += [s.column for s in (self.provider, self.service, self.channel, self.stage) if s and s.column]
        columns += [q.column for q in self.questions.values()]
        columns += self.segments
        return list(dict.fromkeys(columns))

    def required_columns(self) -> list[str]:
        """Columns the file's header must have."""
        return self.read_columns()


def available_mappings() -> list[str]:
    """Every mapping name: the agency's folder's and the shipped ones."""
    return sorted({p.stem for folder in paths.config_dirs() for p in (folder / "mappings").glob("*.yaml")})


def mapping_path(name_or_path: str | Path) -> Path:
    """A path to a YAML file as given, or NAME looked up as mappings/NAME.yaml in the agency's
    configuration folder, then in the shipped defaults."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        path = Path(name_or_path)
        in_dir = paths.config_file(f"mappings/{path.name}")
        return in_dir if not path.exists() and path.name == text and in_dir.is_file() else path
    path = paths.config_file(f"mappings/{text}.yaml")
    if not path.is_file():
        available = available_mappings()
        raise UserError(f"unknown mapping {text!r}; available mappings: "
                        f"{', '.join(available) if available else '(none)'}")
    return path


def load_mapping(name_or_path: str | Path) -> Mapping:
    return load_yaml_as(mapping_path(name_or_path), Mapping)


def with_mapping_labels(labels: Labels) -> Labels:
    """The catalog's labels, with the segment labels of every survey-responses mapping added
    where the catalog gives none (a value the catalog labels keeps the catalog's words)."""
    segments = {}
    for name in available_mappings():
        data = parse_yaml(mapping_path(name))
        if isinstance(data, dict) and data.get("kind") == KIND and data.get("segment_labels"):
            for column, entry in load_mapping(name).segment_labels.items():
                kept = segments.get(column)
                segments[column] = entry if kept is None else SegmentLabels(
                    name=kept.name or entry.name, values={**entry.values, **kept.values})
    for column, entry in labels.segments.items():
        kept = segments.get(column)
        segments[column] = entry if kept is None else SegmentLabels(
            name=entry.name or kept.name, values={**kept.values, **entry.values})
    return labels.model_copy(update={"segments": segments})



CASES_KIND = "cases"
Outcome = Literal[CASE_OUTCOMES]


class CaseMapping(_ExportMapping):
    """How a case or service-request export becomes case records (kind: cases).

    provider, service, channel and stage are each a fixed value or a column with an optional
    value map; stage usually maps status codes onto journey stages. Times are read in their
    local zone: the fiscal quarter and the days to close come from local dates.
    """

    kind: Literal["cases"]
    case_key: str = Field(min_length=1)
    provider: Source
    service: Source
    channel: Annotated[Source, AfterValidator(_channel_source)]
    stage: Source
    status: str | None = Field(None, min_length=1, description="status column, kept as text")
    created_at: SubmittedAt
    due_at: SubmittedAt | None = None
    closed_at: SubmittedAt | None = None
    status_at: SubmittedAt | None = Field(None, description=(
        "when the status was set: a terminal status ends the case then (default: the closed time)"))
    terminal_statuses: dict[str, Outcome] = Field(default_factory=dict, description=(
        "status -> how it ends the case: completed or transferred (counted in time to complete and on-time "
        "rate), cancelled or duplicate (counted on their own, never as completed); without it a closed time "
        "ends a case as completed"))
    time_unit: Literal["days", "hours", "auto"] = Field("days", description=(
        "the unit of time to complete: days, hours (a service that works in hours), or auto (hours when the "
        "median time to complete of the source's cases is under two days)"))

    @model_validator(mode="after")
    def _statuses_need_a_status(self) -> CaseMapping:
        if (self.terminal_statuses or self.status_at) and not self.status:
            raise ValueError("terminal_statuses and status_at need status: the column holding each case's status")
        blank = [s for s in self.terminal_statuses if not s.strip()]
        if blank:
            raise ValueError("terminal_statuses cannot list a blank status")
        return self

    def read_columns(self) -> list[str]:
        columns = [self.case_key, self.created_at.column]
        columns += [t.column for t in (self.due_at, self.closed_at, self.status_at) if t]
        columns += [s.column for s in (self.provider, self.service, self.channel, self.stage) if s.column]
        columns += [self.status] if self.status else []
        return list(dict.fromkeys(columns))



CONTACTS_KIND = "contacts"


class AnswerTime(_Strict):
    """Where the answer time comes from: an average per answered contact, or a total."""

    column: str = Field(min_length=1)
    measure: Literal["average", "total"] = "average"
    unit: Literal["seconds", "minutes", "hh:mm:ss"] = "seconds"


class ContactMapping(_ExportMapping):
    """How a contact-center interval export becomes contact intervals (kind: contacts).

    One row is one queue's interval (half hour, day, ...). Counts may carry thousands
    separators. First-contact resolution is a count of contacts resolved at first contact
    out of the contacts whose resolution is known (both columns, or neither).
    """

    kind: Literal["contacts"]
    interval_key: list[str] = Field(min_length=1, description="columns that together identify a row")
    interval_start: SubmittedAt
    provider: Source
    service: Source
    channel: Annotated[Source, AfterValidator(_channel_source)]
    stage: Source
    queue: str | None = Field(None, min_length=1, description="queue or skill column, kept as text")
    offered: str = Field(min_length=1)
    answered: str = Field(min_length=1)
    abandoned: str = Field(min_length=1)
    answer_time: AnswerTime | None = None
    resolved_first_contact: str | None = Field(None, min_length=1)
    resolution_known: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _resolution_pair(self) -> ContactMapping:
        if (self.resolved_first_contact is None) != (self.resolution_known is None):
            raise ValueError("give both resolved_first_contact and resolution_known, or neither")
        return self

    def read_columns(self) -> list[str]:
        columns = [*self.interval_key, self.interval_start.column, self.offered, self.answered, self.abandoned]
        columns += [s.column for s in (self.provider, self.service, self.channel, self.stage) if s.column]
        columns += [c for c in (self.queue, self.resolved_first_contact, self.resolution_known) if c]
        columns += [self.answer_time.column] if self.answer_time else []
        return list(dict.fromkeys(columns))


FEEDBACK_KIND = "feedback"


class FeedbackMapping(_ExportMapping):
    """How complaints, comments or survey free text become feedback items (kind: feedback).

    The text is redacted of personal information before it is stored; only the columns named
    here are read.
    """

    kind: Literal["feedback"]
    item_key: str = Field(min_length=1, description="the column identifying an item")
    received_at: SubmittedAt
    text: str = Field(min_length=1, description="the free-text column")
    feedback_kind: Source = Field(default_factory=lambda: Source(value="comment"),
                                  description="complaint, comment, compliment, survey free text ...")
    provider: Source
    service: Source
    channel: Annotated[Source, AfterValidator(_channel_source)]
    stage: Source
    blank_text: Literal["reject", "skip"] = Field(
        "reject", description="a row without text: reject it (a complaint with no words is an error) or skip it "
                              "(an optional survey comment left blank)")

    def read_columns(self) -> list[str]:
        columns = [self.item_key, self.received_at.column, self.text]
        columns += [s.column for s in (self.feedback_kind, self.provider, self.service, self.channel, self.stage)
                    if s.column]
        return list(dict.fromkeys(columns))


EMPLOYEE_KIND = "employee"


class UnitServices(_Strict):
    """The provider an organizational unit is, and the services it delivers (none: all of them)."""

    provider: str = Field(min_length=1)
    services: list[str] = Field(default_factory=list)


class EmployeeMapping(_ExportMapping):
    """How an employee-survey index export, wide by year, becomes employee indices (kind: employee).

    Columns are named ``<base>_<year>`` (e.g. ``Global Satisfaction_2022``). Index values are
    proportions (0-1) or percentages (0-100). Units map to the provider and services they
    deliver; a unit not mapped is still stored, under its own name with service 'all'.
    """

    kind: Literal["employee"]
    unit_name: str = Field(min_length=1)
    unit_code: str = Field(min_length=1)
    year_separator: str = Field("_", min_length=1)
    years: list[int] = Field(min_length=1, description="the survey years whose columns are read")
    reporting_level: str | None = Field(None, min_length=1, description="base name, e.g. 'Reporting Level'")
    respondents: str | None = Field(None, min_length=1, description="base name, e.g. 'Response Count'")
    indices: dict[str, str] = Field(min_length=1, description="indicator id -> base column name")
    value_scale: Literal["proportion", "percent"] = "proportion"
    fielded_quarter: int = Field(3, ge=1, le=4, description="fiscal quarter in which the survey is fielded")
    units: dict[str, UnitServices] = Field(default_factory=dict, description="unit code -> provider and services")

    def year_column(self, base: str, year: int) -> str:
        return f"{base}{self.year_separator}{year}"

    def read_columns(self) -> list[str]:
        bases = [b for b in (self.respondents, self.reporting_level) if b] + list(self.indices.values())
        columns = [self.unit_code, self.unit_name]
        columns += [self.year_column(base, year) for year in self.years for base in bases]
        return list(dict.fromkeys(columns))


PUBLISHED_KIND = "published"
PublishedUnit = Literal["points", "percent", "people"]
_INDICATOR_ID = r"^[a-z][a-z0-9_]*$"


def _published_channel(source: Source) -> Source:
    """A Touchpoints channel, or 'all' (a published figure usually covers every channel)."""
    bad = [t for t in source.targets() if t not in (*TOUCHPOINTS_CHANNELS, "all")]
    if bad:
        raise ValueError(f"channel(s) {bad} are neither Touchpoints channels nor 'all'; expected one of "
                         f"{', '.join(TOUCHPOINTS_CHANNELS)} or all")
    return source


class PublishedColumn(_Strict):
    """One column holding one indicator (wide layout)."""

    column: str = Field(min_length=1)
    unit: PublishedUnit


class PublishedLong(_Strict):
    """One row per indicator (long layout): a column names the figure, another holds its value."""

    name_column: str = Field(min_length=1)
    value_column: str = Field(min_length=1)
    wording_column: str | None = Field(None, min_length=1, description="the statement as asked, kept per value")
    names: dict[str, Annotated[str, Field(pattern=_INDICATOR_ID)]] = Field(
        min_length=1, description="published name -> indicator id; a name not listed is rejected")
    unit: PublishedUnit


class PublishedMapping(_ExportMapping):
    """How published aggregate figures (e.g. performance.gov) become stored values (kind: published).

    Such files give means, rates and counts per fiscal quarter, not responses, so they are
    stored as published and never combined. Units: points (a mean on the 1-5 scale), percent
    (a percentage 0-100, '%' optional, stored as a proportion 0-1), people (a count).
    Give either ``values`` (wide: one column per indicator) or ``long``.
    """

    kind: Literal["published"]
    provider: Source
    service: Source
    channel: Annotated[Source, AfterValidator(_published_channel)] = Field(default_factory=lambda: Source(value="all"))
    stage: Source = Field(default_factory=lambda: Source(value="all"))
    fiscal_year: str = Field(min_length=1, description="column of the federal fiscal year, e.g. 2020")
    fiscal_quarter: str = Field(min_length=1, description="column of the fiscal quarter, 1-4")
    values: dict[Annotated[str, Field(pattern=_INDICATOR_ID)], PublishedColumn] | None = None
    long: PublishedLong | None = None
    missing_values: list[str] = Field(default_factory=lambda: ["No Data", "N/A"],
                                      description="value cells read as missing besides blanks (case-insensitive)")

    @model_validator(mode="after")
    def _one_layout(self) -> PublishedMapping:
        if (self.values is None) == (self.long is None):
            raise ValueError("give either values (one column per indicator) or long (one row per indicator)")
        if self.values is not None and not self.values:
            raise ValueError("values needs at least one indicator")
        return self

    def read_columns(self) -> list[str]:
        columns = [self.fiscal_year, self.fiscal_quarter]
        columns += [s.column for s in (self.provider, self.service, self.channel, self.stage) if s.column]
        if self.values is not None:
            columns += [v.column for v in self.values.values()]
        if self.long is not None:
            columns += [c for c in (self.long.name_column, self.long.value_column, self.long.wording_column) if c]
        return list(dict.fromkeys(columns))


MAPPING_MODELS = {KIND: Mapping, CASES_KIND: CaseMapping, CONTACTS_KIND: ContactMapping,
                  FEEDBACK_KIND: FeedbackMapping, EMPLOYEE_KIND: EmployeeMapping, PUBLISHED_KIND: PublishedMapping}


def load_any_mapping(name_or_path: str | Path):
    """A mapping of any kind, chosen by its ``kind`` key."""
    path = mapping_path(name_or_path)
    data = parse_yaml(path)
    kind = data.get("kind") if isinstance(data, dict) else None
    model = MAPPING_MODELS.get(kind)
    if model is None:
        raise UserError(f"{path}: kind {kind!r} is not one of {', '.join(MAPPING_MODELS)}")
    return load_yaml_as(path, model)
