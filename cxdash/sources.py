"""Configured sources: where each export lives, how it is read, when it is fetched, and how
often new data is expected (config/sources.yaml).

A source names its loader kind, its location (a file glob, an Excel sheet, or a SQL query
against any SQLAlchemy URL), its mapping or load options, a cron schedule and a cadence.
Running a source loads every file it resolves to (each in its own transaction), records a
job_run row with the outcome, and recomputes when new data arrived.
"""
from __future__ import annotations

import datetime as dt
import glob
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from cxdash import paths
from cxdash.catalogue import Catalogue, load_yaml_as
from cxdash.db import queries
from cxdash.errors import UserError
from cxdash.kinds import LOAD_KINDS, MAPPED_KINDS
from cxdash.mappings import TimeZone
from cxdash.permissions import Principal

log = logging.getLogger(__name__)

CADENCE_DAYS = {"daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92, "yearly": 366}
_CADENCE = re.compile(r"^(daily|weekly|monthly|quarterly|yearly|\d+(\.\d+)? days?)$")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Strict):
    """Exactly one of: ``files`` (a glob), ``excel`` (a path or glob, with ``sheet``), or ``sql``
    (a query, with ``url``). Relative paths are relative to the sources file's folder; ``${VAR}``
    in a URL is read from the environment, so no password lives in config."""

    files: str | None = Field(None, min_length=1)
    excel: str | None = Field(None, min_length=1)
    sheet: str | int = 0
    sql: str | None = Field(None, min_length=1)
    url: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> Location:
        given = [k for k in ("files", "excel", "sql") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of files (a glob), excel (a workbook) or sql (a query)")
        if self.sql and not self.url:
            raise ValueError("a sql location needs url (a SQLAlchemy URL; use ${VAR} for secrets)")
        if self.url and not self.sql:
            raise ValueError("url goes with sql")
        return self

    def describe(self) -> str:
        if self.files:
            return self.files
        if self.excel:
            return f"{self.excel} [sheet {self.sheet}]"
        return f"SQL on {_ENV.sub(lambda m: '${' + m.group(1) + '}', self.url)}"


def cron_trigger(expression: str, timezone: str):
    """An APScheduler CronTrigger from 5 fields (minute hour day month weekday) or 6 (with
    seconds first)."""
    from apscheduler.triggers.cron import CronTrigger
    fields = expression.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(expression, timezone=timezone)
    if len(fields) == 6:
        second, minute, hour, day, month, day_of_week = fields
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=day_of_week, timezone=timezone)
    raise ValueError(f"cron expression {expression!r} has {len(fields)} fields; expected 5 "
                     "(minute hour day month weekday) or 6 (second first)")


class SourceConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    kind: Literal[LOAD_KINDS]
    description: str | None = None
    location: Location
    mapping: str | None = Field(None, min_length=1, description="mapping name in config/mappings")
    options: dict[str, str] = Field(default_factory=dict, description="survey kinds: provider, service, "
                                                                       "channel, quarter, stage, trust_scale")
    schedule: str | None = Field(None, description="cron: when the scheduler loads this source (none: by hand)")
    timezone: TimeZone = "America/New_York"
    cadence: str = Field("quarterly", description="how often new data is expected: daily, weekly, monthly, "
                                                   "quarterly, yearly or 'N days'")
    grace_days: float | None = Field(None, ge=0, description=(
        "out of date only when the data end more than cadence + grace before today (default: half the cadence)"))
    retries: int = Field(2, ge=0, le=10)
    retry_delay_seconds: float = Field(60, ge=0)

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, value: str) -> str:
        if not _CADENCE.match(value):
            raise ValueError(f"cadence {value!r}: expected daily, weekly, monthly, quarterly, yearly or 'N days'")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SourceConfig:
        if self.schedule is not None:
            cron_trigger(self.schedule, self.timezone)  # raises ValueError naming the problem
        needs_mapping = self.kind in MAPPED_KINDS or self.kind == "survey-responses"
        if needs_mapping and not self.mapping:
            raise ValueError(f"a {self.kind} source needs mapping (a file in config/mappings)")
        unknown = set(self.options) - {"provider", "service", "channel", "quarter", "stage", "trust_scale"}
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}")
        return self

    @property
    def cadence_delta(self) -> dt.timedelta:
        days = CADENCE_DAYS.get(self.cadence) or float(self.cadence.split()[0])
        return dt.timedelta(days=days)

    @property
    def grace(self) -> dt.timedelta:
        """How long after a period's end its data may take to arrive (default: half the cadence)."""
        return dt.timedelta(days=self.grace_days) if self.grace_days is not None else self.cadence_delta / 2

    @property
    def late_after(self) -> dt.timedelta:
        return self.cadence_delta + self.grace


class SourcesConfig(_Strict):
    sources: list[SourceConfig] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _unique(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"source name(s) {doubled} used more than once")
        return sources


@dataclass(frozen=True)
class Sources:
    """The parsed config and the folder its relative paths start from."""

    config: SourcesConfig
    folder: Path

    def get(self, name: str) -> SourceConfig:
        for source in self.config.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.config.sources) or "(none)"
        raise UserError(f"unknown source {name!r}; configured sources: {known}")

    def __iter__(self) -> Iterator[SourceConfig]:
        return iter(self.config.sources)


def load_sources(path: Path | str) -> Sources:
    path = Path(path)
    if not path.is_file():
        return Sources(SourcesConfig(), path.parent)
    return Sources(load_yaml_as(path, SourcesConfig), path.parent.resolve())


@contextmanager
def resolved_files(source: SourceConfig, folder: Path) -> Iterator[list[Path]]:
    """The CSV files a source's location stands for right now (Excel sheets and SQL results
    are written to CSV in a temporary folder, removed afterwards)."""
    where = source.location
    if where.files:
        sample = paths.sample_file(where.files)
        pattern = str(sample) if sample else where.files if Path(where.files).is_absolute() else str(folder / where.files)
        found = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if not found:
            raise UserError(f"source {source.name}: no file matches {pattern}")
        yield found
        return
    import pandas as pd
    with tempfile.TemporaryDirectory(prefix=f"cxdash-{source.name}-") as tmp:
        out: list[Path] = []
        if where.excel:
            pattern = where.excel if Path(where.excel).is_absolute() else str(folder / where.excel)
            books = sorted(Path(p) for p in glob.glob(pattern))
            if not books:
                raise UserError(f"source {source.name}: no workbook matches {pattern}")
            for book in books:
                try:
                    frame = pd.read_excel(book, sheet_name=where.sheet, dtype=str)
                except ValueError as exc:  # e.g. no such sheet
                    raise UserError(f"{book}: {exc}") from None
                out.append(Path(tmp) / f"{book.stem} [{where.sheet}].csv")
                frame.to_csv(out[-1], index=False)
        else:
            frame = _query(source)
            out.append(Path(tmp) / f"{source.name} (query).csv")
            frame.to_csv(out[-1], index=False)
        yield out


def _env(name: str, source: str) -> str:
    if name not in os.environ:
        raise UserError(f"source {source}: environment variable {name} is not set")
    return os.environ[name]


def sql_url(source: SourceConfig) -> URL:
    """The source's SQLAlchemy URL with each ${VAR} read from the environment. A value that lands
    in the user name, password or query string is percent-encoded there, so a password holding
    @, :, / or # stays the password (and never becomes part of the host in an error message)."""
    from sqlalchemy.engine import make_url
    template = source.location.url
    scheme, sep, rest = template.partition("://")
    # The authority ends at the first / or ? (a ${VAR} holds neither); its user info before the last @.
    end = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    userinfo, at, hostport = rest[:end].rpartition("@")
    path, question, query = rest[end:].partition("?")

    def fill(text: str, encode: bool) -> str:
        return _ENV.sub(lambda m: quote(_env(m.group(1), source.name), safe="") if encode
                        else _env(m.group(1), source.name), text)

    url = (fill(scheme, False) + sep + fill(userinfo, True) + at + fill(hostport, False) + fill(path, False)
           + question + fill(query, True))
    try:
        return make_url(url)
    except Exception:  # the message would show the URL, with its secrets
        raise UserError(f"source {source.name}: url {template} is not a SQLAlchemy URL "
                        "(dialect+driver://user:password@host:port/database)") from None


def _query(source: SourceConfig):
    """The source's SQL result (text columns). Any failure (driver missing, server unreachable,
    login refused, a bad query) is one line naming the source and the reason, never the password."""
    import pandas as pd
    from sqlalchemy import create_engine, text
    url = sql_url(source)
    where = url.render_as_string(hide_password=True)
    try:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return pd.read_sql(text(source.location.sql), conn, dtype=str)
        finally:
            engine.dispose()
    except Exception as exc:
        reason = _first_line(getattr(exc, "orig", None) or exc) or type(exc).__name__
        if url.password:  # a driver may echo what it was given
            for secret in {url.password, quote(url.password, safe=""), quote_plus(url.password)}:
                reason = reason.replace(secret, "***")
        raise UserError(f"source {source.name}: SQL on {where} failed: {reason}") from None


def _first_line(exc: BaseException) -> str:
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return ""


@dataclass
class SourceOutcome:
    source: str
    status: str  # succeeded (new data), unchanged, failed
    files: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str | None = None
    job_run_id: int | None = None

    def summary(self) -> str:
        text = (f"{self.source}: {self.status}; {self.files} file(s), {self.rows_loaded} rows loaded, "
                f"{self.rows_rejected} rejected")
        return text + (f" ({self.message})" if self.message else "")


def run_source(engine: Engine, catalogue: Catalogue, sources: Sources, name: str, *,
               trigger: str = "manual", attempt: int = 1, recompute: bool = True,
               who: Principal | None = None) -> SourceOutcome:
    """Load every file of one source once; record the attempt in job_run; recompute on new data.

    A file that fails leaves nothing of itself (its load is one transaction) and fails the run
    with its reason; the other files still load.
    """
    from cxdash.loaders.registry import file_loader
    source = sources.get(name)
    queries.fail_stopped_job_runs(engine, source.name)  # a run killed before it finished
    job_id = queries.start_job_run(engine, source.name, trigger, attempt)
    outcome = SourceOutcome(source.name, "unchanged", job_run_id=job_id)
    problems: list[str] = []
    try:
        load = file_loader(source.kind, engine, catalogue, source=source.name, mapping=source.mapping,
                           **source.options)
        with resolved_files(source, sources.folder) as files:
            for path in files:
                try:
                    report = load(path)
                except UserError as exc:
                    problems.append(str(exc))
                    continue
                outcome.files += 1
                if report.status == "succeeded":
                    outcome.status = "succeeded"
                    outcome.rows_loaded += report.rows_loaded
                    outcome.rows_rejected += report.rows_rejected
        if outcome.status == "succeeded" and recompute:
            from cxdash.compute import compute
            compute(engine, catalogue, who=who)
    except UserError as exc:
        problems.append(str(exc))
    except Exception as exc:  # anything else: recorded with its reason, never half a load
        log.exception("source %s failed", source.name)
        problems.append(f"{type(exc).__name__}: {exc}")
    if problems:
        outcome.status, outcome.message = "failed", "; ".join(problems)[:4000]
    queries.finish_job_run(engine, job_id, outcome.status, outcome.files, outcome.rows_loaded,
                           outcome.rows_rejected, outcome.message)
    return outcome


def run_source_with_retries(engine: Engine, catalogue: Catalogue, sources: Sources, name: str, *,
                            trigger: str = "manual", sleep=time.sleep, who: Principal | None = None) -> SourceOutcome:
    """run_source, tried again after the source's retry delay while it fails (retries times)."""
    source = sources.get(name)
    for attempt in range(1, source.retries + 2):
        outcome = run_source(engine, catalogue, sources, name, trigger=trigger, attempt=attempt, who=who)
        if outcome.status != "failed" or attempt > source.retries:
            return outcome
        log.warning("source %s failed (attempt %d): %s; retrying in %ss", name, attempt, outcome.message,
                    source.retry_delay_seconds)
        sleep(source.retry_delay_seconds)
    return outcome
