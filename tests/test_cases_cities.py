"""Two more cities' real 311 exports load through a mapping alone, and their indicators match
pandas run on the raw files (data/sample/PROVENANCE.md): Los Angeles (MyLA311: cancelled and
referred-out requests, services that work in hours) and New York City (an UNKNOWN channel).

The independent side reads each CSV with pandas and the mapping's choices written out here
(never read from the project): channels, terminal statuses, the two-day rule of time_unit auto,
local times made exact instants in the city's zone. It computes every quarter's volume, digital
share of the cases whose channel was reported, cases without a reported channel, median and 90th
percentile time to complete in the unit chosen, on-time rate, cancelled cases and the backlog at
each quarter end and at the data's as-of day; the loaded and computed indicator_value rows must
equal them, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.dashboard.views import operations
from cxdash.db import operations_queries, queries
from cxdash.loaders import cases, mapping_check
from cxdash.metrics.fiscal import FiscalQuarter

from .conftest import SAMPLE, migrated_engine

FMT = "%m/%d/%Y %I:%M:%S %p"
DIGITAL = {"website", "mobile_app", "email"}  # the digital channels these two exports map to
TWO_DAYS = 2 * 24 * 60  # minutes: time_unit auto counts a service in hours below this median


@dataclass(frozen=True)
class City:
    path: Path
    mapping: str
    zone: str
    key: str
    provider: str
    service: str
    channel: str
    channels: dict             # the export's channel -> Touchpoints channel (blank: not_reported)
    status: str
    ends: dict                 # terminal status -> outcome; any other status leaves a case open
    created: str
    closed: str
    due: str
    providers: dict | None = None
    rows: int = 0
    rejected: int = 0


LA = City(SAMPLE / "la_311_sample.csv", "la-311", "America/Los_Angeles", "SRNumber", "Owner", "RequestType",
          "RequestSource", {"Call": "phone", "Voicemail": "phone", "Mobile App": "mobile_app", "Self Service": "website",
                            "Email": "email", "Walk-in": "in_person", "Driver Self Report": "other_non_digital",
                            "Council's Office": "other_non_digital"},
          "Status", {"Closed": "completed", "Referred Out": "transferred", "Cancelled": "cancelled"},
          "CreatedDate", "ClosedDate", "ServiceDate",
          {"BOS": "Bureau of Sanitation", "OCB": "Office of Community Beautification", "BSL": "Bureau of Street Lighting",
           "ITA": "Information Technology Agency", "LADWP": "Department of Water and Power"}, rows=4000, rejected=5)
NYC = City(SAMPLE / "nyc_311_sample.csv", "nyc-311", "America/New_York", "Unique Key", "Agency", "Complaint Type",
           "Open Data Channel Type", {"PHONE": "phone", "ONLINE": "website", "MOBILE": "mobile_app",
                                      "OTHER": "other_non_digital", "UNKNOWN": "not_reported"},
           "Status", {"Closed": "completed"}, "Created Date", "Closed Date", "Due Date", rows=100)
CITIES = {"la": LA, "nyc": NYC}


def _instant(text: pd.Series, zone: str) -> pd.Series:
    """Local wall-clock text -> exact instants: an hour the clocks repeat is read as the first
    (daylight) one, an hour they skip as an hour later, as Python's zoneinfo reads them (fold 0)."""
    naive = pd.to_datetime(text.replace("", None), format=FMT)
    return naive.dt.tz_localize(zone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent=pd.Timedelta(hours=1))


def read_raw(city: City) -> pd.DataFrame:
    """The file as pandas reads it, with what the indicators need under common names."""
    frame = pd.read_csv(city.path, dtype=str, keep_default_na=False)
    frame["provider"] = frame[city.provider].map(city.providers) if city.providers else frame[city.provider]
    frame["service"] = frame[city.service].map(lambda s: " ".join(s.split()))
    frame["channel"] = frame[city.channel].map(city.channels).where(frame[city.channel] != "", "not_reported")
    frame["outcome"] = frame[city.status].map(city.ends)
    created = _instant(frame[city.created], city.zone)
    end = _instant(frame[city.closed], city.zone).where(frame["outcome"].notna())
    frame["created"] = created.dt.tz_localize(None).dt.normalize()
    frame["end"] = end.dt.tz_localize(None).dt.normalize()
    frame["due"] = pd.to_datetime(frame[city.due].replace("", None), format=FMT).dt.normalize()
    frame["minutes"] = ((end - created).dt.total_seconds() // 60)
    return frame


def kept(raw: pd.DataFrame) -> pd.DataFrame:
    """The rows the loader must keep: a case that ended before it was created is rejected."""
    return raw[~(raw["minutes"] < 0)]


def _quarter(days: pd.Series) -> pd.Series:
    """'2018Q1' for the fiscal quarter of each date (FY2018 Q1 is October to December 2017)."""
    return (days.dt.year + (days.dt.month >= 10)).astype(str) + "Q" + ((days.dt.month + 2) % 12 // 3 + 1).astype(str)


def _pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q, method="inverted_cdf"))


def expected(data: pd.DataFrame, hourly: set) -> dict:
    """(indicator, 'YYYYQn') -> (value, n, unit) for one scope, from its raw rows."""
    out = {}
    created_q = _quarter(data["created"])
    for quarter, part in data.groupby(created_q):
        reported = part[part["channel"] != "not_reported"]
        out[("volume", quarter)] = (len(part), len(part), "cases")
        out[("channel_not_reported", quarter)] = (len(part) - len(reported), len(part), "cases")
        if len(reported):
            share = reported["channel"].isin(DIGITAL).mean()
            out[("digital_share", quarter)] = (share, len(reported), "percent")
    ended = data[data["end"].notna()]
    for quarter, part in ended.groupby(_quarter(ended["end"])):
        done = part[part["outcome"].isin(["completed", "transferred"])]
        cancelled = part[part["outcome"] == "cancelled"]
        if len(cancelled):
            out[("cancelled", quarter)] = (len(cancelled), len(cancelled), "cases")
        if not len(done):
            continue
        in_hours = all((p, s) in hourly for p, s in zip(done["provider"], done["service"]))
        times = done["minutes"] / 60 if in_hours else (done["end"] - done["created"]).dt.days
        unit = "hours" if in_hours else "days"
        out[("time_to_complete_median", quarter)] = (_pct(times, 50), len(done), unit)
        out[("time_to_complete_p90", quarter)] = (_pct(times, 90), len(done), unit)
        due = done[done["due"].notna()]
        if len(due):
            out[("on_time_rate", quarter)] = ((due["end"] <= due["due"]).mean(), len(due), "percent")
    return out


def backlog_days(everything: pd.DataFrame) -> list[tuple[str, pd.Timestamp]]:
    """Every quarter end from the first case's quarter, then the as-of day: the latest created or
    ended date of the whole file (the last quarter is counted then, not at its end)."""
    as_of = max(everything["created"].max(), everything["end"].max())
    first = everything["created"].min()
    days = []
    end = (first + pd.offsets.QuarterEnd(0)).normalize()
    while end < as_of:
        days.append((_quarter(pd.Series([end])).iloc[0], end))
        end = (end + pd.offsets.QuarterEnd(1)).normalize()
    days.append((_quarter(pd.Series([as_of])).iloc[0], as_of))
    return days


def backlog(data: pd.DataFrame, days) -> dict:
    out = {}
    for quarter, day in days:
        still_open = data[(data["created"] <= day) & (data["end"].isna() | (data["end"] > day))]
        if len(still_open):
            out[("backlog", quarter)] = (len(still_open), len(still_open), "cases")
    return out


def hourly_services(data: pd.DataFrame) -> set:
    """(provider, service) counted in hours by time_unit auto: the median completed case of the
    service, over every quarter, took under two days."""
    done = data[data["outcome"].isin(["completed", "transferred"])]
    return {key for key, part in done.groupby(["provider", "service"]) if _pct(part["minutes"], 50) < TWO_DAYS}


@pytest.fixture(scope="module", params=list(CITIES))
def city(request) -> City:
    return CITIES[request.param]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loaded(request, city, tmp_path_factory, catalogue):
    """The city's real file loaded through its mapping alone, and computed (read-only use)."""
    engine = migrated_engine(request, tmp_path_factory.mktemp(city.mapping))
    report = cases.load(engine, city.path, city.mapping)
    compute(engine, catalogue)
    yield engine, report
    engine.dispose()


def _stored(engine, provider: str = "all", service: str = "all") -> dict:
    frame = queries.indicators(engine)
    rows = frame[(frame.provider == provider) & (frame.service == service) & (frame.channel == "all")
                 & (frame.stage == "all")]
    return {(r.indicator, f"{r.fiscal_year}Q{r.fiscal_quarter}"): (float(r.value), int(r.n), r.unit)
            for r in rows.itertuples(index=False)}


def _compare(stored: dict, wanted: dict) -> None:
    names = {name for name, _ in wanted}
    mine = {k: v for k, v in stored.items() if k[0] in names}
    assert set(mine) == set(wanted)
    for key, (value, n, unit) in wanted.items():
        assert (mine[key][1], mine[key][2]) == (n, unit), key
        assert mine[key][0] == pytest.approx(value, abs=1e-9), key


def test_the_file_loads_through_its_mapping_alone(loaded, city):
    _, report = loaded
    raw = read_raw(city)
    assert report.status == "succeeded"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (city.rows, city.rows - city.rejected,
                                                                             city.rejected)
    assert len(raw) - len(kept(raw)) == city.rejected
    assert {r.reason for r in report.rejections} <= {"closed before it was created"}


@pytest.mark.parametrize("scope", ["all", "largest provider"])
def test_indicators_match_pandas_on_the_raw_file(loaded, city, scope):
    engine, _ = loaded
    data = kept(read_raw(city))
    hourly = hourly_services(data)
    provider = "all" if scope == "all" else data["provider"].value_counts().index[0]
    mine = data if provider == "all" else data[data["provider"] == provider]
    stored = _stored(engine, provider)
    wanted = expected(mine, hourly) | backlog(mine, backlog_days(data))
    _compare(stored, wanted)
    as_of_quarter, as_of = backlog_days(data)[-1]
    if ("backlog", as_of_quarter) in wanted:  # the last quarter says which day it was counted on
        assert stored[("backlog_as_of", as_of_quarter)][0] == as_of.toordinal()


def _la_shows_a_service_that_works_in_hours_in_hours(engine) -> None:
    data = kept(read_raw(LA))
    hourly = hourly_services(data)
    assert ("Office of Community Beautification", "Graffiti Removal") in hourly
    assert ("Bureau of Sanitation", "Bulky Items") not in hourly
    graffiti = data[(data["service"] == "Graffiti Removal")]
    stored = _stored(engine, "Office of Community Beautification", "Graffiti Removal")
    _compare(stored, expected(graffiti, hourly))
    units = {v[2] for k, v in stored.items() if k[0] == "time_to_complete_median"}
    assert units == {"hours"}
    assert {v[2] for k, v in _stored(engine).items() if k[0] == "time_to_complete_median"} == {"days"}
    cancelled = (data["outcome"] == "cancelled").sum()
    assert cancelled > 100 and sum(v[0] for k, v in _stored(engine).items() if k[0] == "cancelled") == cancelled


def _nyc_counts_unknown_channels_apart(engine) -> None:
    data = kept(read_raw(NYC))
    unknown = (data["Open Data Channel Type"] == "UNKNOWN").sum()
    stored = _stored(engine)
    assert unknown > 0 and sum(v[0] for k, v in stored.items() if k[0] == "channel_not_reported") == unknown
    assert sum(v[1] for k, v in stored.items() if k[0] == "digital_share") == len(data) - unknown


# What each export is there to show: Los Angeles a service in hours and cancelled requests, New
# York City its UNKNOWN channels.
OWN_CHECKS = {"la": _la_shows_a_service_that_works_in_hours_in_hours, "nyc": _nyc_counts_unknown_channels_apart}


def test_each_city_shows_what_its_export_is_there_to_show(loaded, city):
    engine, _ = loaded
    name, = [key for key, known in CITIES.items() if known is city]
    OWN_CHECKS[name](engine)


def test_the_cli_loads_and_computes_a_new_city_and_a_rerun_adds_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cities.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    for city in CITIES.values():
        out = runner.invoke(main, ["load", "cases", str(city.path), "--mapping", city.mapping, "--db", url])
        assert out.exit_code == 0, out.output
        assert f"{city.rows - city.rejected} rows loaded, {city.rejected} rejected" in out.output
    assert runner.invoke(main, ["compute", "--db", url]).exit_code == 0
    again = runner.invoke(main, ["load", "cases", str(LA.path), "--mapping", LA.mapping, "--db", url])
    assert again.exit_code == 0 and "unchanged" in again.output
    listed = runner.invoke(main, ["indicators", "--format", "csv", "--quarter", "FY2018Q1", "--db", url])
    data = kept(read_raw(LA))
    cancelled = int(((data["outcome"] == "cancelled") & (_quarter(data["end"].fillna(pd.Timestamp(1900, 1, 1)))
                                                           == "2018Q1")).sum())
    assert f"cancelled,2018,1,all,all,all,all,{cancelled},{cancelled},cases" in listed.output.splitlines()


def test_blank_channel_cells_are_not_reported_and_the_check_says_so(tmp_path, engine):
    """The NYC rows with three channel cells emptied (as other exports leave them): the mapping's
    blank: not_reported takes them, and the mapping check counts what went where."""
    with open(NYC.path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows[:3]:
        row[NYC.channel] = ""
    path = tmp_path / "nyc_blank_channels.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = cases.load(engine, path, NYC.mapping)
    assert (report.rows_loaded, report.rows_rejected) == (100, 0)
    unknown = sum(r[NYC.channel] == "UNKNOWN" for r in rows)
    assert queries.case_created_counts(engine).query("channel == 'not_reported'")["n"].sum() == unknown + 3
    lines = mapping_check.check(path, NYC.mapping).lines()
    assert f"  channel: {unknown + 3} rows -> not_reported ({unknown} UNKNOWN, 3 blank cells)" in lines


def test_the_operations_page_says_what_was_not_reported_and_which_unit(loaded, city):
    """The page's words from the stored indicators: the digital share with the cases it leaves
    out, the channel table's not-reported row, and hours where a service works in hours."""
    engine, _ = loaded
    data = kept(read_raw(city))
    frame = operations_queries.scope_cells(engine, "all", "all", operations.READ)
    quarters = _quarter(data["created"])
    missing = (data["channel"] == "not_reported").groupby(quarters).sum()
    label = missing.idxmax() if missing.max() > 0 else quarters.value_counts().idxmax()
    quarter = FiscalQuarter(int(label[:4]), int(label[-1]))
    mine = data[quarters == label]
    reported = mine[mine["channel"] != "not_reported"]
    gone = len(mine) - len(reported)
    cards = {c["indicator"]: c for c in operations.headline(frame, quarter, "all", 1)}
    if gone:
        assert cards["digital_share"]["n_text"] == (
            f"n = {len(reported):,} cases created whose channel was reported; {gone:,} "
            f"{'case' if gone == 1 else 'cases'} without a reported channel {'is' if gone == 1 else 'are'} not counted")
        assert cards["channel_not_reported"]["value"] == gone
        rows = {r["label"]: r for r in operations.channel_rows(operations.channel_mix(frame, quarter))}
        assert rows["Channel not reported"] == {"label": "Channel not reported", "kind": "Not reported",
                                                "cases": f"{gone:,} {'case' if gone == 1 else 'cases'}",
                                                "share": "Not counted"}
    share = reported["channel"].isin(DIGITAL).mean()
    sentence = operations.channel_takeaway(frame, quarter)
    assert sentence.startswith(f"In {quarter.display}, {share * 100:.1f}% of the {len(reported):,} "), sentence
    if city is LA:
        graffiti = operations_queries.scope_cells(engine, "Office of Community Beautification", "Graffiti Removal",
                                                  operations.READ)
        wanted = expected(data[data["service"] == "Graffiti Removal"], hourly_services(data))
        value, n, unit = wanted[("time_to_complete_p90", "2018Q2")]
        card = {c["indicator"]: c for c in operations.headline(graffiti, FiscalQuarter(2018, 2), "all", 30)}
        assert unit == "hours" and card["time_to_complete_p90"]["value_text"] == f"{value:.1f} hours".replace(".0 ", " ")
        assert card["time_to_complete_p90"]["n_text"] == f"n = {n:,} completed cases"
