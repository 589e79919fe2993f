"""The measure catalogue: mission goals -> objectives -> measures, and the services they cover.

Read from YAML (config/catalogue.yaml) and validated with pydantic; every mistake is reported
with the file, the key path and what was expected.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cxdash.channels import ALL, CHANNELS
from cxdash.errors import UserError
from cxdash.metrics.a11_scores import DRIVERS
from cxdash.metrics.names import name_key

_SLUG = r"^[a-z0-9][a-z0-9._-]*$"
_FY = re.compile(r"^FY\d{4}$")
QUESTIONS = ("satisfaction", "trust", *DRIVERS)
DEFAULT_PRACTICAL_CHANGE = {"percent": 0.01, "points": 0.05}  # 1 percentage point; 0.05 on the 1-5 scale


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    min_n: int = Field(30, ge=1, description="Scores from fewer responses are suppressed.")
    alpha: float = Field(0.05, gt=0, lt=1, description="Significance level for change tests.")
    sparkline_quarters: int = Field(6, ge=2, le=20)
    review_pack_after_days: int = Field(14, ge=0, le=365, description=(
        "The scheduler builds the draft review pack this many days after a quarter closes."))
    report_lag_days: int = Field(45, ge=0, le=365, description=(
        "A quarter's survey figures are due this many days after it closes (A-11 quarterly reporting: 45); "
        "a measure without this quarter's figure says when the next one is due."))
    earliest_date: dt.date = Field(dt.date(1990, 1, 1), description=(
        "Loaders reject a row dated before this day (a typo or a placeholder such as 1900-01-01)."))
    latest_years_after_load: int = Field(1, ge=0, le=50, description=(
        "Loaders reject a row dated later than the load date plus this many years (a placeholder such as "
        "9999-01-01); computations by quarter stop there too, so one such date cannot stretch them."))


class Service(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, description="The service name as the data names it.")
    provider: str = Field(min_length=1)
    agency: str = Field(min_length=1)
    channels: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=lambda: ["start", "process", "end"], min_length=1)
    default_stage: str | None = None
    transaction_points: dict[str, str] = Field(default_factory=dict)

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, channels: list[str]) -> list[str]:
        unknown = [c for c in channels if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; expected Touchpoints channels such as {', '.join(CHANNELS[:6])}, ...")
        return channels

    @model_validator(mode="after")
    def _stages_consistent(self) -> Service:
        if len(set(self.stages)) != len(self.stages):
            raise ValueError("stages must be unique")
        if self.default_stage is not None and self.default_stage not in self.stages:
            raise ValueError(f"default_stage {self.default_stage!r} is not one of stages {self.stages}")
        bad = {tp: st for tp, st in self.transaction_points.items() if st not in self.stages}
        if bad:
            raise ValueError(f"transaction_points map to stages not in {self.stages}: {bad}")
        return self

    def stage_for(self, transaction_point: str | None) -> str:
        """The journey stage a survey collection belongs to."""
        key = (transaction_point or "").strip()
        for text, stage in self.transaction_points.items():
            if text.strip() == key:
                return stage
        return self.default_stage or UNASSIGNED_STAGE


UNASSIGNED_STAGE = "unassigned"


class MetricParams(_Strict):
    question: str = Field(description="satisfaction, trust, a driver, qN, or a generation-2 item")
    statistic: Literal["pct_agree", "mean"]
    channel: str = ALL
    stage: str = ALL

    @field_validator("question")
    @classmethod
    def _known_question(cls, question: str) -> str:
        if question in QUESTIONS or re.fullmatch(r"q([89]|1[01])", question) or re.fullmatch(r"(positive|negative)_[a-z]+", question):
            return question
        raise ValueError(f"unknown question {question!r}; expected one of {', '.join(QUESTIONS)}, q8-q11, positive_*/negative_*")

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, channel: str) -> str:
        if channel != ALL and channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected 'all' or a Touchpoints channel")
        return channel


class Thresholds(_Strict):
    at_risk_within: float = Field(ge=0, description="Short of target by at most this (in the unit) is 'at risk'.")


class Measure(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    counts: str | None = Field(None, min_length=1, description=(
        "What the number counts, in one plain line: whose answers, to which question, which answers count "
        "(e.g. 'Veterans answering 4 or 5 to the trust question, of all who answered it'). Shown on the "
        "card's detail and the measure's slide, beside the question as asked."))
    metric: Literal["a11_score"]
    params: MetricParams
    unit: Literal["percent", "points"]
    direction: Literal["higher", "lower"]
    targets: dict[str, float] = Field(default_factory=dict)
    thresholds: Thresholds
    owner: str = Field(min_length=1)
    stages: list[str] = Field(min_length=1)
    services: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    practical_change: float | None = Field(None, gt=0, description=(
        "The smallest change from the previous quarter that matters in practice, in the measure's unit "
        "(a proportion for percent: 0.01 = 1 point). A change is called a clear change only when it is "
        "statistically significant and at least this large. Default: 0.01 for percent, 0.05 for points."))

    @field_validator("targets")
    @classmethod
    def _fiscal_years(cls, targets: dict[str, float]) -> dict[str, float]:
        bad = [k for k in targets if not _FY.match(k)]
        if bad:
            raise ValueError(f"target keys must be fiscal years like FY2023, got {bad}")
        return targets

    @model_validator(mode="after")
    def _unit_matches(self) -> Measure:
        expected = "percent" if self.params.statistic == "pct_agree" else "points"
        if self.unit != expected:
            raise ValueError(f"unit must be {expected!r} for statistic {self.params.statistic!r}")
        low, high = (0.0, 1.0) if self.unit == "percent" else (1.0, 5.0)
        out = {k: v for k, v in self.targets.items() if not low <= v <= high}
        if out:
            raise ValueError(f"targets {out} outside {low}-{high} for unit {self.unit!r} (percent targets are proportions, 0.85 = 85%)")
        if self.practical_change is not None and self.practical_change > high - low:
            raise ValueError(f"practical_change {self.practical_change} is larger than the whole {self.unit!r} scale "
                             "(percent changes are proportions: 0.02 = 2 points)")
        return self

    def target_for(self, fiscal_year: int) -> float | None:
        return self.targets.get(f"FY{fiscal_year}")

    @property
    def change_threshold(self) -> float:
        """practical_change, or its default for the unit (1 point for percent, 0.05 on a 1-5 mean)."""
        if self.practical_change is not None:
            return self.practical_change
        return DEFAULT_PRACTICAL_CHANGE[self.unit]


class Objective(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)


class Goal(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    description: str = ""
    objectives: list[Objective] = Field(min_length=1)


class SegmentLabels(_Strict):
    """How one segment column (a mapping's ``segments`` entry, e.g. UserGroup) reads on a page."""

    name: str | None = Field(None, min_length=1, description="the column's name in words, e.g. 'User group'")
    values: dict[str, str] = Field(default_factory=dict, description="stored value -> its meaning, e.g. Group2: Veterans")

    @field_validator("values")
    @classmethod
    def _filled(cls, values: dict[str, str]) -> dict[str, str]:
        empty = sorted(k for k, v in values.items() if not str(v).strip())
        if empty:
            raise ValueError(f"value(s) {empty} have an empty label; give the label or leave the value out")
        return values


class Labels(_Strict):
    """Words for codes the data carries: optional questions (q8 ...) and segment values
    (Group2 ...), so no page, CSV or slide shows the code alone."""

    questions: dict[str, str] = Field(default_factory=dict, description="q8 ... or a driver item -> its label")
    segments: dict[str, SegmentLabels] = Field(default_factory=dict, description="segment column -> its labels")

    @field_validator("questions")
    @classmethod
    def _known_questions(cls, questions: dict[str, str]) -> dict[str, str]:
        bad = [q for q in questions if not (q in QUESTIONS or re.fullmatch(r"q\d+", q)
                                            or re.fullmatch(r"(positive|negative)_[a-z_]+", q))]
        if bad:
            raise ValueError(f"unknown question(s) {bad}; expected q8 and above, positive_*/negative_* items "
                             f"or one of {', '.join(QUESTIONS)}")
        empty = sorted(q for q, text in questions.items() if not str(text).strip())
        if empty:
            raise ValueError(f"question(s) {empty} have an empty label")
        return questions


class Catalogue(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    version: Literal[1]
    agency: str = Field(min_length=1)
    settings: Settings = Settings()
    services: list[Service] = Field(min_length=1)
    # May be empty: a city with case records but no survey yet names its services (Operations
    # shows their indicators) before it has survey measures; the scorecard says there are none.
    goals: list[Goal] = Field(default_factory=list)
    labels: Labels = Labels()

    @model_validator(mode="after")
    def _references(self) -> Catalogue:
        services = {s.id: s for s in self.services}
        if len(services) != len(self.services):
            raise ValueError("service ids must be unique")
        names = [(name_key(s.provider), name_key(s.name)) for s in self.services]
        if len(set(names)) != len(names):
            raise ValueError("each (provider, name) pair may be listed once (ignoring case and spacing)")
        seen: set[str] = set()
        for measure in self.measures:
            if measure.id in seen:
                raise ValueError(f"measure id {measure.id!r} is used twice")
            seen.add(measure.id)
            missing = [s for s in measure.services if s not in services]
            if missing:
                raise ValueError(f"measure {measure.id!r} names unknown service(s) {missing}; known: {sorted(services)}")
            stages = {st for s in measure.services for st in services[s].stages}
            unknown = [st for st in measure.stages if st not in stages]
            if unknown:
                raise ValueError(f"measure {measure.id!r} names stage(s) {unknown} that none of its services has")
        return self

    @property
    def measures(self) -> list[Measure]:
        return [m for g in self.goals for o in g.objectives for m in o.measures]

    def measure(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def service(self, service_id: str) -> Service:
        return next(s for s in self.services if s.id == service_id)

    def find_service(self, provider: str, name: str) -> Service | None:
        """The catalogue entry for a service as the data names it (provider and name, matched by
        name_key: case and spacing do not matter)."""
        key = (name_key(provider), name_key(name))
        return next((s for s in self.services if (name_key(s.provider), name_key(s.name)) == key), None)

    def services_named(self, provider: str, service: str) -> list[Service]:
        """The services in a filter scope ('all' for either part), matched by name_key."""
        return [s for s in self.services
                if (provider == ALL or name_key(s.provider) == name_key(provider))
                and (service == ALL or name_key(s.name) == name_key(service))]

    def stage_fingerprint(self) -> str:
        """Changes when the way loaders assign journey stages changes (a reload re-stages rows)."""
        import hashlib
        import json
        rules = [(s.provider, s.name, s.stages, s.default_stage, s.transaction_points) for s in self.services]
        return hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()[:16]

    def goal_of(self, measure_id: str) -> tuple[Goal, Objective]:
        for g in self.goals:
            for o in g.objectives:
                if any(m.id == measure_id for m in o.measures):
                    return g, o
        raise KeyError(measure_id)


def _key_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    """One line per problem: file: key.path: what was expected."""
    lines = []
    for item in error.errors():
        loc = tuple(p for p in item["loc"] if p not in ("function-after[_stages_consistent(), Service]",))
        message = item["msg"].removeprefix("Value error, ")
        # a bad dict key is reported at "questions.NAME", not "questions.NAME.[key]"
        lines.append(f"{source}: {_key_path(loc).replace('.[key]', '')}: {message}")
    return "\n".join(lines)


def parse_yaml(path: Path) -> object:
    """The file's YAML. Config is read again wherever it is used (a page render, a scheduler tick),
    so parses are kept per file version (path, modified time, size): an edit is seen at once,
    an unchanged file is not parsed twice. Callers get their own copy."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    try:
        return copy.deepcopy(_parsed(str(path.resolve()), stat.st_mtime_ns, stat.st_size))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UserError(f"{path}:{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None


@functools.lru_cache(maxsize=64)
def _parsed(path: str, modified_ns: int, size: int) -> object:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def load_yaml_as(path: Path | str, model: type[BaseModel]):
    """Read a YAML file into a pydantic model; any mistake is a UserError naming file and key path."""
    path = Path(path)
    data = parse_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UserError(format_validation_error(str(path), exc)) from None


def load_catalogue(path: Path | str) -> Catalogue:
    return load_yaml_as(path, Catalogue)
