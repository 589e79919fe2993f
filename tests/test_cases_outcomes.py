"""Terminal statuses, status dates, blank channels and time to complete in hours, on a few cases
written out by hand so every expected figure can be worked out on paper (below, beside each row)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import yaml
from sqlalchemy import select

from cxdash.compute import compute
from cxdash.db import queries
from cxdash.db.models import CaseRecord
from cxdash.errors import UserError
from cxdash.loaders import cases
from cxdash.mappings import load_any_mapping

MAPPING = {
    "name": "outcomes-example", "kind": "cases", "case_key": "id",
    "provider": {"value": "Parks"}, "service": {"column": "type"},
    "channel": {"column": "via", "values": {"Phone": "phone", "Web": "website", "UNKNOWN": "not_reported"},
                "blank": "not_reported"},
    "stage": {"column": "status", "values": {"Open": "process", "Reopened": "process", "Closed": "end",
                                             "Cancelled": "end", "Duplicate": "end"}},
    "status": "status",
    "status_at": {"column": "status_at", "date_format": "%Y-%m-%d %H:%M"},
    "terminal_statuses": {"Closed": "completed", "Cancelled": "cancelled", "Duplicate": "duplicate"},
    "time_unit": "hours",
    "created_at": {"column": "created", "date_format": "%Y-%m-%d %H:%M"},
    "due_at": {"column": "due", "date_format": "%Y-%m-%d %H:%M"},
    "closed_at": {"column": "closed", "date_format": "%Y-%m-%d %H:%M"},
}
HEADER = "id,type,via,status,created,status_at,closed,due"
ROWS = [  # line: what it is
    "C1,Permit,Web,Closed,2023-01-03 09:00,2023-01-03 09:30,2023-01-05 10:00,2023-01-04 00:00",  # 2: 0.5 h, on time
    "C2,Permit,Phone,Closed,2023-01-03 10:00,,2023-01-03 12:00,2023-01-02 00:00",  # 3: no status date: its closed time, 2 h, late
    "C3,Permit,Web,Cancelled,2023-01-04 08:00,2023-02-10 08:00,,",  # 4: cancelled on 10 Feb: not completed
    "C4,Permit,Phone,Duplicate,2023-01-04 08:30,2023-01-04 09:00,,",  # 5: a duplicate
    "C5,Permit,Phone,Reopened,2023-01-05 08:00,,2023-01-10 08:00,",  # 6: reopened: open whatever its closed time
    "C6,Permit,,Open,2023-01-06 08:00,,,",  # 7: open; a blank channel: not reported
    "C7,Permit,Web,Cancelled,2023-01-06 09:00,,,",  # 8: cancelled, but when? rejected
    "C8,Permit,Web,Closed,2023-01-06 10:00,2023-01-05 10:00,,",  # 9: ended before it was created: rejected
    "C9,Permit,UNKNOWN,Closed,2023-03-19 20:00,2023-03-20 20:00,,",  # 10: 24 h; the data's latest day
]


@pytest.fixture
def mapping_path(tmp_path):
    path = tmp_path / "outcomes-example.yaml"
    path.write_text(yaml.safe_dump(MAPPING))
    return path


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def test_statuses_end_cases_at_their_status_date_and_bad_rows_say_why(engine, export, mapping_path):
    report = cases.load(engine, export, mapping_path)
    assert (report.rows_loaded, report.rows_rejected) == (7, 2)
    found = {(r.line, r.field): r.reason for r in report.rejections}
    assert found == {(8, "status"): "status 'Cancelled' ends the case, but the row has no time it ended "
                                    "(status_at or closed is blank)",
                     (9, "status_at"): "ended before it was created"}
    with engine.connect() as conn:
        stored = {r.case_key: r for r in conn.execute(select(CaseRecord))}
    assert (stored["C1"].closed_date, stored["C1"].outcome, stored["C1"].minutes_to_close) == (dt.date(2023, 1, 3), "completed", 30)
    assert (stored["C2"].minutes_to_close, stored["C2"].closed_on_time) == (120, False)
    assert (stored["C3"].closed_date, stored["C3"].outcome, stored["C3"].closed_on_time) == (dt.date(2023, 2, 10), "cancelled", None)
    assert stored["C5"].closed_date is None and stored["C5"].outcome is None
    assert stored["C6"].channel == stored["C9"].channel == "not_reported"
    assert cases.load(engine, export, mapping_path).status == "unchanged"  # a re-run adds nothing


def test_indicators_leave_cancelled_cases_out_and_count_them_apart(engine, export, mapping_path, catalogue):
    cases.load(engine, export, mapping_path)
    compute(engine, catalogue)
    frame = queries.indicators(engine, 2023, 2)  # FY2023 Q2: January to March 2023
    rows = frame[(frame.provider == "all") & (frame.service == "all") & (frame.channel == "all") & (frame.stage == "all")]
    got = {r.indicator: (r.value, r.n, r.unit) for r in rows.itertuples(index=False)}
    hours = [0.5, 2.0, 24.0]  # C1, C2, C9: completed; C3 and C4 ended without completing
    assert got["volume"] == (7, 7, "cases")
    assert got["channel_not_reported"] == (2, 7, "cases")  # C6 blank, C9 UNKNOWN
    assert got["digital_share"] == (pytest.approx(2 / 5), 5, "percent")  # C1, C3 by web of the 5 reported
    assert got["time_to_complete_median"] == (np.percentile(hours, 50, method="inverted_cdf"), 3, "hours")
    assert got["time_to_complete_p90"] == (np.percentile(hours, 90, method="inverted_cdf"), 3, "hours")
    assert got["on_time_rate"] == (0.5, 2, "percent")  # C1 on time, C2 late; C9 has no due date
    assert got["cancelled"] == (1, 1, "cases") and got["duplicate"] == (1, 1, "cases")
    # The quarter is not over: its backlog is counted on 20 March 2023, the data's latest day.
    # Open then: C5 (reopened) and C6; C3 was cancelled on 10 February and is no longer open.
    assert got["backlog"] == (2, 2, "cases")
    assert got["backlog_as_of"][0] == dt.date(2023, 3, 20).toordinal()


def test_each_source_counts_its_backlog_only_up_to_its_own_data(engine, tmp_path, mapping_path, catalogue):
    """Two exports of one service that end on different days: the one that ends on 20 March 2023
    counts its open cases then and in no later quarter, however long the other one runs on."""
    first = tmp_path / "first.csv"
    first.write_text("\n".join([HEADER, *ROWS]) + "\n")
    later = tmp_path / "later.csv"  # another source's cases, the latest on 2 August 2023 (FY2023 Q4)
    later.write_text("\n".join([HEADER, "L1,Permit,Web,Open,2023-05-01 08:00,,,",
                                "L2,Permit,Web,Closed,2023-06-01 08:00,2023-08-02 08:00,,"]) + "\n")
    cases.load(engine, first, mapping_path, source="first")
    cases.load(engine, later, mapping_path, source="later")
    compute(engine, catalogue)

    def backlog(year, quarter):
        frame = queries.indicators(engine, year, quarter)
        rows = frame[(frame.provider == "all") & (frame.service == "all") & (frame.channel == "all")
                     & (frame.stage == "all")]
        return {r.indicator: r.value for r in rows.itertuples(index=False) if r.indicator.startswith("backlog")}

    # FY2023 Q2 ends 31 March; the first source was counted on 20 March (its last day): C5 and C6,
    # 74 and 73 days old then (the median of two is the lower, as numpy's inverted CDF takes it).
    ages = [(dt.date(2023, 3, 20) - dt.date(2023, 1, 5)).days, (dt.date(2023, 3, 20) - dt.date(2023, 1, 6)).days]
    assert backlog(2023, 2) == {"backlog": 2, "backlog_age_median": np.percentile(ages, 50, method="inverted_cdf"),
                                "backlog_as_of": dt.date(2023, 3, 20).toordinal()}
    # FY2023 Q3 (to 30 June): nothing more is known of the first source's cases; the later one's
    # L1 and L2 are open at the quarter's end.
    assert backlog(2023, 3)["backlog"] == 2 and "backlog_as_of" not in backlog(2023, 3)
    # FY2023 Q4: the later source's data end on 2 August, when L1 alone is open.
    assert backlog(2023, 4)["backlog"] == 1
    assert backlog(2023, 4)["backlog_as_of"] == dt.date(2023, 8, 2).toordinal()


def _write(tmp_path, **changes) -> str:
    data = {**MAPPING, **changes}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize("changes, words", [
    ({"channel": {"value": "phone", "blank": "not_reported"}}, "blank (the value of a blank cell) goes with column"),
    ({"channel": {"column": "via", "values": {"": "not_reported"}}}, "give the value of blank cells as blank:"),
    ({"channel": {"column": "via", "blank": "carrier_pigeon"}}, "['carrier_pigeon'] are not Touchpoints channels"),
    ({"status": None}, "terminal_statuses and status_at need status"),
    ({"terminal_statuses": {"Closed": "finished"}}, "terminal_statuses.Closed"),
    ({"time_unit": "weeks"}, "time_unit"),
])
def test_a_mistaken_mapping_is_refused_with_a_helpful_message(tmp_path, changes, words):
    with pytest.raises(UserError) as refused:
        load_any_mapping(_write(tmp_path, **changes))
    assert words in str(refused.value)


def test_the_shipped_mappings_say_what_real_exports_need():
    la, nyc = load_any_mapping("la-311"), load_any_mapping("nyc-311")
    assert la.terminal_statuses == {"Closed": "completed", "Referred Out": "transferred", "Cancelled": "cancelled"}
    assert nyc.channel.values["UNKNOWN"] == "not_reported" and nyc.channel.blank == "not_reported"
    assert la.time_unit == nyc.time_unit == "auto"
    assert load_any_mapping("boston-311").terminal_statuses == {}  # without them, a closed time ends a case
