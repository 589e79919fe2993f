"""The backlog at every quarter end in one statement (cases joined to the quarter-end calendar),
checked against pandas run on the raw file, and frames built from rows without per-row work."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, select

from cxdash import paths
from cxdash.db import queries
from cxdash.db.models import CaseRecord
from cxdash.loaders import cases
from cxdash.mappings import load_any_mapping

SAMPLE = paths.sample_dir() / "boston_311_sample.csv"
FMT = "%Y-%m-%d %H:%M:%S"
ENDS = [dt.date(2018, 12, 31), dt.date(2019, 3, 31), dt.date(2019, 6, 30), dt.date(2019, 9, 30),
        dt.date(2019, 12, 31), dt.date(2026, 3, 31)]


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> tuple:
    """400 seeded cases in the boston-311 shape: some open, some closed years later, some the same day."""
    sample = pd.read_csv(SAMPLE, dtype=str)
    rng = np.random.default_rng(7)
    n = 400
    pairs = sample[["subject", "type"]].drop_duplicates().head(3).reset_index(drop=True)
    opened = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 330 * 86400, n), unit="s"))
    closed = opened + pd.to_timedelta((rng.exponential(40, n) * 86400).astype("int64"), unit="s")
    closed = closed.where(rng.random(n) > 0.1, pd.NaT)
    closed.iloc[:5] = pd.Timestamp("2027-02-01 09:00:00")
    closed.iloc[5:10] = opened.iloc[5:10] + pd.Timedelta(minutes=5)
    frame = pd.DataFrame({c: "" for c in sample.columns}, index=range(n))
    frame["case_enquiry_id"] = (900000000 + np.arange(n)).astype(str)
    frame["open_dt"] = opened.dt.strftime(FMT)
    frame["closed_dt"] = closed.dt.strftime(FMT).fillna("")
    frame["case_status"] = np.where(closed.isna(), "Open", "Closed")
    picked = pairs.iloc[rng.integers(0, len(pairs), n)].reset_index(drop=True)
    frame["subject"], frame["type"] = picked["subject"], picked["type"]
    frame["source"] = np.array(["Constituent Call", "Self Service", "Twitter"])[rng.integers(0, 3, n)]
    path = tmp_path_factory.mktemp("backlog") / "cases.csv"
    frame.to_csv(path, index=False)
    frame["created"] = opened.dt.normalize()
    frame["closed"] = closed.dt.normalize()
    return path, frame


def _expected(frame: pd.DataFrame, ends) -> pd.DataFrame:
    """Open cases per quarter end, cell and age, counted case by case with pandas."""
    mapping = load_any_mapping("boston-311")
    parts = []
    for end in ends:
        day = pd.Timestamp(end)
        still_open = frame[(frame["created"] <= day) & (frame["closed"].isna() | (frame["closed"] > day))]
        parts.append(pd.DataFrame({"provider": still_open["subject"], "service": still_open["type"],
                                   "channel": still_open["source"].map(mapping.channel.values),
                                   "stage": still_open["case_status"].map(mapping.stage.values),
                                   "day": end, "age_days": (day - still_open["created"]).dt.days}))
    both = pd.concat(parts)
    return both.groupby(list(both.columns)).size().rename("n").reset_index()


def test_backlog_at_every_quarter_end_in_one_statement(engine, raw):
    path, frame = raw
    assert cases.load(engine, path, "boston-311").rows_loaded == len(frame)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    found = queries.case_open_by_day(engine, ENDS)
    assert len(statements) == 1 and statements[0].count("FROM case_record") == 1  # the case table read once
    assert list(found.columns) == ["provider", "service", "channel", "stage", "day", "age_days", "n"]
    keys = ["provider", "service", "channel", "stage", "day", "age_days"]
    got = found.sort_values(keys).reset_index(drop=True)
    expected = _expected(frame, ENDS).sort_values(keys).reset_index(drop=True)
    assert expected["n"].sum() > 0 and set(expected["day"]) >= {dt.date(2019, 6, 30), dt.date(2026, 3, 31)}
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert found["age_days"].dtype == "int64" and found["n"].dtype == "int64"


def test_backlog_needs_quarter_ends(sqlite_engine):
    assert queries.case_open_by_day(sqlite_engine, []).empty
    assert queries.case_open_by_day(sqlite_engine, [dt.date(2019, 3, 31)]).empty
    with pytest.raises(ValueError, match="not quarter ends"):
        queries.case_open_by_day(sqlite_engine, [dt.date(2019, 3, 30)])


def test_a_frame_is_what_pandas_builds_from_the_rows(engine, raw):
    """_frame converts rows to tuples first; the frame (columns, values, dtypes) is the one pandas
    builds from the SQLAlchemy rows themselves (slowly: it asks every row for a "dtype" column)."""
    path, _ = raw
    cases.load(engine, path, "boston-311")
    t = CaseRecord
    statement = select(t.case_key, t.provider, t.created_date, t.closed_date, t.days_to_close, t.closed_on_time,
                       t.created_at).order_by(t.case_key)
    with engine.connect() as conn:
        result = conn.execute(statement)
        rows = result.fetchall()
        columns = list(result.keys())
    pd.testing.assert_frame_equal(queries._frame(engine, statement), pd.DataFrame(rows, columns=columns))
    empty = queries._frame(engine, statement.where(t.case_key == "none"))
    assert list(empty.columns) == columns and empty.empty
