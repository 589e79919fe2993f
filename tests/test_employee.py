"""Employee-experience indices (OPM FEVS, real; a second export shape, synthetic) and the
indicators computed from them, checked against pandas run directly on the raw files."""
from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import queries
from cxdash.db.models import EmployeeIndex
from cxdash.loaders import employee

from .conftest import CONFIG, ROOT, SAMPLE, all_text

FEVS = SAMPLE / "fevs_index_scores_2015_2022.csv"
EXPORT2 = ROOT / "tests" / "data" / "employee_export2_SYNTHETIC.csv"
CODE, NAME = "Sorting Code", "Agency & Subagency Name"
YEARS = [2015, 2016, 2017, 2018, 2019, 2020, 2022]
INDICES = {"employee_engagement": "Employee Engagement: Overall", "leaders_lead": "Employee Engagement: Leaders Lead",
           "supervisors": "Employee Engagement: Supervisors",
           "intrinsic_work_experience": "Employee Engagement: Intrinsic Work Experience",
           "global_satisfaction": "Global Satisfaction"}
NOAA_PROVIDERS = {"CM09": "National Oceanic and Atmospheric Administration", "CM0901": "NOAA Satellite and Information Service",
                  "CM0902": "NOAA Fisheries", "CM0903": "National Ocean Service", "CM0904": "National Weather Service"}
KEY = ["unit_code", "fiscal_year", "indicator"]


def melt(path, code, name, years, indices, respondents, sep, percent=False) -> pd.DataFrame:
    """The raw wide file as one row per non-empty (unit, year, index) cell, with its respondents."""
    wide = pd.read_csv(path, dtype=str, keep_default_na=False)
    long = wide.melt(id_vars=[code, name], var_name="column", value_name="cell")
    split = long["column"].str.rsplit(sep, n=1, expand=True)
    long = long.assign(base=split[0], year=pd.to_numeric(split[1], errors="coerce"))
    counts = long[long["base"] == respondents].assign(
        respondents=lambda f: pd.to_numeric(f["cell"].str.replace(",", ""), errors="coerce"))
    by_base = {base: ind for ind, base in indices.items()}
    cells = long[long["base"].isin(list(by_base)) & long["year"].isin(years) & (long["cell"].str.strip() != "")]
    cells = cells.assign(indicator=cells["base"].map(by_base),
                         value=pd.to_numeric(cells["cell"].str.replace("%", "").str.strip()) / (100 if percent else 1))
    out = cells.merge(counts[[code, "year", "respondents"]], on=[code, "year"], how="left")
    return out.rename(columns={code: "unit_code", name: "unit_name", "year": "fiscal_year"})[
        ["unit_code", "unit_name", "fiscal_year", "indicator", "value", "respondents"]]


def weighted(long: pd.DataFrame, codes) -> pd.DataFrame:
    """Respondent-weighted mean and respondents per year and index over the given units."""
    part = long[long["unit_code"].isin(list(codes))].assign(vr=lambda f: f["value"] * f["respondents"])
    sums = part.groupby(["fiscal_year", "indicator"])[["vr", "respondents"]].sum()
    return pd.DataFrame({"value": sums["vr"] / sums["respondents"], "n": sums["respondents"]}).reset_index()


def stored(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(select(EmployeeIndex.__table__), conn)


def indicator_table(engine, provider, service="all") -> pd.DataFrame:
    frame = queries.indicators(engine)
    return frame[(frame.provider == provider) & (frame.service == service)].sort_values(["fiscal_year", "indicator"])


def assert_matches(got: pd.DataFrame, expected: pd.DataFrame):
    merged = expected.merge(got, on=["fiscal_year", "indicator"], how="outer", suffixes=("_expected", ""),
                            indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert merged["value"].tolist() == pytest.approx(merged["value_expected"].tolist(), rel=1e-12)
    assert merged["n"].astype(int).tolist() == merged["n_expected"].astype(int).tolist()


@pytest.fixture(scope="module")
def fevs_long():
    return melt(FEVS, CODE, NAME, YEARS, INDICES, "Response Count", "_")


def test_the_mapping_reads_every_index_published_every_year():
    mapping = yaml.safe_load((CONFIG / "mappings" / "fevs-index-scores.yaml").read_text())
    assert mapping["years"] == YEARS and mapping["indices"] == INDICES
    assert {code: unit["provider"] for code, unit in mapping["units"].items()} == NOAA_PROVIDERS
    header = pd.read_csv(FEVS, nrows=0).columns
    assert all(f"{base}_{year}" in header for base in INDICES.values() for year in YEARS)


def test_the_real_file_loads_every_reported_value(engine, fevs_long):
    report = employee.load(engine, FEVS, "fevs-index-scores")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (52, 52, 0)
    assert report.data_as_of == dt.date(2022, 6, 30)  # FY2022 Q3 (April-June), when FEVS 2022 was fielded
    rows = stored(engine)
    assert len(rows) == len(fevs_long)  # one per non-empty mapped cell: every unit maps to one service here
    assert rows.groupby("unit_code").size().to_dict() == fevs_long.groupby("unit_code").size().to_dict()
    both = rows.merge(fevs_long, on=KEY, suffixes=("", "_raw"), validate="one_to_one")
    assert len(both) == len(fevs_long)
    assert (both["value"] == both["value_raw"]).all() and (both["respondents"] == both["respondents_raw"]).all()
    assert (both["survey_year"] == both["fiscal_year"]).all() and (both["fiscal_quarter"] == 3).all()
    assert (both["service"] == "all").all()
    expected_provider = both["unit_code"].map(NOAA_PROVIDERS).fillna(both["unit_name_raw"])
    assert (both["provider"] == expected_provider).all()
    wide = pd.read_csv(FEVS, dtype=str).set_index(CODE)
    for code, year, indicator in (("CM0904", 2022, "global_satisfaction"), ("GOV", 2015, "employee_engagement"),
                                  ("CM090218", 2019, "supervisors")):
        row = rows[(rows.unit_code == code) & (rows.fiscal_year == year) & (rows.indicator == indicator)]
        assert row["value"].tolist() == [float(wide.loc[code, f"{INDICES[indicator]}_{year}"])]
        assert row["respondents"].tolist() == [int(float(wide.loc[code, f"Response Count_{year}"].replace(",", "")))]
        assert row["reporting_level"].tolist() == [wide.loc[code, f"Reporting Level_{year}"]]
    again = employee.load(engine, FEVS, "fevs-index-scores")
    assert again.status == "unchanged" and len(stored(engine)) == len(fevs_long)


def _perturb(tmp_path, edits: dict[tuple[int, str], str]):
    """A copy of the real file with cells replaced: {(file line, column): new text}."""
    with open(FEVS, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for (line, column), text in edits.items():
        rows[line - 2][column] = text
    path = tmp_path / "fevs_changed.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bad_cells_are_rejected_and_a_changed_file_replaces(engine, tmp_path, fevs_long):
    employee.load(engine, FEVS, "fevs-index-scores")
    code_on = dict(enumerate(pd.read_csv(FEVS, dtype=str)[CODE], start=2))  # file line -> unit code
    assert [code_on[line] for line in (4, 5, 6, 7, 8)] == ["CM09", "CM0901", "CM090101", "CM090103", "CM090104"]
    path = _perturb(tmp_path, {
        (4, "Global Satisfaction_2019"): "1.7",                # out of range
        (5, "Employee Engagement: Overall_2022"): "abc",       # unreadable
        (6, "Response Count_2018"): "many",                    # its 2018 values are kept out
        (7, "Sorting Code"): "",                               # the unit cannot be identified
        (8, "Employee Engagement: Supervisors_2016"): "",      # not reported: not an error
    })
    report = employee.load(engine, path, "fevs-index-scores")
    found = {(r.line, r.field): r.reason for r in report.rejections}
    assert set(found) == {(4, "Global Satisfaction_2019"), (5, "Employee Engagement: Overall_2022"),
                          (6, "Response Count_2018"), (7, "Sorting Code")}
    assert "'1.7' is outside 0-1" in found[(4, "Global Satisfaction_2019")]
    assert "cannot read 'abc'" in found[(5, "Employee Engagement: Overall_2022")]
    assert "2018 values are not stored" in found[(6, "Response Count_2018")]
    assert found[(7, "Sorting Code")] == "missing unit code"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (52, 51, 4)

    # Expected: the changed file's cells less the rejected ones, by pandas on the file; the
    # unidentified row (line 7) keeps what the first load stored for CM090103: a rejected row
    # never deletes. Every other unit's old values are replaced, not duplicated.
    wide = pd.read_csv(path, dtype=str, keep_default_na=False)
    wide.loc[wide[CODE] == "CM09", "Global Satisfaction_2019"] = ""
    wide.loc[wide[CODE] == "CM0901", "Employee Engagement: Overall_2022"] = ""
    wide.loc[wide[CODE] == "CM090101", [f"{b}_2018" for b in INDICES.values()]] = ""
    clean = tmp_path / "expected.csv"
    wide[wide[CODE] != ""].to_csv(clean, index=False)
    changed = melt(clean, CODE, NAME, YEARS, INDICES, "Response Count", "_")
    expected = pd.concat([changed, fevs_long[fevs_long.unit_code == "CM090103"]], ignore_index=True)
    assert len(expected) == len(fevs_long) - 1 - 1 - len(INDICES) - 1
    rows = stored(engine)
    assert len(rows) == len(expected)
    both = rows.merge(expected, on=KEY, suffixes=("", "_raw"), validate="one_to_one")
    assert len(both) == len(expected) and (both["value"] == both["value_raw"]).all()
    assert (both["respondents"] == both["respondents_raw"]).all()
    with engine.connect() as conn:
        assert len(queries.rejected_rows(conn, report.run_id)) == 4
    stored_text = " ".join(all_text(engine))
    assert "Subsetting Code_2022" not in stored_text and "HCAAF" not in stored_text  # unmapped columns never read


@pytest.mark.parametrize(("raw", "scale", "expected"), [
    ("0.64", "proportion", 0.64), ("1", "proportion", 1.0), ("0", "proportion", 0.0),
    ("71.5%", "percent", 0.715), (" 70.6 % ", "percent", 0.706), ("100", "percent", 1.0), ("", "percent", None),
])
def test_values_are_read_as_proportions(raw, scale, expected):
    value = employee.read_value(raw, scale)
    assert value is None if expected is None else value == pytest.approx(expected)


@pytest.mark.parametrize(("raw", "scale", "message"), [
    ("1.7", "proportion", "outside 0-1"), ("-0.1", "proportion", "outside 0-1"), ("nan", "proportion", "outside"),
    ("64%", "proportion", "'%' sign"), ("101%", "percent", "outside 0-100"), ("abc", "percent", "cannot read"),
])
def test_bad_values_say_why(raw, scale, message):
    with pytest.raises(ValueError, match=message):
        employee.read_value(raw, scale)


def test_indicators_are_respondent_weighted_means_without_double_counting(sqlite_engine, catalogue, fevs_long):
    employee.load(sqlite_engine, FEVS, "fevs-index-scores")
    compute(sqlite_engine, catalogue)
    for code, provider in NOAA_PROVIDERS.items():
        assert_matches(indicator_table(sqlite_engine, provider), weighted(fevs_long, [code]))
    assert_matches(indicator_table(sqlite_engine, "Governmentwide"), weighted(fevs_long, ["GOV"]))
    # Overall: the mapped units, each once; the line offices are inside NOAA (CM09) and already
    # in its index, and governmentwide/Commerce (unmapped) contain NOAA.
    overall = indicator_table(sqlite_engine, "all")
    assert_matches(overall, weighted(fevs_long, ["CM09"]))
    naive = weighted(fevs_long, NOAA_PROVIDERS)
    assert (naive["n"].to_numpy() > overall["n"].to_numpy()).all()  # what counting NOAA twice would give
    frame = queries.indicators(sqlite_engine)
    assert set(frame.unit) == {"percent"} and set(frame.channel) == {"all"} and set(frame.stage) == {"all"}
    assert set(frame.fiscal_quarter) == {3} and set(frame.fiscal_year) == set(YEARS)
    assert set(frame.indicator) == set(INDICES)


def test_units_sharing_providers_and_services(sqlite_engine, catalogue, fevs_long, tmp_path):
    """Several units per cell, a unit in two services, a unit inside another: a mapping on the real file."""
    regions = [f"CM0902{k:02d}" for k in range(9, 14)]      # fisheries regions
    centres = [f"CM0902{k:02d}" for k in range(14, 20)]     # fisheries science centres
    mapping = yaml.safe_load((CONFIG / "mappings" / "fevs-index-scores.yaml").read_text())
    mapping["units"] = {
        **{c: {"provider": "Fisheries field", "services": ["Permits", "Enforcement"]} for c in regions},
        **{c: {"provider": "Fisheries field", "services": ["Research"]} for c in centres},
        "CM0903": {"provider": "National Ocean Service"},
        "CM090301": {"provider": "National Ocean Service", "services": ["Charts"]},
    }
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(mapping))
    report = employee.load(sqlite_engine, FEVS, path)
    assert report.rows_rejected == 0
    rows = stored(sqlite_engine)
    per_unit = fevs_long.groupby("unit_code").size()
    assert len(rows) == per_unit.sum() + per_unit[regions].sum()  # regions stored once per service (two)
    compute(sqlite_engine, catalogue)
    assert_matches(indicator_table(sqlite_engine, "Fisheries field", "Permits"), weighted(fevs_long, regions))
    assert_matches(indicator_table(sqlite_engine, "Fisheries field", "Enforcement"), weighted(fevs_long, regions))
    assert_matches(indicator_table(sqlite_engine, "Fisheries field", "Research"), weighted(fevs_long, centres))
    assert_matches(indicator_table(sqlite_engine, "Fisheries field"), weighted(fevs_long, regions + centres))
    assert_matches(indicator_table(sqlite_engine, "National Ocean Service"), weighted(fevs_long, ["CM0903"]))
    assert_matches(indicator_table(sqlite_engine, "National Ocean Service", "Charts"), weighted(fevs_long, ["CM090301"]))
    assert_matches(indicator_table(sqlite_engine, "all"), weighted(fevs_long, regions + centres + ["CM0903"]))


EXPORT2_UNITS = {"XA01", "XA0101", "XA02", "XA03"}


def test_a_second_export_shape_loads_through_config_only(sqlite_engine, catalogue):
    indices = {"employee_engagement": "Engagement Index", "global_satisfaction": "Satisfaction Index"}
    long = melt(EXPORT2, "Org Code", "Org", [2021, 2022], indices, "Respondents", " FY", percent=True)
    report = employee.load(sqlite_engine, EXPORT2, "example-employee-export2")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (6, 6, 0)
    rows = stored(sqlite_engine)
    services = {"XA01": 2}  # XA01 delivers two services: stored once for each
    assert len(rows) == sum(services.get(c, 1) for c in long["unit_code"])
    both = rows.drop_duplicates(KEY).merge(long, on=KEY, suffixes=("", "_raw"), validate="one_to_one")
    assert len(both) == len(long)
    assert both["value"].tolist() == pytest.approx(both["value_raw"].tolist(), rel=1e-12)
    assert (both["respondents"] == both["respondents_raw"]).all()
    assert not ((rows.unit_code == "XA02") & (rows.fiscal_year == 2021)).any()  # not reported in 2021
    assert "Jordan Example" not in " ".join(all_text(sqlite_engine))  # an unmapped column is never read

    compute(sqlite_engine, catalogue)
    bureau = "Example Claims Bureau (synthetic)"
    # XA0101 sits inside XA01 (already in its index): it never adds to a cell that has XA01.
    assert_matches(indicator_table(sqlite_engine, bureau, "Filing a claim"), weighted(long, ["XA01", "XA02"]))
    assert_matches(indicator_table(sqlite_engine, bureau, "Appealing a decision"), weighted(long, ["XA01"]))
    assert_matches(indicator_table(sqlite_engine, bureau), weighted(long, ["XA01", "XA02"]))
    assert_matches(indicator_table(sqlite_engine, "Headquarters Staff"), weighted(long, ["XA04"]))
    assert_matches(indicator_table(sqlite_engine, "all"), weighted(long, ["XA01", "XA02", "XA03"]))


def test_load_employee_command(tmp_path, fevs_long):
    url = f"sqlite:///{tmp_path / 'employee.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    out = runner.invoke(main, ["load", "employee", str(FEVS), "--mapping", "fevs-index-scores", "--db", url])
    assert out.exit_code == 0, out.output
    assert "52 rows loaded, 0 rejected of 52 read (data as of 2022-06-30)" in out.output
    listed = runner.invoke(main, ["indicators", "--format", "csv", "--quarter", "FY2022Q3", "--db", url])
    assert listed.exit_code == 0, listed.output
    table = pd.read_csv(pd.io.common.StringIO(listed.output))
    nws = table[(table.indicator == "employee_engagement") & (table.provider == "National Weather Service")]
    expected = fevs_long[(fevs_long.unit_code == "CM0904") & (fevs_long.fiscal_year == 2022)
                         & (fevs_long.indicator == "employee_engagement")].iloc[0]
    assert nws[["service", "value", "n", "unit"]].values.tolist() == [
        ["all", pytest.approx(expected.value), expected.respondents, "percent"]]


def test_units_without_respondent_counts_weigh_in_only_when_none_has_one():
    from cxdash.indicators.employee import combine
    frame = pd.DataFrame({
        "source": "s", "load_run_id": 1, "unit_code": ["A", "B", "C", "D"], "provider": ["P", "P", "Q", "Q"],
        "service": "all", "fiscal_year": 2022, "fiscal_quarter": 3, "indicator": "x",
        "value": [0.5, 0.7, 0.6, 0.8], "respondents": [100.0, None, None, None]})
    got = combine(frame, ["provider"]).set_index("provider")
    assert got.loc["P", "value"] == pytest.approx(0.5) and got.loc["P", "n"] == 100   # B has no count: left out
    assert got.loc["Q", "value"] == pytest.approx((0.6 + 0.8) / 2) and got.loc["Q", "n"] == 0  # none has: plain mean
