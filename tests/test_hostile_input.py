"""Regression tests for the hostile files of issue 17: a bad row never stops the good ones.

Each case the issue lists is here: far-future dates (and compute bounded by the data's real
range), a 20 MB field, a count of 1e30, NUL bytes and 5,000-character keys (on SQLite and
PostgreSQL), a file cut off inside its last quoted comment, a header-only or all-rejected file
(the CLI and the scheduler's job run say so), a Windows-1252 byte left undefined, and a
semicolon- or tab-separated file.
"""
from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import CaseRecord, FeedbackItem, LoadRun, RejectedRow
from cxdash.errors import UserError
from cxdash.loaders import a11_quarterly, cases, contacts, feedback
from cxdash.loaders.csv_reader import MAX_FIELD
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.natural_keys import insert_rows
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.scheduler import run_source_job

from .conftest import CONFIG, QUARTERLY

FMT = "%m/%d/%Y %I:%M:%S %p"  # baltimore-311's date format
CASE_HEADER = ["ServiceRequestNum", "CreatedDate", "DueDate", "CloseDate", "Agency", "SRType", "MethodReceived", "SRStatus"]
COMPLAINT_HEADER = ["Complaint ID", "Date Received", "Channel", "Topic", "Type", "Comments"]
CONTACT_HEADER = ["Interval Start", "Queue", "Offered", "Answered", "Abandoned", "ASA (seconds)", "AHT (seconds)",
                  "FCR Resolved", "FCR Surveyed"]


def _write(path, header, rows, *, delimiter=",", encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _case(key, created: dt.datetime, closed: dt.datetime | None, agency="Transportation"):
    return [key, created.strftime(FMT), (created + dt.timedelta(days=10)).strftime(FMT),
            closed.strftime(FMT) if closed else "", agency, "Pothole", "Phone", "Closed" if closed else "Open"]


def _good_cases() -> list[list[str]]:
    """40 cases over FY2023-FY2024, a quarter of them still open."""
    rows = []
    for i in range(40):
        created = dt.datetime(2022, 10, 3, 9) + dt.timedelta(days=17 * i, hours=i)
        closed = None if i % 4 == 0 else created + dt.timedelta(days=(i * 7) % 60, hours=3)
        rows.append(_case(f"SR-{i:03d}", created, closed, agency="Transportation" if i % 3 else "Water"))
    return rows


def _indicators(eng) -> pd.DataFrame:
    frame = queries.indicators(eng)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _rejections(eng) -> pd.DataFrame:
    with eng.connect() as conn:
        return pd.read_sql(select(RejectedRow.line, RejectedRow.field, RejectedRow.reason), conn)


def test_far_future_and_ancient_dates_are_rejected_and_compute_equals_the_run_without_them(engine, catalogue, tmp_path):
    good = _good_cases()
    hostile = [_case("SR-9999", dt.datetime(9999, 1, 1), None),  # the placeholder date
               _case("SR-2099", dt.datetime(2099, 6, 15, 9), None),  # one case in 2099 multiplied the indicator rows
               _case("SR-1900", dt.datetime(1900, 1, 1), None),
               _case("SR-LATE", dt.datetime(2023, 5, 1, 9), dt.datetime(9999, 12, 31, 23, 59))]
    with_them = _write(tmp_path / "with.csv", CASE_HEADER, good[:20] + hostile + good[20:])
    report = cases.load(engine, with_them, "baltimore-311")
    assert (report.rows_loaded, report.rows_rejected) == (40, 4)
    rejected = {(r.line, r.field) for r in report.rejections}
    assert rejected == {(22, "CreatedDate"), (23, "CreatedDate"), (24, "CreatedDate"), (25, "CloseDate")}
    reasons = {r.line: r.reason for r in report.rejections}
    latest = DateWindow().latest.isoformat()
    assert reasons[22] == (f"date 9999-01-01 is after {latest}, the latest date accepted (the load date plus 1 year(s))")
    assert "2099-06-15 is after" in reasons[23] and "1900-01-01 is before 1990-01-01" in reasons[24]
    compute(engine, catalogue)

    alone = make_engine(f"sqlite:///{tmp_path / 'without.db'}")
    upgrade(alone)
    assert cases.load(alone, _write(tmp_path / "without.csv", CASE_HEADER, good), "baltimore-311").rows_loaded == 40
    compute(alone, catalogue)
    with_frame, without_frame = _indicators(engine), _indicators(alone)
    assert len(without_frame) > 0 and set(without_frame["indicator"]) >= {"backlog", "volume", "time_to_complete_median"}
    pd.testing.assert_frame_equal(with_frame, without_frame, check_dtype=False)
    alone.dispose()


def test_compute_stays_bounded_by_the_window_when_old_data_holds_far_dates(sqlite_engine, catalogue, tmp_path):
    """Rows stored before the window existed (here written straight to the table) cannot stretch
    the quarter-end calendar: the backlog stops at the window, and every quarter before it is as
    computed without them."""
    good = _write(tmp_path / "good.csv", CASE_HEADER, _good_cases())
    cases.load(sqlite_engine, good, "baltimore-311")
    compute(sqlite_engine, catalogue)
    before = _indicators(sqlite_engine)
    with sqlite_engine.begin() as conn:
        template = dict(conn.execute(select(CaseRecord).limit(1)).mappings().one())
        rows = []
        for key, day in (("legacy-9999", dt.date(9999, 1, 1)), ("legacy-2099", dt.date(2099, 6, 15))):
            quarter = FiscalQuarter.of_date(day)
            rows.append({**{k: v for k, v in template.items() if k not in ("id", "source", "load_run_id")},
                         "case_key": key, "created_at": dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC),
                         "created_date": day, "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter,
                         "closed_at": None, "closed_date": None, "closed_fiscal_year": None, "closed_fiscal_quarter": None,
                         "days_to_close": None, "closed_on_time": None, "due_date": None})
        insert_rows(conn, CaseRecord, template["source"], template["load_run_id"], rows)  # the same source's
    compute(sqlite_engine, catalogue, full=True)  # written behind the loaders' back: no load says to recompute
    after = _indicators(sqlite_engine)
    last = FiscalQuarter.of_date(DateWindow().latest)
    backlog = after[after["indicator"].str.startswith("backlog")]
    assert (backlog["fiscal_year"] * 10 + backlog["fiscal_quarter"]).max() <= last.year * 10 + last.quarter
    # the far cases add their own quarter's volume and nothing else; the cases still open are
    # counted at quarter ends up to the window's last quarter at most (not to 2099 or 9999)
    order = lambda frame: frame["fiscal_year"] * 10 + frame["fiscal_quarter"]  # noqa: E731
    extra = after.merge(before, how="left", indicator=True).query("_merge == 'left_only'").drop(columns="_merge")
    own = extra[extra["fiscal_year"].isin([2099, 9999])]
    assert set(own["indicator"]) == {"volume", "digital_share", "channel_not_reported"} and len(own) < 50
    stretched = extra[~extra["fiscal_year"].isin([2099, 9999])]
    assert set(stretched["indicator"]) <= {"backlog", "backlog_age_median", "backlog_as_of"}
    # The data's latest quarter was counted as of its latest day; with later (window-bounded)
    # dates it is counted at its end, so it may change: every quarter before it may not.
    assert order(stretched).min() >= order(before).max() and order(stretched).max() <= last.year * 10 + last.quarter
    kept = after[order(after) < order(before).max()].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before[order(before) < order(before).max()].reset_index(drop=True),
                                  check_dtype=False)


def test_a_20_mb_field_rejects_its_row_with_line_and_reason_and_the_next_rows_load(engine, tmp_path):
    rows = [["CMP-1", "10/23/2022 02:50", "Phone", "Wait times", "Complaint", "Long wait on the phone."],
            ["CMP-2", "10/24/2022 02:50", "Email", "Payments", "Complaint", "x" * 20_000_000],
            ["CMP-3", "10/25/2022 02:50", "Phone", "Documents", "Comment", "Forms were clear."]]
    path = _write(tmp_path / "huge.csv", COMPLAINT_HEADER, rows)
    report = feedback.load(engine, path, "example-complaints")
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    (rejection,) = report.rejections
    assert (rejection.line, rejection.field) == (3, "Comments")
    assert rejection.reason.startswith(f"field longer than {MAX_FIELD:,} characters (20,000,000)")
    with engine.connect() as conn:
        assert set(conn.execute(select(FeedbackItem.item_key)).scalars()) == {"CMP-1", "CMP-3"}


def test_a_count_of_1e30_is_a_row_error_not_an_overflow(engine, tmp_path, catalogue):
    rows = [["2021-10-01 08:00", "SYN Web form - new requests", "100", "90", "10", "30", "400", "", ""],
            ["2021-10-01 08:30", "SYN Web form - new requests", "1e30", "90", "10", "30", "400", "", ""],
            ["2021-10-01 09:00", "SYN Web form - new requests", "120", "1e400", "10", "30", "400", "", ""],
            ["2021-10-01 09:30", "SYN Web form - new requests", "120", "110", "10", "1e308", "400", "", ""],
            ["2021-10-01 10:00", "SYN Web form - new requests", "2147483648", "0", "0", "", "", "", ""]]
    report = contacts.load(engine, _write(tmp_path / "big.csv", CONTACT_HEADER, rows), "example-contact-centre")
    assert report.rows_loaded == 1
    got = {(r.line, r.field): r.reason for r in report.rejections}
    assert got == {(3, "Offered"): "number '1e30' is too large (at most 2,147,483,647)",
                   (4, "Answered"): "expected a whole number, got '1e400'",
                   (5, "ASA (seconds)"): "answer time '1e308' is too large",
                   (6, "Offered"): "number '2147483648' is too large (at most 2,147,483,647)"}
    frame = pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False).head(2)
    frame.loc[1, "attributes_q1_5"] = "1e30"
    path = tmp_path / "a11.csv"
    frame.to_csv(path, index=False)
    report = a11_quarterly.load(engine, path, catalogue)
    assert (report.rows_loaded, [(r.line, r.field) for r in report.rejections]) == (1, [(3, "attributes_q1_5")])


def test_nul_bytes_and_5000_character_keys_are_row_errors_on_every_database(engine, tmp_path):
    good = _good_cases()[:3]
    nul_key = _case("SR-N\x00UL", dt.datetime(2023, 1, 5, 9), None)
    nul_agency = _case("SR-NUL2", dt.datetime(2023, 1, 5, 9), None, agency="Trans\x00portation")
    long_key = _case("K" * 5000, dt.datetime(2023, 1, 5, 9), None)
    long_agency = _case("SR-LONG", dt.datetime(2023, 1, 5, 9), None, agency="A" * 5000)
    path = _write(tmp_path / "nul.csv", CASE_HEADER, [good[0], nul_key, nul_agency, good[1], long_key, long_agency, good[2]])
    report = cases.load(engine, path, "baltimore-311")
    assert (report.rows_loaded, report.rows_rejected) == (3, 4)
    got = {(r.line, r.field): r.reason for r in report.rejections}
    assert got == {(3, "ServiceRequestNum"): "holds a NUL byte (\\x00), which no text value may contain",
                   (4, "Agency"): "holds a NUL byte (\\x00), which no text value may contain",
                   (6, "ServiceRequestNum"): "case key longer than 200 characters (5,000)",
                   (7, "Agency"): "provider longer than 300 characters (5,000)"}
    with engine.connect() as conn:
        assert set(conn.execute(select(CaseRecord.case_key)).scalars()) == {"SR-000", "SR-001", "SR-002"}
        assert conn.execute(select(func.count()).select_from(RejectedRow)).scalar_one() == 4
    # a long and a NUL-holding column name reach the rejected rows cut and written out, never a database error
    header = [*CASE_HEADER, "N\x00" + "x" * 400]
    path = _write(tmp_path / "odd_header.csv", header, [[*good[0], "fine"], [*good[1], "bad\x00"]])
    with pytest.raises(UserError, match="header row holds NUL bytes"):
        cases.load(engine, path, "baltimore-311")
    with engine.connect() as conn:
        assert conn.execute(select(LoadRun.status).order_by(LoadRun.id.desc()).limit(1)).scalar_one() == "failed"


def test_a_file_cut_inside_its_last_quoted_comment_rejects_that_row_as_truncated(engine, tmp_path):
    path = _write(tmp_path / "cut.csv", COMPLAINT_HEADER,
                  [["CMP-1", "10/23/2022 02:50", "Phone", "Wait times", "Complaint", "Waited, then waited more."]])
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write('CMP-2,10/24/2022 02:50,Email,Payments,Complaint,"I paid twice, and the refund\nnever came; wh')
    report = feedback.load(engine, path, "example-complaints")
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    (rejection,) = report.rejections
    assert (rejection.line, rejection.field) == (3, "Comments")
    assert "the file ends inside this quoted value: the row is cut off" in rejection.reason
    with engine.connect() as conn:
        assert list(conn.execute(select(FeedbackItem.item_key)).scalars()) == ["CMP-1"]
        assert "refund" not in conn.execute(select(RejectedRow.raw)).scalar_one()  # nothing of the cut text is kept
    # a complete last row without a final newline is not cut
    whole = tmp_path / "whole.csv"
    whole.write_text(path.read_text(encoding="utf-8") + 'e is it?"', encoding="utf-8")
    assert feedback.load(engine, whole, "example-complaints").rows_loaded == 2


def test_a_file_that_stores_nothing_fails_in_the_cli_and_the_scheduler(tmp_path):
    db = f"sqlite:///{tmp_path / 'cx.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", db]).exit_code == 0
    header_only = _write(tmp_path / "header.csv", CASE_HEADER, [])
    all_bad = _write(tmp_path / "bad.csv", CASE_HEADER, [_case("SR-1", dt.datetime(9999, 1, 1), None)])
    for path, reason in ((header_only, "the file has a header and no rows"),
                         (all_bad, "every row was rejected (1 rows): first reason: line 2, CreatedDate: date 9999-01-01")):
        done = runner.invoke(main, ["load", "cases", str(path), "--mapping", "baltimore-311", "--db", db])
        assert done.exit_code != 0 and reason in done.output, done.output
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        {"name": "city", "kind": "cases", "mapping": "baltimore-311", "location": {"files": str(all_bad)}, "retries": 0}]}))
    assert run_source_job(db, str(CONFIG / "catalogue.yaml"), str(sources), "city") == "failed"
    engine = make_engine(db)
    job = queries.job_runs(engine, "city").iloc[0]
    assert (job["status"], job["rows_loaded"]) == ("failed", 0) and "every row was rejected" in job["message"]
    with engine.connect() as conn:
        assert set(conn.execute(select(LoadRun.status)).scalars()) == {"failed"}
        assert conn.execute(select(func.count()).select_from(CaseRecord)).scalar_one() == 0
    engine.dispose()


def test_a_windows_1252_file_with_an_undefined_byte_loads_with_that_character_replaced(engine, tmp_path):
    path = tmp_path / "cp1252.csv"
    lines = [",".join(COMPLAINT_HEADER),
             "CMP-1,10/23/2022 02:50,Phone,Wait times,Complaint,Caf\xe9 staff were helpful \x96 thank you",
             "CMP-2,10/24/2022 02:50,Email,Payments,Complaint,Odd byte here: \x81 and the rest of the comment"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("cp1252")  # 0x81 is undefined in Windows-1252
    report = feedback.load(engine, path, "example-complaints")
    assert (report.rows_loaded, report.rows_rejected) == (2, 0)
    with engine.connect() as conn:
        texts = dict(conn.execute(select(FeedbackItem.item_key, FeedbackItem.text_redacted)).all())
    assert "Caf\u00e9 staff were helpful \u2013 thank you" in texts["CMP-1"]
    assert "Odd byte here: \ufffd and the rest" in texts["CMP-2"]


@pytest.mark.parametrize("delimiter,name", [(";", "semicolon"), ("\t", "tab")])
def test_a_semicolon_or_tab_separated_file_says_so(engine, tmp_path, catalogue, delimiter, name):
    path = _write(tmp_path / "semi.csv", CASE_HEADER, _good_cases()[:3], delimiter=delimiter)
    with pytest.raises(UserError) as raised:
        cases.load(engine, path, "baltimore-311")
    message = str(raised.value)
    assert "missing column(s) ServiceRequestNum" in message and f"the file looks {name}-separated" in message
    quarterly = pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False).head(2)
    semi = tmp_path / "a11.csv"
    quarterly.to_csv(semi, index=False, sep=delimiter)
    with pytest.raises(UserError, match=f"missing column.*the file looks {name}-separated"):
        a11_quarterly.load(engine, semi, catalogue)
    comma = _write(tmp_path / "comma.csv", ["wrong", "columns"], [["a", "b"]])
    with pytest.raises(UserError) as raised:
        cases.load(engine, comma, "baltimore-311")
    assert "separated" not in str(raised.value)  # a comma file with the wrong columns gets no delimiter hint
