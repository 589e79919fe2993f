"""Case records and the operational indicators computed from them, checked against pandas and
numpy run directly on the raw file: the loader's rejections and the CLI on the shipped Boston
311 sample; the indicators of a second real city's export (Baltimore 311, not shipped: its
licence is unstated) as an extra check where that file is present (see data/sample/PROVENANCE.md).
The shipped sample's indicators are checked in test_cases_boston.py."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cxdash import paths
from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import queries
from cxdash.loaders import cases
from cxdash.metrics.operations import DIGITAL_CHANNELS, grouped_percentile, weighted_percentile

from .conftest import EXTRA_DATA, all_text, migrated_engine

BALTIMORE = EXTRA_DATA / "baltimore_311_sample.csv"
BOSTON = paths.sample_dir() / "boston_311_sample.csv"
extra_check = pytest.mark.skipif(not BALTIMORE.is_file(),
                                 reason="extra check: CXDASH_EXTRA_DATA names no folder with baltimore_311_sample.csv")
CHANNELS = {"Phone": "phone", "API": "other_digital", "Web": "website", "Email": "email", "Mail": "postal_mail",
            "Internal": "other_non_digital", "System": "other_digital", "Other": "other_non_digital"}
FMT = "%m/%d/%Y %I:%M:%S %p"


@pytest.fixture(scope="module")
def raw():
    frame = pd.read_csv(BALTIMORE, dtype=str)
    for column in ("CreatedDate", "DueDate", "CloseDate"):
        frame[column[:-4].lower()] = pd.to_datetime(frame[column], format=FMT).dt.normalize()
    frame["channel"] = frame["MethodReceived"].map(CHANNELS)
    return frame


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request, tmp_path_factory, catalogue):
    """The real file loaded and computed once per database (read-only use)."""
    engine = migrated_engine(request, tmp_path_factory.mktemp("cases"))
    report = cases.load(engine, BALTIMORE, "baltimore-311")
    compute(engine, catalogue)
    yield engine, report
    engine.dispose()


def _indicator(engine, name, year, quarter, provider="all"):
    frame = queries.indicators(engine, year, quarter)
    row = frame[(frame.indicator == name) & (frame.provider == provider) & (frame.service == "all")
                & (frame.channel == "all") & (frame.stage == "all")]
    assert len(row) == 1, (name, provider)
    return row.iloc[0]


@extra_check
def test_the_real_file_loads_every_case(loaded, raw):
    engine, report = loaded
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (10000, 10000, 0)
    assert report.data_as_of == max(raw["close"].max(), raw["created"].max()).date()


@extra_check
@pytest.mark.parametrize("provider", ["all", "Solid Waste", "Transportation"])
def test_indicators_match_an_independent_computation(loaded, raw, provider):
    engine, _ = loaded
    data = raw if provider == "all" else raw[raw["Agency"] == provider]
    start, end = pd.Timestamp(2018, 4, 1), pd.Timestamp(2018, 6, 30)  # FY2018 Q3
    created = data[data["created"].between(start, end)]
    closed = data[data["close"].between(start, end)]
    days = (closed["close"] - closed["created"]).dt.days
    due = closed[closed["due"].notna()]
    still_open = data[(data["created"] <= end) & (data["close"].isna() | (data["close"] > end))]
    ages = (end - still_open["created"]).dt.days

    assert _indicator(engine, "volume", 2018, 3, provider).value == len(created)
    assert _indicator(engine, "time_to_complete_median", 2018, 3, provider).value == np.percentile(days, 50, method="inverted_cdf")
    p90 = _indicator(engine, "time_to_complete_p90", 2018, 3, provider)
    assert (p90.value, p90.n) == (np.percentile(days, 90, method="inverted_cdf"), len(closed))
    on_time = _indicator(engine, "on_time_rate", 2018, 3, provider)
    assert on_time.n == len(due) and on_time.value == pytest.approx((due["close"] <= due["due"]).mean())
    stock = _indicator(engine, "backlog", 2018, 3, provider)
    assert stock.value == len(still_open)
    assert _indicator(engine, "backlog_age_median", 2018, 3, provider).value == np.percentile(ages, 50, method="inverted_cdf")
    share = _indicator(engine, "digital_share", 2018, 3, provider)
    assert share.value == pytest.approx(created["channel"].isin(DIGITAL_CHANNELS).mean())


def test_bad_rows_are_kept_aside_and_addresses_never_stored(engine, tmp_path):
    with open(BOSTON, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["closed_dt"]][:6]
    rows[1]["source"] = "Carrier pigeon"                               # line 3
    rows[2]["closed_dt"] = "2000-01-01 10:00:00"                       # line 4: closed before created
    rows[3]["open_dt"] = "2019-13-45 10:00:00"                         # line 5
    rows[4]["case_enquiry_id"] = ""                                    # line 6
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = cases.load(engine, path, "boston-311")
    assert (report.rows_loaded, report.rows_rejected) == (2, 4)
    found = {(r.line, r.field): r.reason for r in report.rejections}
    assert "'Carrier pigeon' is not in the mapping's values" in found[(3, "source")]
    assert found[(4, "closed_dt")] == "closed before it was created"
    assert "cannot read '2019-13-45 10:00:00'" in found[(5, "open_dt")]
    assert found[(6, "case_enquiry_id")] == "missing case key"
    stored = " ".join(all_text(engine))
    assert all(r["location"] not in stored for r in rows if r["location"])
    assert " MA " not in stored.upper()
    again = cases.load(engine, path, "boston-311")
    assert again.status == "unchanged"


def test_grouped_percentile_equals_numpys_weighted_percentile():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"g": rng.integers(0, 20, 600), "days": rng.integers(0, 90, 600), "n": rng.integers(1, 9, 600)})
    for q in (10, 50, 90, 99):
        fast = grouped_percentile(frame, ["g"], "days", "n", q)
        for group, part in frame.groupby("g"):
            assert fast[group] == weighted_percentile(part["days"], part["n"], q)


def test_indicators_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    out = runner.invoke(main, ["load", "cases", str(BOSTON), "--mapping", "boston-311", "--db", url])
    assert out.exit_code == 0 and "3864 rows loaded" in out.output
    listed = runner.invoke(main, ["indicators", "--format", "csv", "--quarter", "FY2019Q3", "--db", url])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0] == "indicator,fiscal_year,fiscal_quarter,provider,service,channel,stage,value,n,unit"
    created = pd.to_datetime(pd.read_csv(BOSTON, usecols=["open_dt"])["open_dt"])
    in_quarter = int(created.between("2019-04-01", "2019-06-30 23:59:59").sum())  # FY2019 Q3
    assert f"volume,2019,3,all,all,all,all,{in_quarter},{in_quarter},cases" in lines
    missing = runner.invoke(main, ["load", "cases", str(BOSTON), "--db", url])
    assert missing.exit_code != 0 and "cases needs a mapping" in missing.output
