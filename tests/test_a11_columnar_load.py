"""The A-11 v2 upload read as columns, checked against pandas and against the row-by-row parser.

A generated upload mixes good rows with every kind of bad one (and good rows in unusual
spellings, which only the row-by-row parser reads), quoted multi-line comments that shift the
line numbers, and blank lines; chunks are small so duplicates and line numbers cross them.
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from cxdash.db.models import RejectedRow, SurveyCell, SurveyResponse
from cxdash.loaders import a11_responses

from .answers import answers
from .test_loader_a11_responses import DRIVERS, HEADER, PROVIDER, load, rejections

OTHER = ("Test Licensing", "Renewing a licence")
# (what is written in the cell, the field rejected or None when the row is good)
ODD_TRUST = [("7", "question_1"), ("", "question_1"), ("yes", "question_1"), (" 1 ", None), ("0 ", None)]
ODD_DRIVER = [("2", "d"), ("yes", "d"), (" 1", None), ("Null", None), (" null ", None), ("0\t", None)]


def generate(path, n: int, seed: int, prefix: str = "k"):
    """Write an upload of about ``n`` rows; return what a reader must find: {line: set of fields
    rejected} for the bad rows (field '(row)' for a misaligned one)."""
    rng = np.random.default_rng(seed)
    expected: dict[int, set[str]] = {}
    line = 2
    keys = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            key = f"{prefix}{i}"
            trust = str(rng.integers(0, 2))
            drivers = [str(v) if v < 2 else "null" for v in rng.integers(0, 3, len(DRIVERS))]
            comment = ""
            bad: set[str] = set()
            kind = rng.random()
            if kind < 0.04:
                trust, field = ODD_TRUST[rng.integers(len(ODD_TRUST))]
                bad |= {field} - {None}
            elif kind < 0.08:
                j = int(rng.integers(len(DRIVERS)))
                drivers[j], field = ODD_DRIVER[rng.integers(len(ODD_DRIVER))]
                bad |= {DRIVERS[j]} if field else set()
            elif kind < 0.10 and keys:
                key = keys[int(rng.integers(len(keys)))]  # a duplicate of an earlier key
            elif kind < 0.11:
                key = rng.choice(["", "   ", "x" * 201])
                bad.add("external_id")
            elif kind < 0.13:
                comment = "line one,\nline two \"quoted\"\r\nline three"  # three lines, commas, quotes
            elif kind < 0.14:
                handle.write(f"{key},{trust}\n")  # a truncated row
                expected[line] = {"(row)"}
                keys.append(key)
                line += 1
                continue
            elif kind < 0.15:
                handle.write(f"{key},{trust}," + ",".join(drivers) + ",Jane Roe, 12 Main St\n")  # an unquoted comma
                expected[line] = {"(row)"}  # (its key is not reused below: pandas skips the row)
                line += 1
                continue
            elif kind < 0.16:
                handle.write("\n" if rng.random() < 0.5 else ",,,\n")  # a blank row: skipped, still a line
                line += 1
                continue
            if key.strip() and key in keys:
                bad = {"external_id"}  # a duplicate is rejected for that alone
            if bad:
                expected[line] = bad
            if key.strip():
                keys.append(key)
            writer.writerow([key, trust, *drivers, comment])
            line += 1 + comment.count("\n")
    return expected


def independent(path) -> pd.DataFrame:
    """The answers the upload should store, computed from the CSV with pandas alone: one row
    per (response_key, question, value), trust as 'trust'."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, engine="python", on_bad_lines="skip",
                        skip_blank_lines=False)  # rows with extra values are skipped here
    frame = frame[frame.apply(lambda r: any(isinstance(v, str) and v.strip() for v in r), axis=1)]
    frame = frame.assign(key=frame["external_id"].str.strip())
    frame = frame[(frame["key"] == "") | ~frame["key"].duplicated()]  # a later duplicate is refused
    frame = frame[frame.notna().all(axis=1)]  # a truncated row (pandas pads it with NaN)
    frame = frame[(frame["key"] != "") & (frame["key"].str.len() <= 200)]
    cells = frame[["key", "question_1", *DRIVERS]].set_index("key").apply(lambda c: c.str.strip())
    trust_ok = cells["question_1"].isin(["0", "1"])
    driver = cells[DRIVERS].apply(lambda c: c.where(~c.str.casefold().isin(["null", ""]), None))
    drivers_ok = driver.isin(["0", "1"]).where(driver.notna(), True).all(axis=1)
    cells = cells[trust_ok & drivers_ok].rename(columns={"question_1": "trust"})
    cells[DRIVERS] = driver[trust_ok & drivers_ok]
    long = cells.reset_index().melt(id_vars="key", var_name="question", value_name="value").dropna()
    long["value"] = long["value"].astype(int)
    return long.sort_values(["key", "question"]).reset_index(drop=True)


def stored(engine, provider: str = PROVIDER) -> pd.DataFrame:
    a = answers()
    with engine.connect() as conn:
        rows = conn.execute(select(SurveyResponse.response_key, a.c.question, a.c.value)
                            .join(a, a.c.response_id == SurveyResponse.id).where(SurveyResponse.provider == provider)
                            .order_by(SurveyResponse.response_key, a.c.question)).all()
    return pd.DataFrame(rows, columns=["key", "question", "value"])


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(a11_responses, "CHUNK_ROWS", 97)


def test_columns_store_what_pandas_computes_and_reject_the_right_lines(engine, tmp_path, small_chunks):
    path = tmp_path / "mixed.csv"
    expected = generate(path, 1500, seed=3)
    report = load(engine, path, trust_scale="thumbs")
    want = independent(path)
    assert len(want) > 10000 and report.rows_loaded == want["key"].nunique()
    pd.testing.assert_frame_equal(stored(engine), want)
    found: dict[int, set[str]] = {}
    for line, field, _, raw in rejections(engine):
        found.setdefault(line, set()).add(field)
        assert "question_4" not in raw
    assert found == expected
    assert report.rows_rejected == len(expected)


def test_columns_and_row_by_row_agree_on_every_stored_answer_and_reason(engine, tmp_path, small_chunks, monkeypatch):
    """The same file through the column path and, with no spelling known to it, through
    parse_row alone (as every row was read before), into two services."""
    path = tmp_path / "mixed.csv"
    generate(path, 800, seed=11)
    load(engine, path, trust_scale="thumbs")
    monkeypatch.setattr(a11_responses, "DRIVER_CODES", {})  # every row goes through parse_row
    load(engine, path, provider=OTHER[0], service=OTHER[1], trust_scale="thumbs")
    pd.testing.assert_frame_equal(stored(engine), stored(engine, OTHER[0]))
    with engine.connect() as conn:
        lines = {p: sorted(conn.execute(select(SurveyResponse.response_key, SurveyResponse.line)
                                        .where(SurveyResponse.provider == p)).all()) for p in (PROVIDER, OTHER[0])}
        by_run = conn.execute(select(RejectedRow.load_run_id, RejectedRow.line, RejectedRow.field, RejectedRow.reason,
                                     RejectedRow.raw).order_by(RejectedRow.id)).all()
    assert lines[PROVIDER] == lines[OTHER[0]]
    first, second = sorted({r[0] for r in by_run})
    assert [r[1:] for r in by_run if r[0] == first] == [r[1:] for r in by_run if r[0] == second] != []


def test_a_rerun_with_changes_replaces_and_marks_old_and_new_cells_dirty(engine, tmp_path, small_chunks):
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    generate(first, 600, seed=5)
    generate(second, 400, seed=6)  # the same keys k0..k399 answered otherwise, k400.. only in v1
    load(engine, first, trust_scale="thumbs")
    with engine.begin() as conn:
        conn.execute(SurveyCell.__table__.update().values(dirty=False))  # as a compute leaves them
    load(engine, second, trust_scale="thumbs", quarter="FY2024Q3")  # corrected: moved to another quarter
    old, new = independent(first), independent(second)
    want = pd.concat([old[~old["key"].isin(new["key"])], new]).sort_values(["key", "question"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored(engine), want)
    with engine.connect() as conn:
        quarters = dict(conn.execute(select(SurveyResponse.response_key, SurveyResponse.fiscal_quarter)).all())
        dirty = conn.execute(select(SurveyCell.fiscal_quarter, SurveyCell.dirty)).all()
    assert len(quarters) == want["key"].nunique()  # one response per key: replaced, never added
    assert {k: q for k, q in quarters.items() if k in set(new["key"])} == dict.fromkeys(set(new["key"]), 3)
    assert sorted(dirty) == [(2, True), (3, True)]  # the cell left behind and the cell moved to


def test_reloading_the_same_rows_under_another_source_does_not_duplicate(engine, tmp_path):
    path = tmp_path / "same.csv"
    generate(path, 300, seed=9)
    load(engine, path, trust_scale="thumbs")
    load(engine, path, trust_scale="thumbs", source="another-source")
    pd.testing.assert_frame_equal(stored(engine), independent(path))
    with engine.connect() as conn:
        assert conn.execute(select(SurveyResponse.source).distinct()).scalars().all() == ["another-source"]
