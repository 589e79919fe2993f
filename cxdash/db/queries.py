"""The one place for data access. Pages, the CLI and compute call these; nobody else writes SQL.

Counting is done by the database with SQLAlchemy Core group-by queries that run unchanged on
SQLite, PostgreSQL or a warehouse; only the per-cell counts come back to Python.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, Engine, and_, case, delete, func, insert, literal, or_, select, union_all, update

from cxdash.db.models import (
    A11QuarterlyCount,
    CaseRecord,
    ComputeInput,
    ComputeRun,
    ContactInterval,
    DataVersion,
    EmployeeIndex,
    FeedbackItem,
    IndicatorValue,
    JobRun,
    LoadRun,
    MeasureResult,
    QualityCheck,
    RejectedRow,
    ScoreCell,
    SurveyCell,
    SurveyCellCount,
    SurveyQuestion,
    SurveyResponse,
)
from cxdash.kinds import NOT_COMPLETED
from cxdash.metrics.a11_scores import BINARY, COUNT_COLUMNS, LIKERT

CELL = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage"]
SURVEY_SOURCE_KINDS = ("a11-quarterly", "a11-responses", "survey-responses")


def _frame(conn: Connection | Engine, statement) -> pd.DataFrame:
    """The statement's rows as a frame, built from plain tuples.

    A SQLAlchemy ``Row`` is a sequence but not a tuple, so pandas (3) sends a list of them down
    its "last ditch" path, which asks every row ``hasattr(row, "dtype")``; a row answers by
    looking "dtype" up as a column and raising (and catching) an exception, for every row.
    ``map(tuple, ...)`` converts the rows in C, and a list of tuples is exactly what that path
    builds after its check, so the columns and dtypes are the same."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return _frame(c, statement)
    result = conn.execute(statement)
    columns = list(result.keys())
    return pd.DataFrame(list(map(tuple, result)), columns=columns)


# --- one scale per question where a scope holds two ----------------------------------------

def one_scale(frame: pd.DataFrame, by: list[str], weight: pd.Series | None = None, how: str = "sum") -> pd.DataFrame:
    """The rows of one scale per group of ``by`` (a question within the read's scope), where the
    group holds thumbs (binary) and Likert (5pt) answers of the question (A-11 v2 lets a form
    ask trust either way; the two are different measures, never one figure).

    The scale kept is the one with more responses: ``weight`` per row (default ``n``),
    aggregated per group and scale by ``how`` (``sum`` over quarters or segments, ``max`` over
    the models of one outcome), rows where the weight is NaN not counting; a tie keeps the
    Likert form ('5pt' sorts before 'binary'). ``other_scale_n`` on every kept row counts the
    responses of the scale left out (0 where the group has one scale), so a page can say so.
    Rows without a scale (an indicator) are kept as they are."""
    if frame.empty or "scale" not in frame:
        return frame.assign(other_scale_n=pd.Series(dtype="int64"))
    weight = frame["n"] if weight is None else weight
    scaled = frame["scale"].notna()
    sizes = (frame.loc[scaled, [*by, "scale"]].assign(_weight=pd.to_numeric(weight[scaled]).fillna(0))
             .groupby([*by, "scale"], dropna=False, sort=True)["_weight"].agg(how).reset_index())
    sizes = sizes.sort_values([*by, "_weight", "scale"], ascending=[True] * len(by) + [False, True], kind="stable")
    total = sizes.groupby(by, dropna=False, sort=False)["_weight"].transform("sum")
    sizes = sizes.assign(other_scale_n=(total - sizes["_weight"]).astype("int64"))
    chosen = sizes.drop_duplicates(by, keep="first")[[*by, "scale", "other_scale_n"]]
    looked_up = frame[[*by, "scale"]].merge(chosen, on=[*by, "scale"], how="left")  # row for row, in order
    keep = (~scaled.to_numpy()) | looked_up["other_scale_n"].notna().to_numpy()
    other = looked_up["other_scale_n"].fillna(0).astype("int64").to_numpy()
    return frame.assign(other_scale_n=other)[keep].reset_index(drop=True)


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
    """Per cell and question as asked, from the per-cell answer counts (``cell_aggregates``)."""
    n, c, q = SurveyCellCount, SurveyCell, SurveyQuestion
    dims = [getattr(c, col) for col in CELL] + [q.question, q.scale]

    def count_where(condition):
        return func.sum(case((condition, n.n), else_=0))

    likert = [count_where((q.scale == LIKERT) & (n.value == k)).label(f"n_{k}") for k in range(1, 6)]
    return (
        select(*dims, *likert,
               count_where((q.scale == BINARY) & (n.value == 1)).label("n_yes"),
               count_where((q.scale == BINARY) & (n.value == 0)).label("n_no"))
        .join(c, c.id == n.cell_id).join(q, q.id == n.question_id)
        .group_by(*dims)
    )


def survey_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Counts per quarter x provider x service x channel x stage x question, from every survey
    source (response-level answers through their per-cell counts: refresh those first)."""
    both = union_all(_quarterly_counts(), _response_counts()).subquery()
    keys = [both.c[c] for c in [*CELL, "question", "scale"]]
    statement = select(*keys, *[func.sum(both.c[c]).label(c) for c in COUNT_COLUMNS]).group_by(*keys)
    frame = _frame(conn, statement)
    for column in COUNT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame


def survey_wordings(conn: Connection | Engine) -> pd.DataFrame:
    """The distinct question wordings asked in each cell: shown, not hidden."""
    t, n, c, q = A11QuarterlyCount, SurveyCellCount, SurveyCell, SurveyQuestion
    gen1 = select(*[getattr(t, col) for col in CELL], t.question, t.question_text.label("wording")).where(
        t.question_text.is_not(None)).distinct()
    responses = (select(*[getattr(c, col) for col in CELL], q.question, q.wording.label("wording"))
                 .join(n, n.cell_id == c.id).join(q, q.id == n.question_id).where(q.wording != "").distinct())
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
                     indicator_rows: list[dict] | None = ()) -> None:
    """Swap in a whole new computation in the caller's transaction: readers never see half.
    ``indicator_rows`` None keeps the stored indicators (their inputs did not change)."""
    tables = [(ScoreCell, score_rows), (MeasureResult, measure_rows)]
    if indicator_rows is not None:
        tables.append((IndicatorValue, list(indicator_rows)))
    for table, rows in tables:
        conn.execute(delete(table))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(table), rows[start:start + 5000])


def loads_fingerprint(conn: Connection | Engine, kinds: Iterable[str]) -> str:
    """The successful loads of these kinds, in one short string: any new one changes it (their
    count and largest id; a load still running when this is read raises the count when it lands)."""
    t = LoadRun
    statement = select(func.count(), func.max(t.id), func.sum(t.id)).where(t.status == "succeeded",
                                                                          t.kind.in_(sorted(kinds)))
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return ":".join(str(v) for v in c.execute(statement).one())
    return ":".join(str(v) for v in conn.execute(statement).one())


def computed_input(conn: Connection, part: str) -> str | None:
    """The fingerprint of what ``part`` of the last committed computation was computed from."""
    return conn.execute(select(ComputeInput.fingerprint).where(ComputeInput.part == part)).scalar()


def save_computed_input(conn: Connection, part: str, fingerprint: str, now: dt.datetime) -> None:
    """In the computation's final transaction, beside the results it describes."""
    conn.execute(delete(ComputeInput).where(ComputeInput.part == part))
    conn.execute(insert(ComputeInput).values(part=part, fingerprint=fingerprint, computed_at=now))


def stored_indicators(conn: Connection | Engine) -> list[dict]:
    """The stored indicator rows as compute made them (to keep them and analyse them again)."""
    t = IndicatorValue
    statement = select(*[getattr(t, c) for c in INDICATOR_COLUMNS], t.computed_at).order_by(t.id)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return [dict(r._mapping) for r in c.execute(statement)]
    return [dict(r._mapping) for r in conn.execute(statement)]


SCORE_COLUMNS = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question", "scale",
                 "n", "mean", "pct_agree", "ci_low", "ci_high", "suppressed"]


def scores(conn: Connection | Engine, fiscal_year: int | None = None, fiscal_quarter: int | None = None) -> pd.DataFrame:
    """Computed A-11 scores, finest cells and roll-ups ('all'), in a stable order. A cell whose
    question was asked on two scales (thumbs and Likert trust) is two rows, one per ``scale``."""
    t = ScoreCell
    statement = select(*[getattr(t, c) for c in SCORE_COLUMNS], t.wordings)
    if fiscal_year is not None:
        statement = statement.where(t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter)
    statement = statement.order_by(*[getattr(t, c) for c in SCORE_COLUMNS[:8]])
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
    """The latest fiscal (year, quarter) with measure results; where there are none (operational
    data alone, such as a city's 311 services under a catalog without survey measures), the
    latest with indicators."""
    for t in (MeasureResult, IndicatorValue):
        statement = select(t.fiscal_year, t.fiscal_quarter).order_by(t.fiscal_year.desc(),
                                                                     t.fiscal_quarter.desc()).limit(1)
        if isinstance(conn, Engine):
            with conn.connect() as c:
                row = c.execute(statement).first()
        else:
            row = conn.execute(statement).first()
        if row:
            return int(row[0]), int(row[1])
    return None


def load_runs(conn: Connection | Engine, limit: int = 50) -> pd.DataFrame:
    statement = select(LoadRun).order_by(LoadRun.id.desc()).limit(limit)
    return _frame(conn, statement)


def rejected_rows(conn: Connection | Engine, load_run_id: int) -> pd.DataFrame:
    t = RejectedRow
    statement = select(t.line, t.field, t.reason).where(t.load_run_id == load_run_id).order_by(t.line, t.field)
    return _frame(conn, statement)


# --- cases ----------------------------------------------------------------------------------

CASE_CELL = ["provider", "service", "channel", "stage"]
HOUR_UNITS = ("hours", "auto")  # a mapping's time units that may count time to complete in hours


def case_completion_histogram(conn: Connection | Engine) -> pd.DataFrame:
    """Completed cases per cell, closing fiscal quarter and whole days to close (cancelled and
    duplicate cases are not completions), with the source and its mapping's time unit; whole
    minutes to close too, for the cases whose mapping may count hours (NULL for the others, so
    a days-only histogram stays one row per distinct day)."""
    t = CaseRecord
    minutes = case((t.time_unit.in_(HOUR_UNITS), t.minutes_to_close), else_=None).label("minutes_to_close")
    dims = [getattr(t, c) for c in CASE_CELL] + [t.closed_fiscal_year.label("fiscal_year"),
                                                  t.closed_fiscal_quarter.label("fiscal_quarter"), t.days_to_close,
                                                  t.source, func.coalesce(t.time_unit, "days").label("time_unit"), minutes]
    statement = (select(*dims, func.count().label("n"),
                        func.sum(case((t.closed_on_time.is_(True), 1), else_=0)).label("on_time"),
                        func.sum(case((t.closed_on_time.is_not(None), 1), else_=0)).label("with_due"))
                 .where(t.closed_date.is_not(None), or_(t.outcome.is_(None), t.outcome.not_in(NOT_COMPLETED)))
                 .group_by(*dims))
    return _ints(_frame(conn, statement), ["n", "on_time", "with_due"])


def case_outcome_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Cases that ended without being completed (cancelled, duplicate) per cell, outcome and the
    fiscal quarter they ended in."""
    t = CaseRecord
    dims = [getattr(t, c) for c in CASE_CELL] + [t.closed_fiscal_year.label("fiscal_year"),
                                                  t.closed_fiscal_quarter.label("fiscal_quarter"), t.outcome]
    statement = select(*dims, func.count().label("n")).where(t.outcome.in_(NOT_COMPLETED)).group_by(*dims)
    return _ints(_frame(conn, statement), ["n"])


def case_created_counts(conn: Connection | Engine) -> pd.DataFrame:
    """Cases created per cell and fiscal quarter."""
    t = CaseRecord
    dims = [getattr(t, c) for c in CASE_CELL] + [t.fiscal_year, t.fiscal_quarter]
    return _ints(_frame(conn, select(*dims, func.count().label("n")).group_by(*dims)), ["n"])


def case_open_by_day(conn: Connection | Engine, quarter_ends: list[dt.date], as_of: dt.date | None = None,
                     source: str | None = None) -> pd.DataFrame:
    """Cases still open at the end of each of ``quarter_ends`` (fiscal quarter ends), and at the
    data's as-of day ``as_of`` (its latest date: the last quarter is counted then, not at an end
    still to come), per day, cell and age in whole days: the histogram behind backlog and its
    age, for every day in one pass over the cases.

    The cases are read once, as open intervals: a count per cell, created date and closed date
    of the cases that can be open at one of the days (still open, closed in a later fiscal
    quarter than the one they were created in, or closed after the as-of day; most close within
    their quarter and drop out here). The intervals are joined to the days, a small table of the
    statement's own (a UNION ALL of one-row selects): a case is open on a day it was created on
    or before and not closed (or ended) by. The database counts per day, cell and created date,
    with no date arithmetic in SQL, so the statement runs unchanged on SQLite, PostgreSQL or a
    warehouse; the age of each count is its day minus its created date, worked out on the
    counts. ``source``: only the cases one source delivered. Columns: the cell, ``day``,
    ``age_days`` and ``n``."""
    columns = [*CASE_CELL, "day", "age_days", "n"]
    days = sorted(set(quarter_ends) | ({as_of} if as_of else set()))
    not_ends = [d for d in quarter_ends if (d.month, d.day) not in {(3, 31), (6, 30), (9, 30), (12, 31)}]
    if not_ends:  # the intervals leave out cases closed in their own quarter: right only at quarter ends
        raise ValueError(f"not quarter ends: {not_ends}")
    if not days:
        return pd.DataFrame(columns=columns)
    t = CaseRecord
    cell = [getattr(t, c) for c in CASE_CELL]
    may_be_open = or_(t.closed_date.is_(None), t.closed_fiscal_year != t.fiscal_year, t.closed_fiscal_quarter != t.fiscal_quarter)
    if as_of is not None:
        may_be_open = or_(may_be_open, t.closed_date > as_of)
    if source is not None:
        may_be_open = and_(may_be_open, t.source == source)
    intervals = (select(*cell, t.created_date, t.closed_date, func.count().label("n")).where(may_be_open)
                 .group_by(*cell, t.created_date, t.closed_date).subquery("open_interval"))
    ends = union_all(*[select(literal(day, t.created_date.type).label("day")) for day in days]).subquery("quarter_end")
    i, end = intervals.c, ends.c.day
    dims = [*[i[c] for c in CASE_CELL], end, i.created_date]
    open_at_end = and_(i.created_date <= end, or_(i.closed_date.is_(None), i.closed_date > end))
    statement = select(*dims, func.sum(i.n).label("n")).select_from(intervals.join(ends, open_at_end)).group_by(*dims)
    frame = _ints(_frame(conn, statement), ["n"])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    day, created = pd.to_datetime(frame["day"]), pd.to_datetime(frame["created_date"])
    return frame.assign(day=day.dt.date, age_days=(day - created).dt.days.astype("int64"))[columns]


def case_date_ranges(conn: Connection | Engine) -> dict[str, tuple[dt.date, dt.date]]:
    """Per source: its cases' first created date and its data's as-of day (its latest created or
    closed date). Each source's export ends on its own day: one city's data ending in 2017 must not
    count its open cases as backlog until another's end in 2022."""
    t = CaseRecord
    statement = select(t.source, func.min(t.created_date), func.max(func.coalesce(t.closed_date, t.created_date)),
                       func.max(t.created_date)).group_by(t.source)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            found = c.execute(statement).all()
    else:
        found = conn.execute(statement).all()

    def day(d):
        return dt.date.fromisoformat(d) if isinstance(d, str) else d
    return {source: (day(first), max(day(last_closed), day(last_created)))
            for source, first, last_closed, last_created in found if first is not None}


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

JOB_RUN_STALE_AFTER = dt.timedelta(hours=12)  # no load runs this long; longer means its process died


def start_job_run(engine: Engine, source: str, trigger: str, attempt: int) -> int:
    from cxdash.processes import this_process
    with engine.begin() as conn:
        return conn.execute(insert(JobRun).values(source=source, trigger=trigger, attempt=attempt,
                                                  started_at=dt.datetime.now(dt.UTC), status="running",
                                                  **this_process())).inserted_primary_key[0]


def fail_stopped_job_runs(engine: Engine, source: str | None = None, now: dt.datetime | None = None) -> int:
    """Mark failed every 'running' job run whose process is gone or that started too long ago
    (cxdash/processes.py); returns how many."""
    from cxdash.processes import STOPPED, stale
    statement = select(JobRun.id, JobRun.pid, JobRun.host, JobRun.started_at).where(JobRun.status == "running")
    if source is not None:
        statement = statement.where(JobRun.source == source)
    with engine.begin() as conn:
        ids = [r.id for r in conn.execute(statement) if stale(r.pid, r.host, r.started_at, JOB_RUN_STALE_AFTER, now)]
        if ids:
            conn.execute(update(JobRun).where(JobRun.id.in_(ids), JobRun.status == "running").values(
                status="failed", finished_at=dt.datetime.now(dt.UTC), message=STOPPED))
    return len(ids)


COMPUTE_RUN_STALE_AFTER = dt.timedelta(hours=12)


def start_compute_run(engine: Engine, full: bool) -> int:
    """Record a computation before it starts (after marking failed any whose process is gone)."""
    from cxdash.processes import this_process
    fail_stopped_compute_runs(engine)
    with engine.begin() as conn:
        return conn.execute(insert(ComputeRun).values(full=full, started_at=dt.datetime.now(dt.UTC), status="running",
                                                      **this_process())).inserted_primary_key[0]


def finish_compute_run(engine: Engine, run_id: int, status: str, message: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(update(ComputeRun).where(ComputeRun.id == run_id).values(
            status=status, finished_at=dt.datetime.now(dt.UTC), message=message))


def fail_stopped_compute_runs(engine: Engine, now: dt.datetime | None = None) -> int:
    """Mark failed every 'running' computation whose process is gone (or that started too long ago)."""
    from cxdash.processes import STOPPED, stale
    with engine.begin() as conn:
        ids = [r.id for r in conn.execute(select(ComputeRun.id, ComputeRun.pid, ComputeRun.host, ComputeRun.started_at)
                                          .where(ComputeRun.status == "running"))
               if stale(r.pid, r.host, r.started_at, COMPUTE_RUN_STALE_AFTER, now)]
        if ids:
            conn.execute(update(ComputeRun).where(ComputeRun.id.in_(ids), ComputeRun.status == "running").values(
                status="failed", finished_at=dt.datetime.now(dt.UTC), message=STOPPED))
    return len(ids)


def compute_runs(conn: Connection | Engine, limit: int = 50) -> list[dict]:
    """Computations, newest first."""
    statement = select(ComputeRun.id, ComputeRun.full, ComputeRun.started_at, ComputeRun.finished_at,
                       ComputeRun.status, ComputeRun.message, ComputeRun.pid).order_by(ComputeRun.id.desc()).limit(limit)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return [dict(r._mapping) for r in c.execute(statement)]
    return [dict(r._mapping) for r in conn.execute(statement)]


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
    """Every stage's scores (all channels) for one quarter and scope; a question asked on two
    scales keeps the one with more responses in the scope (``one_scale``, as the journey's reads)."""
    t = ScoreCell
    statement = select(t.stage, t.question, t.n, t.pct_agree, t.mean, t.suppressed, t.scale).where(
        t.fiscal_year == fiscal_year, t.fiscal_quarter == fiscal_quarter, t.provider == provider,
        t.service == service, t.channel == "all")
    frame = _frame(conn, statement)
    return one_scale(frame, ["question"], weight=frame["n"].where(frame["stage"].eq("all")))


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


# --- the data version and stored quality checks ------------------------------------------------

def data_version(conn: Connection) -> str:
    """The stamp a page's cached reads are keyed by: the data_version row's counter and when it
    changed (the time tells a rebuilt database from the old one at the same count)."""
    row = conn.execute(select(DataVersion.version, DataVersion.changed_at).where(DataVersion.id == 1)).first()
    return f"{row.version}@{row.changed_at}" if row else "none"


def bump_data_version(conn: Connection, now: dt.datetime) -> None:
    """Change the stamp in the caller's transaction (compute's final write)."""
    bumped = conn.execute(update(DataVersion).where(DataVersion.id == 1).values(
        version=DataVersion.version + 1, changed_at=now))
    if not bumped.rowcount:
        conn.execute(insert(DataVersion).values(id=1, version=1, changed_at=now))


def load_stamp(conn: Connection) -> str:
    """Changes whenever a load run starts or ends: what stored quality checks are current with."""
    t = LoadRun
    count, newest, finished = conn.execute(select(func.count(), func.max(t.id), func.max(t.finished_at))).one()
    return f"{count}:{newest}:{finished}"


def quality_checks(conn: Connection) -> list[dict]:
    """Stored quality checks: source, position, kind, check, passed, detail, loads; by source and position."""
    t = QualityCheck
    statement = select(t.source, t.position, t.kind, t.check_name.label("check"), t.passed, t.detail,
                       t.loads).order_by(t.source, t.position)
    return [dict(row._mapping) for row in conn.execute(statement)]


def replace_quality(conn: Connection, rows: list[dict], loads: str, now: dt.datetime) -> None:
    """Swap in every source's checks (source, position, kind, check, passed, detail) in the
    caller's transaction. Locks the data_version row first (PostgreSQL), so two writers of the
    checks take turns instead of colliding on the key; SQLite takes its one write lock anyway."""
    conn.execute(select(DataVersion.id).where(DataVersion.id == 1).with_for_update())
    conn.execute(delete(QualityCheck))
    stored = [{"source": r["source"], "position": r["position"], "kind": r["kind"], "check_name": r["check"],
               "passed": r["passed"], "detail": r["detail"], "loads": loads, "computed_at": now} for r in rows]
    if stored:
        conn.execute(insert(QualityCheck), stored)
