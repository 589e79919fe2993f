"""Tables. Facts are stored as counts or responses; computed tables hold what pages read."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class LoadRun(Base):
    """One attempt to load one file: the record behind freshness and the data quality report."""

    __tablename__ = "load_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # What else shaped the rows (service, quarter, mapping, catalogue stages): the same bytes
    # loaded with other parameters is a different load, not 'unchanged'.
    parameters: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, succeeded, unchanged, failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    data_as_of: Mapped[dt.date | None] = mapped_column(Date)
    message: Mapped[str | None] = mapped_column(Text)


class RejectedRow(Base):
    """A row kept aside with the reason, so a bad row never stops the good ones."""

    __tablename__ = "rejected_row"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    # NULL or older: redacted again at compute, which looks for such rows on every run (indexed)
    redaction_version: Mapped[str | None] = mapped_column(String(20), index=True)


class A11QuarterlyCount(Base):
    """Generation-1 A-11 quarterly counts: one row per collection (Touchpoints record) and question.

    Natural key: the Touchpoints record id and the question number. Touchpoints ids are unique
    across Touchpoints, so a record is one fact whichever source delivered it: a later delivery
    replaces all of the record's questions (``source`` says who delivered it last)."""

    __tablename__ = "a11_quarterly_count"
    NATURAL_KEY = ("record_key", "question_no")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_a11_quarterly_count_natural"),
        Index("ix_a11_quarterly_count_cell", "fiscal_year", "fiscal_quarter", "service", "channel"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    record_key: Mapped[str] = mapped_column(String(100))
    line: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    service_provided: Mapped[str | None] = mapped_column(Text)
    transaction_point: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    question_no: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(50))
    question_text: Mapped[str | None] = mapped_column(Text)
    n_1: Mapped[int] = mapped_column(BigInteger)
    n_2: Mapped[int] = mapped_column(BigInteger)
    n_3: Mapped[int] = mapped_column(BigInteger)
    n_4: Mapped[int] = mapped_column(BigInteger)
    n_5: Mapped[int] = mapped_column(BigInteger)
    published_point_scale: Mapped[float | None] = mapped_column(Numeric(4, 2))
    volume_customers: Mapped[int | None] = mapped_column(BigInteger)
    volume_offered: Mapped[int | None] = mapped_column(BigInteger)
    volume_respondents: Mapped[int | None] = mapped_column(BigInteger)


class SurveyResponse(Base):
    """One respondent's submission (generation-2 upload or any mapped export).

    Natural key: the response id within its provider and service. A response id is only unique
    within the form that collected it (an A-11 v2 upload's ``external_id`` names no service at
    all), and a form serves one service, which a response never changes; so the service keeps
    two forms' ids apart while any delivery of the same response replaces it, whatever its
    source (``source`` says who delivered it last)."""

    __tablename__ = "survey_response"
    NATURAL_KEY = ("response_key", "provider", "service")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_survey_response_natural"),
        # What the answers' foreign key refers to: a response within its counting cell.
        UniqueConstraint("cell_id", "id", name="uq_survey_response_cell_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    cell_id: Mapped[int] = mapped_column(ForeignKey("survey_cell.id"))
    response_key: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))


class SurveyCell(Base):
    """A counting cell of responses: quarter, agency, provider, service, channel and stage.

    Each response names its cell (``survey_response.cell_id``) and so does each answer, so
    counting is a GROUP BY over one narrow table of integers, with no join and no string keys.
    ``dirty`` marks a cell whose responses changed since its aggregates were computed: a load
    sets it in its own transaction and compute clears it in the one that stores the cell's new
    aggregates, so a crash in between leaves it set and the next compute redoes the cell."""

    __tablename__ = "survey_cell"
    KEY = ("fiscal_year", "fiscal_quarter", "agency", "provider", "service", "channel", "stage")
    __table_args__ = (UniqueConstraint(*KEY, name="uq_survey_cell_cell"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)
    recounted_in: Mapped[int | None] = mapped_column(Integer)  # the compute_run that last recounted it


class SurveyQuestion(Base):
    """A closed question as asked: its name, scale (5pt or binary) and wording ('' where the
    source gives none). Answers refer to it by a small integer instead of repeating the text."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("question", "scale", "wording", name="uq_survey_question_asked"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(50))
    scale: Mapped[str] = mapped_column(String(10))
    wording: Mapped[str] = mapped_column(Text, default="")


class SurveyAnswer(Base):
    """One closed answer of a response; a driver option not offered has no row (missing, not 0).

    Made for counting: four integers, keyed (cell, response, question) and stored in that
    order (SQLite WITHOUT ROWID: the key is the table), so a cell's answers lie together, a
    response's answers are one range for its pivot into the key-driver statistics, and no
    second index is needed (migration 0013)."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        ForeignKeyConstraint(["cell_id", "response_id"], ["survey_response.cell_id", "survey_response.id"],
                             ondelete="CASCADE", name="fk_survey_answer_response"),
        {"sqlite_with_rowid": False},
    )
    cell_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)


class SurveyCellCount(Base):
    """How many answers of each value a question has in a counting cell: the survey counts'
    input, kept current by compute for the dirty cells only (``cxdash.db.cell_aggregates``)."""

    __tablename__ = "survey_cell_count"
    __table_args__ = ({"sqlite_with_rowid": False},)
    cell_id: Mapped[int] = mapped_column(ForeignKey("survey_cell.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_question.id"), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class SurveyPattern(Base):
    """An answer pattern: the driver and outcome columns a response answered, '|'-joined
    (``cxdash.metrics.drivers.pattern_of``). Key-driver moments are summed within a pattern."""

    __tablename__ = "survey_pattern"
    __table_args__ = (UniqueConstraint("pattern", name="uq_survey_pattern_pattern"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pattern: Mapped[str] = mapped_column(Text)


class SurveyCellMoment(Base):
    """One sufficient statistic of the key-driver regressions (n, a sum, a cross-product: the
    column names of ``cxdash.metrics.drivers``) over a cell's responses with one answer pattern;
    zeros are not stored. Rolling windows and scopes are sums of these rows."""

    __tablename__ = "survey_cell_moment"
    __table_args__ = ({"sqlite_with_rowid": False},)
    cell_id: Mapped[int] = mapped_column(ForeignKey("survey_cell.id"), primary_key=True)
    pattern_id: Mapped[int] = mapped_column(ForeignKey("survey_pattern.id"), primary_key=True)
    statistic: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class SurveySegment(Base):
    """A response's customer segment (user group, region, ...), named by the mapping: the
    groups the equity comparison sets side by side."""

    __tablename__ = "survey_segment"
    __table_args__ = (Index("ix_survey_segment_segment", "segment", "value"),)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True)
    segment: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class ComputeInput(Base):
    """What a part of the last committed computation was computed from (a fingerprint of its
    inputs), so the next compute can keep that part when nothing under it changed."""

    __tablename__ = "compute_input"
    part: Mapped[str] = mapped_column(String(50), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ScoreCell(Base):
    """Computed A-11 scores per quarter, provider, service, channel, stage and question.

    Roll-ups carry 'all' in the rolled-up columns. Counts are kept beside the statistics so
    any later roll-up is exact. The scale is part of the key: thumbs (binary) and Likert (5pt)
    answers of one question (A-11 v2 allows either form of trust) are different measures, so a
    roll-up that reaches both keeps a cell for each (migration 0010).
    """

    __tablename__ = "score_cell"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question",
                         "scale", name="uq_score_cell_cell"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(String(50))
    scale: Mapped[str] = mapped_column(String(10))
    n_1: Mapped[int] = mapped_column(BigInteger, default=0)
    n_2: Mapped[int] = mapped_column(BigInteger, default=0)
    n_3: Mapped[int] = mapped_column(BigInteger, default=0)
    n_4: Mapped[int] = mapped_column(BigInteger, default=0)
    n_5: Mapped[int] = mapped_column(BigInteger, default=0)
    n_yes: Mapped[int] = mapped_column(BigInteger, default=0)
    n_no: Mapped[int] = mapped_column(BigInteger, default=0)
    n: Mapped[int] = mapped_column(BigInteger)
    mean: Mapped[float | None] = mapped_column(Float)
    pct_agree: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    wordings: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MeasureResult(Base):
    """A catalogue measure's value for one quarter and one filter scope, with status and change."""

    __tablename__ = "measure_result"
    __table_args__ = (
        UniqueConstraint("measure_id", "provider", "service", "channel", "fiscal_year", "fiscal_quarter",
                         name="uq_measure_result_scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(100), index=True)
    provider: Mapped[str] = mapped_column(String(300))  # 'all' or a provider
    service: Mapped[str] = mapped_column(String(500))  # 'all' or a service name
    channel: Mapped[str] = mapped_column(String(50))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(BigInteger)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    target: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    change: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    significant: Mapped[bool | None] = mapped_column(Boolean)
    wordings: Mapped[str | None] = mapped_column(Text)
    # The scale the value counts (5pt or binary). Where a scope holds both forms of the measure's
    # question, the one with more responses over the scope's quarters; other_scale_n counts the
    # responses of the other form, left out of this value (None: the scope has one form).
    scale: Mapped[str | None] = mapped_column(String(10))
    other_scale_n: Mapped[int | None] = mapped_column(BigInteger)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DriverResult(Base):
    """Key-driver analysis of one outcome (trust, satisfaction) for a scope and a rolling year
    of responses ending in the quarter: each driver's importance with its interval. The outcome's
    scale (5pt or binary) is part of the key: thumbs and Likert answers are separate models."""

    __tablename__ = "driver_result"
    __table_args__ = (
        UniqueConstraint("provider", "service", "fiscal_year", "fiscal_quarter", "outcome", "scale", "driver",
                         name="uq_driver_result_scope"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    first_year: Mapped[int] = mapped_column(Integer)  # the window's first quarter
    first_quarter: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(50))
    scale: Mapped[str] = mapped_column(String(10))  # the outcome's: 5pt or binary
    driver: Mapped[str] = mapped_column(String(50))
    method: Mapped[str] = mapped_column(String(100))
    importance: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    significant: Mapped[bool | None] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(BigInteger)
    r_squared: Mapped[float | None] = mapped_column(Float)
    adj_r_squared: Mapped[float | None] = mapped_column(Float)
    performance: Mapped[float | None] = mapped_column(Float)
    performance_n: Mapped[int] = mapped_column(BigInteger)
    quadrant: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SegmentResult(Base):
    """A score or indicator of one customer segment beside the best-served segment of its
    comparison (same quarter, scope, dimension, question and scale), with the gap's corrected test.
    A survey question's thumbs (binary) and Likert (5pt) answers are separate comparisons;
    a proportion indicator has no scale (NULL)."""

    __tablename__ = "segment_result"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "fiscal_quarter", "provider", "service", "dimension", "question",
                         "scale", "segment", name="uq_segment_result_cell"),
        Index("ix_segment_result_scope", "provider", "service", "fiscal_year", "fiscal_quarter"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    dimension: Mapped[str] = mapped_column(String(100))  # 'channel' or a segment's name
    question: Mapped[str] = mapped_column(String(100))  # a survey question or a proportion indicator
    scale: Mapped[str | None] = mapped_column(String(10))  # 5pt or binary; None for an indicator
    segment: Mapped[str] = mapped_column(String(200))
    agree: Mapped[int] = mapped_column(BigInteger)
    n: Mapped[int] = mapped_column(BigInteger)
    pct: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    is_best: Mapped[bool] = mapped_column(Boolean)
    best_segment: Mapped[str | None] = mapped_column(String(200))
    gap: Mapped[float | None] = mapped_column(Float)
    p_value: Mapped[float | None] = mapped_column(Float)
    p_adjusted: Mapped[float | None] = mapped_column(Float)
    significant: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class TrendResult(Base):
    """A score's quarter with its change on the previous quarter and year, and the trend test
    over every quarter up to it: what lets a page say 'up' only when it is more than noise. A
    question's thumbs (binary) and Likert (5pt) scores are separate series (``scale`` in the key)."""

    __tablename__ = "trend_result"
    __table_args__ = (
        UniqueConstraint("provider", "service", "channel", "question", "scale", "fiscal_year", "fiscal_quarter",
                         name="uq_trend_result_cell"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    question: Mapped[str] = mapped_column(String(50))
    scale: Mapped[str] = mapped_column(String(10))  # 5pt or binary
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    agree: Mapped[int] = mapped_column(BigInteger)
    n: Mapped[int] = mapped_column(BigInteger)
    value: Mapped[float | None] = mapped_column(Float)
    suppressed: Mapped[bool] = mapped_column(Boolean)
    qoq_change: Mapped[float | None] = mapped_column(Float)
    qoq_p: Mapped[float | None] = mapped_column(Float)
    qoq_significant: Mapped[bool | None] = mapped_column(Boolean)
    yoy_change: Mapped[float | None] = mapped_column(Float)
    yoy_p: Mapped[float | None] = mapped_column(Float)
    yoy_significant: Mapped[bool | None] = mapped_column(Boolean)
    trend_quarters: Mapped[int | None] = mapped_column(Integer)
    trend_slope: Mapped[float | None] = mapped_column(Float)
    trend_p: Mapped[float | None] = mapped_column(Float)
    trend_significant: Mapped[bool | None] = mapped_column(Boolean)
    trend_direction: Mapped[str | None] = mapped_column(String(30))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CaseRecord(Base):
    """A service request or case (transactional/operational data), one row per case.

    Local dates and whole days are stored at load time so every indicator is a portable
    GROUP BY: no date arithmetic in SQL.

    Natural key: the case id alone. A case system's ids are unique within it, and a case's
    agency, type and status change between exports (a transferred request keeps its number),
    so nothing else may be part of its identity; a later delivery replaces it, whatever its
    source (``source`` says who delivered it last)."""

    __tablename__ = "case_record"
    NATURAL_KEY = ("case_key",)
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_case_record_natural"),
        Index("ix_case_record_created", "created_date"),
        Index("ix_case_record_closed", "closed_date"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    case_key: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    status: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_date: Mapped[dt.date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    # The case's end: its closed time, or the status date of a terminal status (a cancellation
    # ends a case too); outcome says how it ended (NULL: completed, as before terminal statuses).
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_fiscal_year: Mapped[int | None] = mapped_column(Integer)
    closed_fiscal_quarter: Mapped[int | None] = mapped_column(Integer)
    days_to_close: Mapped[int | None] = mapped_column(Integer)
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(String(20))  # completed, transferred, cancelled, duplicate
    minutes_to_close: Mapped[int | None] = mapped_column(Integer)  # whole minutes: time to complete in hours
    time_unit: Mapped[str | None] = mapped_column(String(5))  # the mapping's days, hours or auto (NULL: days)


class IndicatorValue(Base):
    """Computed non-survey indicators per quarter and cell; 'all' marks a roll-up."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator", "fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage",
                         name="uq_indicator_value_cell"),
        Index("ix_indicator_value_scope", "provider", "service", "channel", "fiscal_year", "fiscal_quarter"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(100))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(30))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ContactInterval(Base):
    """Contact-center counts for one interval (e.g. 30 minutes or a day) of one queue.

    Totals, not averages, are stored (answer seconds summed over answered calls), so every
    roll-up is exact: average speed of answer = answer_seconds / answered.

    Natural key: the interval key (the mapping's key columns, e.g. interval start and queue)
    within its provider and service: queue names are only unique within one contact center,
    which serves one service. A later delivery replaces the interval, whatever its source
    (``source`` says who delivered it last)."""

    __tablename__ = "contact_interval"
    NATURAL_KEY = ("interval_key", "provider", "service")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_contact_interval_natural"),
        Index("ix_contact_interval_quarter", "fiscal_year", "fiscal_quarter"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    interval_key: Mapped[str] = mapped_column(String(300))
    line: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str | None] = mapped_column(String(200))
    interval_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    interval_date: Mapped[dt.date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    offered: Mapped[int] = mapped_column(BigInteger)
    answered: Mapped[int] = mapped_column(BigInteger)
    abandoned: Mapped[int] = mapped_column(BigInteger)
    answer_seconds: Mapped[float | None] = mapped_column(Float)
    resolved_first_contact: Mapped[int | None] = mapped_column(BigInteger)
    resolution_known: Mapped[int | None] = mapped_column(BigInteger)


class FeedbackItem(Base):
    """One piece of unprompted feedback or survey free text, stored only after redaction.

    Natural key: the item id (a complaint number, a survey response id) within its provider and
    service, since such ids are only unique within the system or form that issued them. A later
    delivery replaces the item and its computed themes, whatever its source (``source`` says
    who delivered it last)."""

    __tablename__ = "feedback_item"
    NATURAL_KEY = ("item_key", "provider", "service")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_feedback_item_natural"),
        Index("ix_feedback_item_quarter", "fiscal_year", "fiscal_quarter"),
        # compute looks for rows of another version on every run (cxdash.db.stale_rows)
        Index("ix_feedback_item_redaction_version", "redaction_version"),
        Index("ix_feedback_item_sentiment_version", "sentiment_version"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    item_key: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(50))  # complaint, comment, compliment, survey free text ...
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_date: Mapped[dt.date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    text_redacted: Mapped[str] = mapped_column(Text)
    redactions: Mapped[int] = mapped_column(Integer)  # how many personal details were removed
    # cxdash.redaction.VERSION of the rules the text went through; older (or NULL) is redacted again at compute
    redaction_version: Mapped[str | None] = mapped_column(String(20))
    sentiment: Mapped[float] = mapped_column(Float)  # -1 (most negative) .. +1
    sentiment_label: Mapped[str] = mapped_column(String(10))  # negative, neutral, positive
    # cxdash.metrics.sentiment.VERSION of the rules that scored it; another (or NULL) is scored again at compute
    sentiment_version: Mapped[str | None] = mapped_column(String(20))


class FeedbackTheme(Base):
    """A theme found across all feedback at compute time, named by its top terms."""

    __tablename__ = "feedback_theme"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    terms: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FeedbackItemTheme(Base):
    """Which theme each feedback item belongs to (computed; replaced on every compute)."""

    __tablename__ = "feedback_item_theme"
    feedback_item_id: Mapped[int] = mapped_column(ForeignKey("feedback_item.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("feedback_theme.id", ondelete="CASCADE"), index=True)
    weight: Mapped[float] = mapped_column(Float)


class EmployeeIndex(Base):
    """An employee-experience index (e.g. FEVS engagement) for an organizational unit and year,
    attached to the services the unit delivers (service 'all' when the unit maps to none).

    Natural key: unit code, survey year and index, once per provider and service the value is
    attached to. A later delivery of a unit replaces its values of the years the file covers,
    whatever its source (``source`` says who delivered it last)."""

    __tablename__ = "employee_index"
    NATURAL_KEY = ("unit_code", "survey_year", "indicator", "provider", "service")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_employee_index_natural"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    line: Mapped[int] = mapped_column(Integer)
    unit_code: Mapped[str] = mapped_column(String(100))
    unit_name: Mapped[str] = mapped_column(String(500))
    reporting_level: Mapped[str | None] = mapped_column(String(100))
    survey_year: Mapped[int] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)  # proportion 0-1
    respondents: Mapped[int | None] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))


class PublishedValue(Base):
    """A published aggregate figure (e.g. a performance.gov mean score or response rate) for one
    fiscal quarter and cell, stored as published: without response counts it is never combined.

    Natural key: the quarter and cell (``record_key``) and the indicator. Two files may publish
    different indicators of one quarter and cell (volumes, mean scores); a later delivery
    replaces only the indicators its mapping publishes, whatever its source (``source`` says
    who delivered it last)."""

    __tablename__ = "published_value"
    NATURAL_KEY = ("record_key", "indicator")
    __table_args__ = (
        UniqueConstraint(*NATURAL_KEY, name="uq_published_value_natural"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    load_run_id: Mapped[int] = mapped_column(ForeignKey("load_run.id"), index=True)
    source: Mapped[str] = mapped_column(String(200))  # the source that delivered it last (not part of its key)
    record_key: Mapped[str] = mapped_column(String(300))  # fiscal year|quarter|provider|service|channel|stage
    line: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(50))
    stage: Mapped[str] = mapped_column(String(100))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)  # points 1-5, percent as a proportion 0-1, or people
    unit: Mapped[str] = mapped_column(String(30))
    wording: Mapped[str | None] = mapped_column(Text)


class JobRun(Base):
    """One run of a configured source (by the scheduler or 'cxdash load --source'): the run
    history the Data page shows, including failures before any file was read."""

    __tablename__ = "job_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # scheduled, manual
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, succeeded, unchanged, failed
    files_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)  # the process doing the run (cxdash/processes.py)
    host: Mapped[str | None] = mapped_column(String(255))


class ComputeRun(Base):
    """One computation (cxdash compute, or after a load): recorded before its work starts with the
    process doing it, so one killed mid-way is marked failed by the next (cxdash/processes.py)."""

    __tablename__ = "compute_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, succeeded, failed
    message: Mapped[str | None] = mapped_column(Text)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))


class SchedulerJob(Base):
    """APScheduler 3.x SQLAlchemyJobStore's table, declared here so migrations own it."""

    __tablename__ = "scheduler_job"
    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ReviewCommentary(Base):
    """What the CX office or the measure's owner says of a measure for a quarter (redacted text)."""

    __tablename__ = "review_commentary"
    __table_args__ = (UniqueConstraint("measure_id", "fiscal_year", "fiscal_quarter", name="uq_review_commentary_measure"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(100))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    why: Mapped[str] = mapped_column(Text, default="")
    what_next: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    redaction_version: Mapped[str | None] = mapped_column(String(20))  # NULL or older: redacted again at compute


class ReviewAction(Base):
    """A decision or action recorded at a quarter's review, followed up in the next ones."""

    __tablename__ = "review_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[str | None] = mapped_column(String(100), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # decision, action
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, done
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    redaction_version: Mapped[str | None] = mapped_column(String(20))  # NULL or older: redacted again at compute


class Annotation(Base):
    """An event (policy change, outage, launch) drawn on trend charts, for all services or one."""

    __tablename__ = "annotation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(300), default="all")
    service: Mapped[str] = mapped_column(String(500), default="all")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    redaction_version: Mapped[str | None] = mapped_column(String(20))  # NULL or older: redacted again at compute


class ReviewSnapshot(Base):
    """A held review, frozen: the pack's contents (JSON of cxdash.review.contents) as the
    executives saw them, whatever is reloaded later."""

    __tablename__ = "review_snapshot"
    __table_args__ = (UniqueConstraint("fiscal_year", "fiscal_quarter", "provider", "service",
                                       name="uq_review_snapshot_scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    held_on: Mapped[dt.date] = mapped_column(Date)
    contents: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    redaction_version: Mapped[str | None] = mapped_column(String(20))  # NULL or older: redacted again at compute


class ReviewPack(Base):
    """A review pack build: requested, then run in the background with progress; the file is kept."""

    __tablename__ = "review_pack"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    fiscal_quarter: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(10))  # pptx, pdf
    template: Mapped[str | None] = mapped_column(String(1000))
    trigger: Mapped[str] = mapped_column(String(20))  # manual, page, scheduled
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("review_snapshot.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued, running, succeeded, failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    file_name: Mapped[str | None] = mapped_column(String(300))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    pid: Mapped[int | None] = mapped_column(Integer)  # the process building it (cxdash/processes.py)
    host: Mapped[str | None] = mapped_column(String(255))
    requested_by: Mapped[str | None] = mapped_column(String(150))  # the signed-in user (None: CLI, scheduler)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # claimed by a worker

    # One queued or running build per request (migration 0015): a second identical request
    # returns the open one.
    __table_args__ = (Index("ux_review_pack_open", "fiscal_year", "fiscal_quarter", "provider", "service", "format",
                            text("COALESCE(template, '')"), unique=True,
                            sqlite_where=text("status IN ('queued', 'running')"),
                            postgresql_where=text("status IN ('queued', 'running')")),)


class Initiative(Base):
    """A CX improvement initiative in the register, with its weighted-shortest-job-first scores
    (relative scales: cost of delay = customer value + mission value + time criticality + risk
    reduction / opportunity enablement; WSJF = cost of delay / job size)."""

    __tablename__ = "initiative"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # a slug from the register
    name: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200))
    services: Mapped[str] = mapped_column(Text, default="")  # catalogue service ids, newline-separated
    stages: Mapped[str] = mapped_column(Text, default="")  # journey stages, newline-separated
    status: Mapped[str] = mapped_column(String(20))  # proposed, active, done, stopped
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    customer_value: Mapped[float | None] = mapped_column(Float)  # None: from the data
    mission_value: Mapped[float] = mapped_column(Float)
    time_criticality: Mapped[float] = mapped_column(Float)
    risk_reduction: Mapped[float] = mapped_column(Float)
    job_size: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class InitiativeMeasure(Base):
    """A measure an initiative should move, and by how much (in the measure's unit)."""

    __tablename__ = "initiative_measure"
    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    measure_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    expected_change: Mapped[float | None] = mapped_column(Float)


class MaturityRating(Base):
    """A fiscal year's self-assessment of one CX dimension at one maturity level: met, partly
    met or not met, with the evidence.

    Natural key: fiscal year, dimension and level; a rating from the page or from any file
    replaces the stored one (``source`` says which of the two rated it last)."""

    __tablename__ = "maturity_rating"
    NATURAL_KEY = ("fiscal_year", "dimension", "level")
    __table_args__ = (UniqueConstraint(*NATURAL_KEY, name="uq_maturity_rating_level"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    dimension: Mapped[str] = mapped_column(String(100))  # a dimension id from config/maturity.yaml
    level: Mapped[int] = mapped_column(Integer)  # 1 Reactive .. 5 Customer-centric
    status: Mapped[str] = mapped_column(String(20))  # met, partial, not_met
    evidence: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(20), default="page")  # page, file
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    redaction_version: Mapped[str | None] = mapped_column(String(20))  # NULL or older: redacted again at compute


class DataVersion(Base):
    """One row (id 1): a counter bumped in the same transaction as every write that changes what
    the pages show, so a page's cached reads are keyed by one cheap read.

    compute bumps it in its final transaction (queries.bump_data_version); writes by people
    (review commentary, actions, events and held reviews, the initiative register, maturity
    ratings) bump it through database triggers on those tables (migration 0009, named in
    VERSIONED_BY_TRIGGER), whichever module writes them. A migration that rebuilds one of those
    tables (SQLite batch mode) must create its triggers again; tests/test_data_version.py checks
    every one."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


VERSIONED_BY_TRIGGER = ("review_commentary", "review_action", "annotation", "review_snapshot", "initiative",
                        "initiative_measure", "maturity_rating")


class QualityCheck(Base):
    """A loaded source's data-quality check (cxdash.health), stored after every compute and
    whenever the Data page finds that the load runs moved on since (``loads``: the load runs'
    stamp it was computed from), so a page view never scans the fact tables."""

    __tablename__ = "quality_check"
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the check's place in the source's list
    kind: Mapped[str | None] = mapped_column(String(50))  # the kind it was judged as (employee: yearly gaps)
    check_name: Mapped[str] = mapped_column(String(40))  # completeness, out_of_range, duplicates, ...
    passed: Mapped[bool | None] = mapped_column(Boolean)  # None: nothing to judge
    detail: Mapped[str] = mapped_column(Text, default="")
    loads: Mapped[str] = mapped_column(String(200))
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class UserAccount(Base):
    """A local account (small offices, the demo): who may sign in with a password. The password
    is stored only as an Argon2 hash (cxdash.accounts); a disabled account cannot sign in, and a
    session it already has stops working at its next request. ``role`` is kept for the roles
    phase: viewer, contributor, review_lead or administrator."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class UserGrant(Base):
    """What a local account may see: a provider (service 'all': every service of it), one service
    of a provider, or, with provider and service 'all', everything (a cross-agency grant)."""

    __tablename__ = "user_grant"
    __table_args__ = (UniqueConstraint("username", "provider", "service", name="uq_user_grant_scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    provider: Mapped[str] = mapped_column(String(300))
    service: Mapped[str] = mapped_column(String(500))
    granted_by: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditEvent(Base):
    """One change, who made it and when: append-only (no code path updates or deletes a row, and
    a database trigger refuses it). ``details`` is JSON."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    username: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(500), default="")
    provider: Mapped[str] = mapped_column(String(300), default="all")
    service: Mapped[str] = mapped_column(String(500), default="all")
    details: Mapped[str] = mapped_column(Text, default="{}")
