"""Response-level exports through a mapping, on SQLite and PostgreSQL.

The shipped mappings are checked against the SYNTHETIC format examples with an independent
pandas computation on the CSV; the row rules on a small hand-made export.
"""
from __future__ import annotations

import csv
import datetime as dt
import json

import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select

from cxdash.catalogue import Catalogue
from cxdash.db.models import LoadRun, RejectedRow, SurveyAnswer, SurveyResponse, SurveySegment
from cxdash.errors import UserError
from cxdash.loaders import survey_responses

from .answers import answers
from .conftest import SAMPLE, all_text

SHAPE_1 = SAMPLE / "a11_v2_response_level_SYNTHETIC.csv"
SHAPE_2 = SAMPLE / "a11_v2_drivers_SYNTHETIC.csv"
SHAPES = [("touchpoints-form-a11", SHAPE_1, "CreatedAt"), ("touchpoints-form-a11-export2", SHAPE_2, "Created At")]
COLUMN_OF = {"satisfaction": "Satisfaction", "trust": "Trust/Confidence", "effectiveness": "Effectiveness/Quality",
             "ease": "Ease/Simplicity", "efficiency": "Efficiency/Speed", "transparency": "Equity/Transparency",
             "employee": "Helpfulness"}

PROVIDER, SERVICE = "Test Benefits Office", "Applying for benefits online"
CATALOGUE = Catalogue.model_validate({
    "version": 1, "agency": "Test agency",
    "services": [{"id": "benefits-online", "name": SERVICE, "provider": PROVIDER, "agency": "TBO",
                  "stages": ["Learn", "Apply", "Wait"], "default_stage": "Apply"}],
    "goals": [{"id": "g1", "name": "Goal", "objectives": [{"id": "o1", "name": "Objective", "measures": [{
        "id": "m1", "name": "Trust", "definition": "d", "metric": "a11_score",
        "params": {"question": "trust", "statistic": "pct_agree"}, "unit": "percent", "direction": "higher",
        "thresholds": {"at_risk_within": 0.05}, "owner": "o", "stages": ["Apply"],
        "services": ["benefits-online"], "source": "s"}]}]}],
})

WORDING = "I am satisfied with the service I received."
MAPPING = {
    "name": "test-export", "kind": "survey-responses", "response_key": "RespID",
    "submitted_at": {"column": "When", "date_format": "%m/%d/%Y %I:%M %p"},  # local New York time
    "provider": {"value": PROVIDER},
    "service": {"column": "Program", "values": {"Benefits": SERVICE, "Other": "Not in the catalogue"}},
    "channel": {"column": "Channel", "values": {"Web": "computer", "Phone call": "phone"}},
    "stage": {"column": "Step"},
    "questions": {"satisfaction": {"column": "Overall", "scale": "5pt", "wording": WORDING},
                  "trust": {"column": "Trusted", "scale": "5pt"},
                  "q8": {"column": "Helpful", "scale": "binary"}},
    "ignore": ["Comments", "Browser"],
    "segments": ["Region"],
}
HEADER = ["RespID", "When", "Program", "Channel", "Step", "Overall", "Trusted", "Helpful", "Comments", "Browser", "Region"]
COMMENT = "My case number is 12345, please call Jane Roe"


def rec(key, when="10/15/2022 10:00 AM", program="Benefits", channel="Web", step="Apply", overall="4",
        trusted="4", helpful="1", comment=COMMENT, browser="Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101",
        region="North"):
    return [key, when, program, channel, step, overall, trusted, helpful, comment, browser, region]


ROWS = [
    rec("R1", when="09/30/2022 11:30 PM", overall="5", trusted="4", helpful="1"),        # 2: FY2022 Q4 locally
    rec("R2", when="10/01/2022 12:30 AM", channel="Phone call", step="Wait", overall="4",
        trusted="", helpful="0"),                                                       # 3: FY2023 Q1; trust blank
    rec("R3", channel="Fax"),                                                           # 4
    rec("R4", program="Other"),                                                         # 5
    rec("R5", program="Unknown"),                                                       # 6
    rec("R6", overall="6", trusted="0"),                                                # 7: two bad answers
    rec("R7", when="yesterday"),                                                        # 8
    rec("R8", helpful="2"),                                                             # 9
    rec("R9", step="Deliver"),                                                          # 10
    rec(""),                                                                            # 11
    rec("R1"),                                                                          # 12
    rec("R10", overall="nan", trusted=" ", helpful="NULL"),                             # 13: nothing answered
    rec("R11", overall="4.0", trusted="3"),                                             # 14
    rec("R12", overall="4.5"),                                                          # 15
    rec("R13")[:5],                                                                     # 16
]


def write_csv(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_mapping(path, data=MAPPING):
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def answer_counts(engine) -> dict:
    a = answers()
    with engine.connect() as conn:
        return {(q, s, v): n for q, s, v, n in conn.execute(
            select(a.c.question, a.c.scale, a.c.value, func.count()).group_by(a.c.question, a.c.scale, a.c.value))}


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back the stored UTC time without its zone; PostgreSQL with it."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)




def fiscal(local: pd.Series) -> pd.Series:
    """FYyyyyQn of local timestamps, computed here independently of metrics.fiscal."""
    year = local.dt.year + (local.dt.month >= 10).astype(int)
    quarter = ((local.dt.month - 10) % 12) // 3 + 1
    return "FY" + year.astype(str) + "Q" + quarter.astype(str)


def read_example(path, created):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    utc = pd.to_datetime(frame[created].str.replace(" UTC", "+00:00", regex=False), utc=True)
    frame["utc"] = utc
    frame["fq"] = fiscal(utc.dt.tz_convert("America/New_York"))
    return frame


# --- the shipped mappings on the format examples ---------------------------------------------

@pytest.mark.parametrize("name,path,created", SHAPES)
def test_shipped_mapping_agrees_with_pandas(engine, catalogue, name, path, created):
    frame = read_example(path, created)
    report = survey_responses.load(engine, path, catalogue, name)
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == ("succeeded", len(frame), len(frame), 0)
    assert report.data_as_of == frame["utc"].dt.tz_convert("America/New_York").max().date()

    expected = {(q, "5pt", int(v)): n for q, col in COLUMN_OF.items() for v, n in frame[col].value_counts().items()}
    assert answer_counts(engine) == expected
    assert expected[("satisfaction", "5pt", 5)] == (frame["Satisfaction"] == "5").sum() > 0

    with engine.connect() as conn:
        stored = conn.execute(select(SurveyResponse.response_key, SurveyResponse.submitted_at,
                                     SurveyResponse.fiscal_year, SurveyResponse.fiscal_quarter,
                                     SurveyResponse.provider, SurveyResponse.service, SurveyResponse.agency,
                                     SurveyResponse.channel, SurveyResponse.stage, SurveyResponse.source)).all()
    per_quarter = pd.Series([f"FY{r.fiscal_year}Q{r.fiscal_quarter}" for r in stored]).value_counts().to_dict()
    assert per_quarter == frame["fq"].value_counts().to_dict()
    assert {r.response_key: as_utc(r.submitted_at) for r in stored} == {
        k: t.to_pydatetime() for k, t in zip(frame["ID"], frame["utc"])}
    assert {(r.provider, r.service, r.agency, r.channel, r.stage, r.source) for r in stored} == {
        ("Synthetic example provider", "Example web contact form (synthetic)", "EXAMPLE", "computer", "end",
         "touchpoints-form-example")}
    with engine.connect() as conn:
        segments = pd.DataFrame(conn.execute(select(SurveySegment.segment, SurveySegment.value)).all(),
                                columns=["segment", "value"])
    for column in ("UserGroup", "Years", "Region"):  # every segment answer, as in the file
        assert segments[segments["segment"] == column]["value"].value_counts().to_dict() == \
            frame[column].value_counts().to_dict()


def test_fiscal_quarter_follows_the_new_york_date_not_utc(engine, catalogue, tmp_path):
    """03:30 UTC on 1 October is still 30 September (FY Q4) in New York; 04:30 UTC is not."""
    frame = pd.read_csv(SHAPE_1, dtype=str, keep_default_na=False)
    frame.loc[0, "CreatedAt"] = "2022-10-01 03:30:00+00:00"
    frame.loc[1, "CreatedAt"] = "2022-10-01 04:30:00+00:00"
    frame.loc[2, "CreatedAt"] = "2022-01-01 04:59:59+00:00"
    path = tmp_path / "boundary.csv"
    frame.to_csv(path, index=False)
    survey_responses.load(engine, path, catalogue, "touchpoints-form-a11")
    with engine.connect() as conn:
        stored = {k: (y, q) for k, y, q in conn.execute(select(
            SurveyResponse.response_key, SurveyResponse.fiscal_year, SurveyResponse.fiscal_quarter))}
    assert [stored[frame.loc[i, "ID"]] for i in range(3)] == [(2022, 4), (2023, 1), (2022, 1)]
    expected = read_example(path, "CreatedAt")
    assert pd.Series([f"FY{y}Q{q}" for y, q in stored.values()]).value_counts().to_dict() == \
        expected["fq"].value_counts().to_dict()


def test_both_shapes_of_one_form_count_each_response_once(engine, catalogue):
    survey_responses.load(engine, SHAPE_1, catalogue, "touchpoints-form-a11")
    survey_responses.load(engine, SHAPE_2, catalogue, "touchpoints-form-a11-export2")
    assert count(engine, SurveyResponse) == 639
    assert count(engine, SurveyAnswer) == 639 * 7


def test_no_free_text_reaches_the_database(engine, catalogue, tmp_path):
    # a copy with one bad answer on a row that has a comment, so a rejected row is kept too
    frame = pd.read_csv(SHAPE_1, dtype=str, keep_default_na=False)
    commented = frame.index[frame["FreeText"].str.len() > 20][0]
    frame.loc[commented, "Satisfaction"] = "9"
    perturbed = tmp_path / "perturbed.csv"
    frame.to_csv(perturbed, index=False)
    report = survey_responses.load(engine, perturbed, catalogue, "touchpoints-form-a11")
    assert [(r.line, r.field) for r in report.rejections] == [(commented + 2, "Satisfaction")]
    survey_responses.load(engine, SHAPE_2, catalogue, "touchpoints-form-a11-export2")

    texts = all_text(engine)
    assert any(t == "touchpoints-form-example" for t in texts)  # the scan does see stored text
    free = {t for t in frame["FreeText"] if t.strip()}
    agents = {t for t in pd.read_csv(SHAPE_2, dtype=str)["User Agent"].dropna()}
    pages = {t for t in frame["Referrer"] if t.strip()}
    assert len(free) > 50
    for value in free | agents | pages:
        assert not any(t == value or (len(value) >= 10 and value in t) for t in texts), value
    with engine.connect() as conn:
        raw = json.loads(conn.execute(select(RejectedRow.raw)).scalar_one())
    assert raw["Satisfaction"] == "9" and "FreeText" not in raw and "Referrer" not in raw


# --- row rules on a hand-made export ------------------------------------------------------------

def test_rows_are_validated_and_good_rows_load(engine, tmp_path):
    mapping = write_mapping(tmp_path / "test-export.yaml")
    report = survey_responses.load(engine, write_csv(tmp_path / "export.csv", ROWS), CATALOGUE, mapping)
    assert (report.status, report.rows_read, report.rows_loaded) == ("succeeded", 15, 4)

    with engine.connect() as conn:
        found = conn.execute(select(RejectedRow.line, RejectedRow.field, RejectedRow.reason, RejectedRow.raw)
                             .order_by(RejectedRow.line, RejectedRow.field)).all()
        responses = {r.response_key: r for r in conn.execute(select(SurveyResponse))}
        a = answers()
        stored = conn.execute(select(SurveyResponse.response_key, a.c.question, a.c.scale, a.c.value, a.c.question_text)
                              .join(a, a.c.response_id == SurveyResponse.id)
                              .order_by(SurveyResponse.response_key, a.c.question)).all()
    reasons = {line: (field, reason) for line, field, reason, _ in found}
    assert [line for line, *_ in found] == [4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 15, 16]
    assert [(f, r) for line, f, r, _ in found if line == 7] == [
        ("Overall", "expected a whole number from 1 to 5 (5pt scale), got '6'"),
        ("Trusted", "expected a whole number from 1 to 5 (5pt scale), got '0'")]
    assert reasons[4] == ("Channel", "channel 'Fax' is not mapped; the mapping maps 'Web', 'Phone call'")
    assert reasons[5][0] == "Program" and "'Not in the catalogue'" in reasons[5][1] and "not in the catalog" in reasons[5][1]
    assert reasons[6] == ("Program", "service 'Unknown' is not mapped; the mapping maps 'Benefits', 'Other'")
    assert reasons[8][0] == "When" and "'yesterday'" in reasons[8][1]
    assert reasons[9] == ("Helpful", "expected 0 or 1 (binary), got '2'")
    assert reasons[10][0] == "Step" and "'Deliver'" in reasons[10][1]
    assert reasons[11][0] == "RespID" and "missing response key" in reasons[11][1]
    assert reasons[12] == ("RespID", "duplicate response key 'R1', first on line 2")
    assert reasons[15] == ("Overall", "expected a whole number from 1 to 5 (5pt scale), got '4.5'")
    assert reasons[16] == ("(row)", f"expected {len(HEADER)} values, got 5")
    for _, _, _, raw in found:
        assert set(json.loads(raw)) <= {"RespID", "When", "Program", "Channel", "Step", "Overall", "Trusted", "Helpful",
                                        "Region"}

    assert sorted(responses) == ["R1", "R10", "R11", "R2"]
    r1, r2 = responses["R1"], responses["R2"]
    assert as_utc(r1.submitted_at) == dt.datetime(2022, 10, 1, 3, 30, tzinfo=dt.UTC)  # 23:30 EDT
    assert (r1.fiscal_year, r1.fiscal_quarter, r1.channel, r1.stage, r1.agency) == (2022, 4, "computer", "Apply", "TBO")
    assert (r2.fiscal_year, r2.fiscal_quarter, r2.channel, r2.stage) == (2023, 1, "phone", "Wait")
    assert r1.service == SERVICE and r1.provider == PROVIDER and r1.source == "test-export"
    assert report.data_as_of == dt.date(2022, 10, 15)
    assert stored == [
        ("R1", "q8", "binary", 1, None), ("R1", "satisfaction", "5pt", 5, WORDING), ("R1", "trust", "5pt", 4, None),
        ("R11", "q8", "binary", 1, None), ("R11", "satisfaction", "5pt", 4, WORDING), ("R11", "trust", "5pt", 3, None),
        ("R2", "q8", "binary", 0, None), ("R2", "satisfaction", "5pt", 4, WORDING),  # blank trust: no row
    ]  # R10 answered nothing: a response without answers
    assert not any("Jane" in t or "Mozilla" in t for t in all_text(engine))
    with engine.connect() as conn:
        segments = conn.execute(select(SurveyResponse.response_key, SurveySegment.segment, SurveySegment.value)
                                .join(SurveySegment, SurveySegment.response_id == SurveyResponse.id)
                                .order_by(SurveyResponse.response_key)).all()
    assert segments == [("R1", "Region", "North"), ("R10", "Region", "North"), ("R11", "Region", "North"),
                        ("R2", "Region", "North")]


def test_rerun_is_unchanged_and_a_changed_export_replaces(engine, tmp_path):
    mapping = write_mapping(tmp_path / "m.yaml")
    first = write_csv(tmp_path / "v1.csv", [rec("A", overall="5"), rec("B", overall="2")])
    assert survey_responses.load(engine, first, CATALOGUE, mapping).rows_loaded == 2
    assert survey_responses.load(engine, first, CATALOGUE, mapping).status == "unchanged"
    assert (count(engine, SurveyResponse), count(engine, SurveyAnswer)) == (2, 6)
    second = write_csv(tmp_path / "v2.csv", [rec("B", overall="3", helpful=""), rec("C")])
    survey_responses.load(engine, second, CATALOGUE, mapping)
    assert (count(engine, SurveyResponse), count(engine, SurveyAnswer), count(engine, SurveySegment)) == (3, 8, 3)
    assert answer_counts(engine)[("satisfaction", "5pt", 3)] == 1
    assert ("satisfaction", "5pt", 2) not in answer_counts(engine)


def test_header_missing_a_mapped_column_fails_the_run(engine, tmp_path):
    mapping = write_mapping(tmp_path / "m.yaml")
    for dropped in ("Trusted", "Region"):  # a question column, a segment column
        header = [c for c in HEADER if c != dropped]
        path = write_csv(tmp_path / f"no-{dropped}.csv", [[v for c, v in zip(HEADER, rec("A")) if c != dropped]], header)
        with pytest.raises(UserError) as info:
            survey_responses.load(engine, path, CATALOGUE, mapping)
        assert str(path) in str(info.value) and f"'{dropped}'" in str(info.value)
    assert count(engine, SurveyResponse) == 0
    with engine.connect() as conn:
        assert conn.execute(select(LoadRun.status)).scalars().all() == ["failed", "failed"]


def test_shipped_mapping_on_the_wrong_shape_names_the_missing_column(engine, catalogue):
    with pytest.raises(UserError, match=r"missing column\(s\) 'CreatedAt'.*touchpoints-form-a11"):
        survey_responses.load(engine, SHAPE_2, catalogue, "touchpoints-form-a11")


def test_fixed_values_are_checked_before_loading(engine, tmp_path):
    path = write_csv(tmp_path / "e.csv", [rec("A")])
    unknown = write_mapping(tmp_path / "u.yaml", {**MAPPING, "service": {"value": "Nope"}})
    with pytest.raises(UserError, match="'Nope'.*not in the catalog"):
        survey_responses.load(engine, path, CATALOGUE, unknown)
    bad_stage = write_mapping(tmp_path / "s.yaml", {**MAPPING, "service": {"value": SERVICE}, "stage": {"value": "end"}})
    with pytest.raises(UserError, match="stage 'end' is not a stage"):
        survey_responses.load(engine, path, CATALOGUE, bad_stage)
    no_channel = write_mapping(tmp_path / "c.yaml", {k: v for k, v in MAPPING.items() if k != "channel"})
    with pytest.raises(UserError, match="does not say the channel"):
        survey_responses.load(engine, path, CATALOGUE, no_channel)
    assert count(engine, LoadRun) == 0
    # what the mapping leaves open can be given when loading; given arguments win
    report = survey_responses.load(engine, path, CATALOGUE, no_channel, channel="Mobile app", stage="Learn")
    assert report.rows_loaded == 1
    with engine.connect() as conn:
        assert tuple(conn.execute(select(SurveyResponse.channel, SurveyResponse.stage)).one()) == ("mobile_app", "Learn")


def test_iso_dates_without_offset_use_input_timezone(engine, tmp_path):
    data = {**MAPPING, "submitted_at": {"column": "When", "date_format": "iso", "input_timezone": "UTC"}}
    mapping = write_mapping(tmp_path / "iso.yaml", data)
    rows = [rec("A", when="2022-10-01T03:59:00"), rec("B", when="2022-10-01T04:00:00"),
            rec("C", when="2022-10-01T04:00:00-07:00")]  # an explicit offset wins over input_timezone
    survey_responses.load(engine, write_csv(tmp_path / "iso.csv", rows), CATALOGUE, mapping)
    with engine.connect() as conn:
        got = {k: (y, q, as_utc(t)) for k, y, q, t in conn.execute(select(
            SurveyResponse.response_key, SurveyResponse.fiscal_year, SurveyResponse.fiscal_quarter,
            SurveyResponse.submitted_at))}
    assert got == {"A": (2022, 4, dt.datetime(2022, 10, 1, 3, 59, tzinfo=dt.UTC)),
                   "B": (2023, 1, dt.datetime(2022, 10, 1, 4, 0, tzinfo=dt.UTC)),
                   "C": (2023, 1, dt.datetime(2022, 10, 1, 11, 0, tzinfo=dt.UTC))}
