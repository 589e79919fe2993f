"""The one place for data access. Pages, the CLI and compute call these; nobody else writes SQL.

Counting is done by the database with SQLAlchemy Core group-by queries that run unchanged on
SQLite, PostgreSQL or a warehouse; only the per-cell counts come back to Python.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, delete, func, insert, literal, or_, select, union_all, update

from cxdash.db.models import (
    A11QuarterlyCount,
    CaseRecord,
    ContactInterval,
    EmployeeIndex,
    FeedbackItem,
    IndicatorValue,
    JobRun,
    LoadRun,
    MeasureResult,
    RejectedRow,
    ScoreCell,
    SurveyAnswer,
    SurveyResponse,
)
from cxdash.metrics.a11_scores import BINARY, COUNT_COLUMNS, LIKERT

CELL = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage"]
SURVEY_SOURCE_KINDS = ("a11-quarterly", "a11-responses", "survey-responses")


def _frame(conn: Connection | Engine, statement) -> pd.DataFrame:
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return _frame(c, statement)
    result = conn.execute(statement)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# --- survey counts ------------------------------------------------------------------------

def _quarterly_counts():
    t = A11QuarterlyCount
    dims = [getattr(t, c) for c in CELL] + [t.question]
    return (
        select(*dims, literal(LIKERT).label("scale"),
               *[func.sum(getattr(t, f"n_{k}")).label(f"n_{k}") for k in range(1, 6)],
               literal(0).label("n_yes"), literal(0).label("n_no"))
        .group_by(*dims)
    )


def _response_counts():
    r, a = SurveyResponse, SurveyAnswer
    dims = [getattr(r, c) for c in CELL] + [a.question, a.scale]

    def count_where(condition):
        return func.sum(case((condition, 1), else_=0))

    likert = [count_where((a.scale == LIKERT) & (a.value == k)).label(f"n_{k}") for k in range(1, 6)]
    return (
        select(*dims, *likert,
               count_where((a.scale == BINARY) & (a.value == 1)).label("n_yes"),
               count_where((a.scale == BINARY) & (a.value == 0)).label("n_no"))
        .join(a, a.response_id == r.id)
        .group_by(*dims)
    )


def survey_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Counts per quarter x provider x service x channel x stage x question, from every survey source."""
    both = union_all(_quarterly_counts(), _response_counts()).subquery()
    keys = [both.c[c] for c in [*CELL, "question", "scale"]]
    statement = select(*keys, *[func.sum(both.c[c]).label(c) for c in COUNT_COLUMNS]).group_by(*keys)
    frame = _frame(conn, statement)
    for column in COUNT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame


def survey_wordings(conn: Connection | Engine) -> pd.DataFrame:
    """The distinct question wordings asked in each cell: shown, not hidden."""
    t, r, a = A11QuarterlyCount, SurveyResponse, SurveyAnswer
    gen1 = select(*[getattr(t, c) for c in CELL], t.question, t.question_text.label("wording")).where(
        t.question_text.is_not(None)).distinct()
    responses = (select(*[getattr(r, c) for c in CELL], a.question, a.question_text.label("wording"))
                 .join(a, a.response_id == r.id).where(a.question_text.is_not(None)).distinct())
    return _frame(conn, union_all(gen1, responses))


def survey_data_as_of(conn: Connection | Engine) -> dt.date | None:
    """Latest date the survey data covers, over successful loads."""
    return data_as_of(conn, SURVEY_SOURCE_KINDS)


def data_as_of(conn: Connection | Engine, kinds) -> dt.date | None:
    """Latest date the data of these source kinds covers, over successful loads."""
    statement = select(func.max(LoadRun.data_as_of)).where(
        LoadRun.status == "succeeded", LoadRun.kind.in_(list(kinds)))
    if isinstance(conn, Engine):
        with conn.connect() as c:
            value = c.execute(statement).scalar()
    else:
        value = conn.execute(statement).scalar()
    if isinstance(value, str):  # SQLite returns dates from aggregates as text
        value = dt.date.fromisoformat(value)
    return value


# --- computed tables ----------------------------------------------------------------------

def replace_computed(conn: Connection, score_rows: list[dict], measure_rows: list[dict],
                     indicator_rows: list[dict] = ()) -> None:
    """Swap in a whole new computation in the caller's transaction: readers never see half."""
    conn.execute(delete(ScoreCell))
    conn.execute(delete(MeasureResult))
    conn.execute(delete(IndicatorValue))
    for table, rows in ((ScoreCell, score_rows), (MeasureResult, measure_rows), (IndicatorValue, list(indicator_rows))):
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start:start + 5000])


SCORE_COLUMNS = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question",
                 "n", "mean", "pct_agree", "ci_low", "ci_high", "suppressed"]


def scores(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None) -> pd.DataFrame:
    """Computed A-11 scores, finest cells and roll-ups ('all'), in a stable order."""
    t = ScoreCell
    statement = select(*[getattr(t, c) for c in SCORE_COLUMNS], t.wordings)
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    statement = statement.order_by(*[getattr(t, c) for c in SCORE_COLUMNS[:7]])
    return _frame(conn, statement)


def measure_results(conn: Connection | Engine, *, provider: str = "all", service: str = "all",
                    channel: str = "all", measure_ids: list[str] | None = None) -> pd.DataFrame:
    """Every quarter of every measure for one filter scope."""
    t = MeasureResult
    statement = select(t).where(t.provider == provider, t.service == service, t.channel == channel)
    if measure_ids is not None:
        statement = statement.where(t.measure_id.in_(measure_ids))
    frame = _frame(conn, statement.order_by(t.measure_id, t.fiscal_year, t.fiscal_quarter))
    return frame.rename(columns=lambda c: c.split(".")[-1])


def filter_options(conn: Connection | Engine) -> pd.DataFrame:
    """Distinct (provider, service, channel, fiscal_year, fiscal_quarter) with measure results."""
    t = MeasureResult
    statement = select(t.provider, t.service, t.channel, t.fiscal_year, t.fiscal_quarter).distinct()
    return _frame(conn, statement)


def latest_quarter(conn: Connection | Engine) -> tuple[int, int] | None:
    """The latest fiscal (year, quarter) with measure results."""
    t = MeasureResult
    statement = select(t.fiscal_year, t.fiscal_quarter).order_by(t.fiscal_year.desc(), t.fiscal_quarter.desc()).limit(1)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            row = c.execute(statement).first()
    else:
        row = conn.execute(statement).first()
    return (int(row[0]), int(row[1])) if row else None


def load_runs(conn: Connection | Engine, limit: int = 50) -> pd.DataFrame:
    statement = select(LoadRun).order_by(LoadRun.id.desc()).limit(limit)
    return _frame(conn, statement)


def rejected_rows(conn: Connection | Engine, load_run_id: int) -> pd.DataFrame:
    t = RejectedRow
    statement = select(t.line, t.field, t.reason).where(t.load_run_id == load_run_id).order_by(t.line, t.field)
    return _frame(conn, statement)


# --- cases ----------------------------------------------------------------------------------

CASE_CELL = ["provider", "service", "channel", "stage"]


def case_completion_histogram(conn: Connection | Engine) -> pd.DataFrame:
    """Closed cases per cell, closing fiscal quarter and whole days to close."""
    t = CaseRecord
    dims = [getattr(t, c) for c in CASE_CELL] + [t.closed_fiscal_year.label("fiscal_year"),
                                                  t.closed_fiscal_quarter.label("fiscal_quarter"), t.days_to_close]
    statement = (select(*dims, func.count().label("n"),
                        func.sum(case((t.closed_on_time.is_(True), 1), else_=0)).label("on_time"),
                        func.sum(case((t.closed_on_time.is_not(None), 1), else_=0)).label("with_due"))
                 .where(t.closed_date.is_not(None)).group_by(*dims))
    return _ints(_frame(conn, statement), ["n", "on_time", "with_due"])


def case_created_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Cases created per cell and fiscal quarter."""
    t = CaseRecord
    dims = [getattr(t, c) for c in CASE_CELL] + [t.fiscal_year, t.fiscal_quarter]
    return _ints(_frame(conn, select(*dims, func.count().label("n")).group_by(*dims)), ["n"])


def case_open_by_day(conn: Connection | Engine, day: dt.date) -> pd.DataFrame:
    """Cases still open at the end of ``day``, per cell and created date (for backlog and its age)."""
    t = CaseRecord
    dims = [getattr(t, c) for c in CASE_CELL] + [t.created_date]
    statement = (select(*dims, func.count().label("n"))
                 .where(and_(t.created_date <= day, or_(t.closed_date.is_(None), t.closed_date > day)))
                 .group_by(*dims))
    frame = _ints(_frame(conn, statement), ["n"])
    frame["created_date"] = pd.to_datetime(frame["created_date"]).dt.date
    return frame


def case_date_range(conn: Connection | Engine) -> tuple[dt.date | None, dt.date | None]:
    t = CaseRecord
    statement = select(func.min(t.created_date), func.max(func.coalesce(t.closed_date, t.created_date)),
                       func.max(t.created_date))
    if isinstance(conn, Engine):
        with conn.connect() as c:
            first, last_closed, last_created = c.execute(statement).one()
    else:
        first, last_closed, last_created = conn.execute(statement).one()
    dates = [dt.date.fromisoformat(d) if isinstance(d, str) else d for d in (first, last_closed, last_created)]
    return dates[0], max((d for d in dates[1:] if d), default=None)


def _ints(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame


INDICATOR_COLUMNS = ["indicator", "fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage",
                     "value", "n", "unit"]


def indicators(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None) -> pd.DataFrame:
    t = IndicatorValue
    statement = select(*[getattr(t, c) for c in INDICATOR_COLUMNS])
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    return _frame(conn, statement.order_by(*[getattr(t, c) for c in INDICATOR_COLUMNS[:7]]))


# --- sources, runs and data quality -----------------------------------------------------------

def start_job_run(engine: Engine, source: str, trigger: str, attempt: int) -> int:
    with engine.begin() as conn:
        return conn.execute(insert(JobRun).values(source=source, trigger=trigger, attempt=attempt,
                                                  started_at=dt.datetime.now(dt.UTC),
                                                  status="running")).inserted_primary_key[0]


def finish_job_run(engine: Engine, job_id: int, status: str, files: int, rows_loaded: int, rows_rejected: int,
                   message: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.id == job_id).values(
            status=status, finished_at=dt.datetime.now(dt.UTC), files_loaded=files,
            rows_loaded=rows_loaded, rows_rejected=rows_rejected, message=message))


def job_runs(conn: Connection | Engine, source: str | None = None, limit: int = 200) -> pd.DataFrame:
    statement = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if source is not None:
        statement = statement.where(JobRun.source == source)
    return _frame(conn, statement)


LOAD_RUN_COLUMNS = ["id", "source", "kind", "file_name", "status", "started_at", "finished_at", "rows_read",
                    "rows_loaded", "rows_rejected", "data_as_of", "message"]


def latest_load_runs(conn: Connection | Engine) -> pd.DataFrame:
    """Each source's newest load run and its newest successful one (newest first): all that
    freshness needs, however long the history grows."""
    t = LoadRun
    newest = select(func.max(t.id)).group_by(t.source)
    newest_ok = select(func.max(t.id)).where(t.status == "succeeded").group_by(t.source)
    statement = (select(*[getattr(t, c) for c in LOAD_RUN_COLUMNS])
                 .where(or_(t.id.in_(newest), t.id.in_(newest_ok))).order_by(t.id.desc()))
    return _frame(conn, statement)


def latest_job_runs(conn: Connection | Engine) -> pd.DataFrame:
    """Each source's most recent job run (scheduled or by hand)."""
    t = JobRun
    latest = select(t.source, func.max(t.id).label("id")).group_by(t.source).subquery()
    statement = select(t.source, t.status, t.trigger, t.attempt, t.started_at, t.finished_at, t.message).join(
        latest, t.id == latest.c.id)
    return _frame(conn, statement)


def rejection_reasons(conn: Connection | Engine) -> pd.DataFrame:
    """Rejected rows of each source's latest load that read rows, grouped by field and reason."""
    r, t = RejectedRow, LoadRun
    latest = (select(t.source, func.max(t.id).label("id")).where(t.status.in_(("succeeded", "failed")))
              .group_by(t.source).subquery())
    statement = (select(t.source, r.field, r.reason, func.count().label("rows"), func.min(r.line).label("first_line"),
                        func.min(r.file_name).label("file_name"))
                 .join(latest, latest.c.id == r.load_run_id).join(t, t.id == r.load_run_id)
                 .group_by(t.source, r.field, r.reason).order_by(t.source, func.count().desc()))
    return _ints(_frame(conn, statement), ["rows"])


def quarter_coverage(conn: Connection | Engine) -> pd.DataFrame:
    """Rows per source, provider, service and fiscal quarter, across every fact table."""
    parts = []
    for table in (A11QuarterlyCount, SurveyResponse, CaseRecord, ContactInterval, FeedbackItem, EmployeeIndex):
        dims = [table.source, table.provider, table.service, table.fiscal_year, table.fiscal_quarter]
        parts.append(select(*dims, func.count().label("rows")).group_by(*dims))
    return _ints(_frame(conn, union_all(*parts)), ["rows"])


# --- journey stages -----------------------------------------------------------------------------

def journey_options(conn: Connection | Engine) -> pd.DataFrame:
    """(fiscal_year, fiscal_quarter, provider, service) with survey scores or indicators, all channels."""
    s, i = ScoreCell, IndicatorValue
    dims = lambda t: [t.fiscal_year, t.fiscal_quarter, t.provider, t.service]  # noqa: E731
    statement = union_all(
        select(*dims(s)).where(s.channel == "all", s.stage == "all").distinct(),
        select(*dims(i)).where(i.channel == "all", i.stage == "all").distinct(),
    )
    return _frame(conn, statement).drop_duplicates().assign(channel="all")


def scope_scores(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int, provider: str,
                 service: str) -> pd.DataFrame:
    """Every stage's scores (all channels) for one quarter and scope."""
    t = ScoreCell
    statement = select(t.stage, t.question, t.n, t.pct_agree, t.mean, t.suppressed).where(
        t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter, t.provider == provider,
        t.service == service, t.channel == "all")
    return _frame(conn, statement)


def scope_indicators(conn: Connection | Engine, provider: str, service: str, fiscal_year: int | None = None,
                     fiscal_quarter: int | None = None, indicators: list[str] | None = None) -> pd.DataFrame:
    """Indicators (all channels) of one scope: one quarter, or every quarter when none is given."""
    t = IndicatorValue
    statement = select(t.indicator, t.fiscal_year, t.fiscal_quarter, t.stage, t.value, t.n, t.unit).where(
        t.provider == provider, t.service == service, t.channel == "all")
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    if indicators is not None:
        statement = statement.where(t.indicator.in_(indicators))
    return _frame(conn, statement)
