"""Contact-center intervals (synthetic samples) and their indicators, checked against pandas run
directly on the raw files."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import contact_queries, queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.loaders import contacts
from cxdash.metrics.contact_centre import contact_indicators

from .conftest import CONFIG, SAMPLE, all_text
from .independent import wilson

CONTACTS_CSV = SAMPLE / "contact_centre_SYNTHETIC.csv"
EXPORT2 = Path(__file__).parent / "data" / "contact_centre_export2_SYNTHETIC.csv"
PROVIDER, SERVICE = "Synthetic example provider", "Example web contact form (synthetic)"
QUEUE_STAGE = {"SYN Web form - new requests": "start", "SYN Web form - status enquiries": "process",
               "SYN Web form - outcomes and appeals": "end"}
SKILL_STAGE = {"SYN-NEW": "start", "SYN-TRACK": "process", "SYN-CLOSE": "end"}
CHANNEL = {"Voice": "phone", "Chat": "live_chat"}


def _number(column: pd.Series) -> pd.Series:
    return pd.to_numeric(column.str.replace(",", "", regex=False).replace("", np.nan))


def _fiscal(day: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Federal fiscal year and quarter of local dates (October starts the year)."""
    return day.dt.year + (day.dt.month >= 10), (day.dt.month - 10) % 12 // 3 + 1


def _sample_frame(path: Path = CONTACTS_CSV) -> pd.DataFrame:
    """The sample as pandas reads it, with a ``valid`` flag and why a row is not."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = pd.DataFrame({"line": raw.index + 2, "queue": raw["Queue"]})
    start = pd.to_datetime(raw["Interval Start"], format="%Y-%m-%d %H:%M", errors="coerce")
    frame["fiscal_year"], frame["fiscal_quarter"] = _fiscal(start)
    frame["stage"] = raw["Queue"].map(QUEUE_STAGE)
    frame["channel"] = "phone"
    for out, column in (("offered", "Offered"), ("answered", "Answered"), ("abandoned", "Abandoned"),
                        ("asa", "ASA (seconds)"), ("resolved", "FCR Resolved"), ("known", "FCR Surveyed")):
        frame[out] = _number(raw[column])
    frame["problem"] = None
    frame.loc[frame["stage"].isna(), "problem"] = "Queue"
    frame.loc[frame["answered"] + frame["abandoned"] > frame["offered"], "problem"] = "Offered"
    frame.loc[start.isna(), "problem"] = "Interval Start"
    frame["valid"] = frame["problem"].isna()
    return frame


def _expected(frame: pd.DataFrame) -> dict:
    """The four indicators with their n, written out from the textbook definitions."""
    timed = frame[frame["asa"].notna()]
    surveyed = frame[frame["known"].notna()]
    expected = {
        "calls_offered": (frame["offered"].sum(), frame["offered"].sum()),
        "abandonment_rate": (frame["abandoned"].sum() / frame["offered"].sum(), frame["offered"].sum()),
        "average_speed_of_answer": ((timed["asa"] * timed["answered"]).sum() / timed["answered"].sum(),
                                    timed["answered"].sum()),
    }
    if surveyed["known"].sum() > 0:
        expected["first_contact_resolution"] = (surveyed["resolved"].sum() / surveyed["known"].sum(),
                                                surveyed["known"].sum())
    return expected


def _indicator(frame: pd.DataFrame, name, provider="all", service="all", channel="all", stage="all"):
    row = frame[(frame.indicator == name) & (frame.provider == provider) & (frame.service == service)
                & (frame.channel == channel) & (frame.stage == stage)]
    assert len(row) == 1, (name, provider, service, channel, stage)
    return row.iloc[0]


@pytest.fixture(scope="module")
def sample():
    return _sample_frame()


def _computed(tmp_path_factory, catalogue, path: Path, mapping: str):
    """SQLite with one file loaded through ``mapping`` and computed (read-only use)."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('contacts') / 'cxdash.db'}")
    upgrade(eng)
    report = contacts.load(eng, path, mapping)
    compute(eng, catalogue)
    return eng, report


@pytest.fixture(scope="module")
def computed(tmp_path_factory, catalogue):
    eng, report = _computed(tmp_path_factory, catalogue, CONTACTS_CSV, "example-contact-centre")
    yield eng, report
    eng.dispose()


@pytest.fixture(scope="module")
def computed_export2(tmp_path_factory, catalogue):
    eng, report = _computed(tmp_path_factory, catalogue, EXPORT2, "example-contact-centre-export2")
    yield eng, report
    eng.dispose()


def test_sample_loads_with_its_bad_rows_kept_aside(engine, sample):
    report = contacts.load(engine, CONTACTS_CSV, "example-contact-centre")
    bad = sample[~sample["valid"]]
    assert 2 <= len(bad) <= 5
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == (
        "succeeded", len(sample), int(sample["valid"].sum()), len(bad))
    assert {(r.line, r.field) for r in report.rejections} == set(zip(bad["line"], bad["problem"]))
    reasons = {r.field: r.reason for r in report.rejections}
    assert "is more than offered" in reasons["Offered"]
    assert "cannot read '2022-02-30 08:00'" in reasons["Interval Start"]
    assert "is not in the mapping's values" in reasons["Queue"]
    sums = contact_queries.contact_sums(engine)
    good = sample[sample["valid"]]
    for column in ("offered", "answered", "abandoned"):
        assert sums[column].sum() == good[column].sum()
    assert sums["resolution_known"].sum() == good["known"].sum()
    assert sums["answer_seconds"].sum() == pytest.approx((good["asa"] * good["answered"]).sum())

    again = contacts.load(engine, CONTACTS_CSV, "example-contact-centre")
    assert again.status == "unchanged"
    assert contact_queries.contact_sums(engine)["offered"].sum() == good["offered"].sum()


@pytest.mark.parametrize("quarter", [(2022, 2), (2022, 4), (2023, 1)])  # with ASA outages and holidays
@pytest.mark.parametrize("level", ["overall", "stage start", "stage end", "finest process"])
def test_indicators_match_an_independent_computation(computed, sample, quarter, level):
    engine, _ = computed
    year, q = quarter
    data = sample[sample["valid"] & (sample["fiscal_year"] == year) & (sample["fiscal_quarter"] == q)]
    scope = {}
    if level != "overall":
        stage = level.split()[1]
        data = data[data["stage"] == stage]
        scope = {"stage": stage}
        if level.startswith("finest"):
            scope |= {"provider": PROVIDER, "service": SERVICE, "channel": "phone"}
    assert len(data) > 80
    stored = queries.indicators(engine, year, q)
    expected = _expected(data)
    assert len(expected) == 4
    for name, (value, n) in expected.items():
        row = _indicator(stored, name, **scope)
        assert row.n == n and row.value == pytest.approx(value, rel=1e-9), name
    units = stored.drop_duplicates("indicator").set_index("indicator")["unit"]
    assert units.to_dict() == {"abandonment_rate": "percent", "average_speed_of_answer": "seconds",
                               "calls_offered": "contacts", "first_contact_resolution": "percent"}


def test_second_export_shape_needs_only_its_mapping(computed_export2):
    engine, report = computed_export2
    raw = pd.read_csv(EXPORT2, dtype=str, keep_default_na=False)
    utc = pd.to_datetime(raw["period_start_utc"], format="%d/%m/%Y %H:%M").dt.tz_localize("UTC")
    local = utc.dt.tz_convert("America/Los_Angeles")
    frame = pd.DataFrame({"channel": raw["channel_name"].map(CHANNEL), "stage": raw["skill"].map(SKILL_STAGE),
                          "offered": _number(raw["calls_in"]), "answered": _number(raw["handled"]),
                          "abandoned": _number(raw["dropped"]),
                          "asa": pd.to_timedelta(raw["avg_wait"]).dt.total_seconds(),
                          "resolved": np.nan, "known": np.nan})
    frame["fiscal_year"], frame["fiscal_quarter"] = _fiscal(local)
    naive_year, naive_quarter = _fiscal(utc)
    assert ((naive_year != frame["fiscal_year"]) | (naive_quarter != frame["fiscal_quarter"])).any()  # zone matters

    bad = frame["channel"].isna()
    assert (report.rows_loaded, report.rows_rejected) == ((~bad).sum(), bad.sum())
    assert [(r.line, r.field) for r in report.rejections] == [(int(i) + 2, "channel_name") for i in frame.index[bad]]
    good = frame[~bad]
    for (year, q), part in good.groupby(["fiscal_year", "fiscal_quarter"]):
        stored = queries.indicators(engine, year, q)
        for channel, rows in part.groupby("channel"):
            for name, (value, n) in _expected(rows).items():
                row = _indicator(stored, name, PROVIDER, SERVICE, channel)
                assert row.n == n and row.value == pytest.approx(value, rel=1e-9), (name, channel)
        overall = _expected(part)
        assert _indicator(stored, "abandonment_rate").value == pytest.approx(overall["abandonment_rate"][0])
        assert "first_contact_resolution" not in set(stored["indicator"])  # not in this export: not zero, absent


def _write(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _sample_rows(count: int) -> tuple[list[str], list[dict]]:
    with open(CONTACTS_CSV, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), [row for _, row in zip(range(count), reader)]


def test_changed_file_replaces_rows_without_duplicates(sqlite_engine, tmp_path):
    header, rows = _sample_rows(30)
    path = _write(tmp_path / "week.csv", header, rows)
    assert contacts.load(sqlite_engine, path, "example-contact-centre").rows_loaded == 30
    rows[4] = {**rows[4], "Offered": "2,000", "Abandoned": "900", "ASA (seconds)": "300"}
    rows.append({**rows[0], "Interval Start": "2021-10-11 08:00"})
    _write(path, header, rows)
    report = contacts.load(sqlite_engine, path, "example-contact-centre")
    assert (report.status, report.rows_loaded) == ("succeeded", 31)
    changed = _sample_frame(path)
    sums = contact_queries.contact_sums(sqlite_engine)
    for column in ("offered", "abandoned", "answered"):
        assert sums[column].sum() == changed[column].sum()
    assert sums["answer_seconds"].sum() == pytest.approx((changed["asa"] * changed["answered"]).sum())


def test_bad_rows_name_line_column_and_reason(sqlite_engine, tmp_path):
    header, (good, *_) = _sample_rows(1)
    day = "2021-11-0{} 08:00"
    rows = [
        good,                                                                           # line 2
        {**good, "Interval Start": day.format(1), "Offered": "-5"},                      # 3
        {**good, "Interval Start": day.format(2), "Answered": "12.5"},                   # 4
        {**good, "Interval Start": day.format(3), "FCR Resolved": "10", "FCR Surveyed": "5"},  # 5
        {**good, "Queue": ""},                                                          # 6
        {**good, "AHT (seconds)": "SECRET-AHT-123"},                                    # 7: duplicate of line 2
        {**good, "Interval Start": day.format(4), "ASA (seconds)": "fast"},              # 8
        {**good, "Interval Start": day.format(5), "FCR Resolved": "3", "FCR Surveyed": ""},  # 9
        {**good, "Interval Start": ""},                                                 # 10
        {**good, "Interval Start": day.format(6), "Offered": "1,2a"},                    # 11
        {**good, "Interval Start": day.format(7), "FCR Resolved": "", "FCR Surveyed": "",
         "ASA (seconds)": ""},                                                          # 12: good, unknowns
    ]
    report = contacts.load(sqlite_engine, _write(tmp_path / "bad.csv", header, rows), "example-contact-centre")
    found = {(r.line, r.field): r.reason for r in report.rejections}
    assert found == {
        (3, "Offered"): "negative count '-5'",
        (4, "Answered"): "expected a whole number, got '12.5'",
        (5, "FCR Resolved"): "resolved at first contact (10) is more than resolution known (5)",
        (6, "Queue"): "missing interval key",
        (7, "Interval Start + Queue"): f"duplicate interval key '{good['Interval Start']}|{good['Queue']}', first on line 2",
        (8, "ASA (seconds)"): "expected a number of seconds, got 'fast'",
        (9, "FCR Surveyed"): "missing: first-contact resolution needs both counts, or neither",
        (10, "Interval Start"): "missing interval key",
        (11, "Offered"): "expected a whole number, got '1,2a'",
    }
    assert (report.rows_loaded, report.rows_rejected) == (2, 9)
    assert "SECRET-AHT-123" not in " ".join(all_text(sqlite_engine))  # unmapped columns never stored
    sums = contact_queries.contact_sums(sqlite_engine)
    answered = int(good["Answered"].replace(",", ""))
    assert sums["answered"].sum() == 2 * answered and sums["answered_with_time"].sum() == answered
    assert sums["resolution_known"].sum() == int(good["FCR Surveyed"])


def test_total_answer_time_in_minutes(sqlite_engine, tmp_path):
    mapping = (CONFIG / "mappings" / "example-contact-centre.yaml").read_text()
    mapping = mapping.replace("measure: average, unit: seconds", "measure: total, unit: minutes")
    (tmp_path / "minutes.yaml").write_text(mapping)
    header, rows = _sample_rows(12)
    rows = [{**r, "ASA (seconds)": f"{i * 37.5:,.1f}"} for i, r in enumerate(rows)]
    contacts.load(sqlite_engine, _write(tmp_path / "m.csv", header, rows), tmp_path / "minutes.yaml")
    sums = contact_queries.contact_sums(sqlite_engine)
    assert sums["answer_seconds"].sum() == pytest.approx(sum(i * 37.5 * 60 for i in range(12)))


@pytest.mark.parametrize(("raw", "unit", "seconds"), [
    ("0:01:30", "hh:mm:ss", 90), ("26:00:00.5", "hh:mm:ss", 93600.5), ("2.5", "minutes", 150),
    ("1,234.5", "seconds", 1234.5)])
def test_duration_units(raw, unit, seconds):
    assert contacts.duration_seconds(raw, unit) == seconds


@pytest.mark.parametrize(("raw", "unit"), [("01:30", "hh:mm:ss"), ("0:75:00", "hh:mm:ss"), ("-3", "seconds"),
                                           ("nan", "minutes"), ("1:00:60", "hh:mm:ss")])
def test_unreadable_durations(raw, unit):
    with pytest.raises(ValueError):
        contacts.duration_seconds(raw, unit)


def test_metrics_roll_up_sums_and_leave_empty_denominators_missing():
    rng = np.random.default_rng(5)
    sums = pd.DataFrame({"g": rng.integers(0, 6, 200), "offered": rng.integers(0, 50, 200)})
    sums["abandoned"] = (sums["offered"] * rng.uniform(0, 0.3, 200)).astype(int)
    sums["answered"] = sums["offered"] - sums["abandoned"]
    sums["answered_with_time"] = sums["answered"].where(rng.uniform(size=200) > 0.2, 0)
    sums["answer_seconds"] = sums["answered_with_time"] * rng.uniform(5, 300, 200)
    sums["resolution_known"] = sums["answered"] // 5
    sums["resolved_first_contact"] = sums["resolution_known"] // 2
    sums.loc[sums["g"] == 5, sums.columns[1:]] = 0  # a group with nothing offered
    out = contact_indicators(sums, ["g"]).set_index("g")
    for g, part in sums.groupby("g"):
        row = out.loc[g]
        if g == 5:
            assert np.isnan(row.abandonment_rate) and np.isnan(row.asa_seconds) and np.isnan(row.fcr_rate)
            continue
        assert row.calls_offered == part["offered"].sum()
        assert row.abandonment_rate == pytest.approx(part["abandoned"].sum() / part["offered"].sum())
        assert row.asa_seconds == pytest.approx(part["answer_seconds"].sum() / part["answered_with_time"].sum())
        x, n = part["resolved_first_contact"].sum(), part["resolution_known"].sum()
        assert row.fcr_rate == pytest.approx(x / n)
        assert (row.fcr_ci_low, row.fcr_ci_high) == pytest.approx(wilson(x, n))


def test_load_contacts_command(tmp_path, sample):
    url = f"sqlite:///{tmp_path / 'contacts.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    out = runner.invoke(main, ["load", "contacts", str(CONTACTS_CSV), "--mapping", "example-contact-centre", "--db", url])
    assert out.exit_code == 0, out.output
    assert f"{sample['valid'].sum()} rows loaded, {(~sample['valid']).sum()} rejected of {len(sample)} read" in out.output
    listed = runner.invoke(main, ["indicators", "--format", "csv", "--quarter", "FY2022Q2", "--db", url])
    assert listed.exit_code == 0
    q2 = sample[sample["valid"] & (sample["fiscal_year"] == 2022) & (sample["fiscal_quarter"] == 2)]
    total = q2["offered"].sum()
    assert f"calls_offered,2022,2,all,all,all,all,{total},{total},contacts" in listed.output.splitlines()
