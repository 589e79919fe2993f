"""The CX maturity self-assessment: levels against hand-worked examples (a level counts only when
every level below it is fully met; the overall level is the lowest dimension's), the model's
config validation naming the key path, recording a rating (checked and redacted), the file loader
(good rows load, bad rows kept with line, field and reason, a re-run never duplicates) on SQLite
and PostgreSQL, the Measurement evidence against an independent pandas computation on the real
A-11 quarterly sample, and the page's pure functions and glue."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from dash import dcc, html, no_update
from sqlalchemy import func, select

from cxdash.cli import main
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import maturity as view
from cxdash.dashboard.views import maturity_page
from cxdash.db import maturity_queries
from cxdash.db.models import LoadRun, MaturityRating, RejectedRow
from cxdash.errors import UserError
from cxdash.kinds import LOAD_KINDS
from cxdash.loaders import maturity as loader
from cxdash.loaders.registry import file_loader
from cxdash.maturity import (
    MaturityModel,
    load_model,
    maturity_profile,
    measurement_evidence,
    profile_from_ratings,
    record_rating,
)
from cxdash.metrics import maturity as levels
from cxdash.metrics.fiscal import FiscalQuarter

from .conftest import CONFIG, SAMPLE, quarterly_sqlite
from .test_components import text, walk

MATURITY_CSV = SAMPLE / "maturity_self_assessment_SYNTHETIC.csv"
QUARTERLY_SAMPLE = SAMPLE / "hisp_a11_quarterly_fy2021_fy2023q1.csv"
NAMES = {1: "Reactive", 2: "Tactical", 3: "Strategic", 4: "Foundational", 5: "Customer-centric"}
DIMS = {"measurement": "Measurement", "governance": "Governance", "organization-culture": "Organization & Culture",
        "customer-research": "Customer Research", "service-design": "Service Design"}
HEADER = "fiscal_year,dimension,level,status,evidence,assessed_by\n"


@pytest.fixture(scope="module")
def model() -> MaturityModel:
    return load_model(CONFIG / "maturity.yaml")


def _ratings(year: int, spec: dict[str, list[str]]) -> list[dict]:
    """{'measurement': ['met', 'met', 'partial']} -> rating rows for levels 1, 2, 3."""
    return [{"fiscal_year": year, "dimension": d, "level": i + 1, "status": s, "evidence": f"{d} {i + 1}"}
            for d, statuses in spec.items() for i, s in enumerate(statuses) if s is not None]


# --- levels, worked by hand ---------------------------------------------------------------------

@pytest.mark.parametrize(("statuses", "expected"), [
    ({1: "met", 2: "met", 3: "partial", 4: "met"}, 2),  # partial at 3 stops the count; 4 met does not count
    ({1: "not_met", 2: "met", 3: "met"}, 0),  # level 1 not met: nothing counts
    ({1: "partial"}, 0),
    ({}, 0),  # not assessed
    ({1: "met", 3: "met", 4: "met"}, 1),  # level 2 missing stops the count
    ({1: "met", 2: "met", 3: "met", 4: "met", 5: "met"}, 5),
    ({1: "met", 2: "met", 3: "met", 4: "not_met"}, 3),
])
def test_a_level_counts_only_when_every_level_below_is_met(statuses, expected):
    assert levels.dimension_level(statuses) == expected


def test_overall_is_the_lowest_dimension_and_change_since_last_year():
    now = {"a": 3, "b": 2, "c": 4}
    before = {"a": 2, "b": 2, "c": 5}
    assert levels.overall_level(now) == 2
    assert levels.overall_level({}) == 0
    assert levels.changes(now, before) == {"a": 1, "b": 0, "c": -1}
    assert levels.changes(now, None) == {"a": None, "b": None, "c": None}
    assert levels.overall_change(now, before) == 0  # min 2 -> min 2
    assert levels.overall_change({"a": 3, "b": 3}, {"a": 1, "b": 4}) == 2
    assert levels.overall_change(now, None) is None


def test_dimension_levels_from_rows_unrated_is_zero():
    rows = _ratings(2023, {"measurement": ["met", "met", "partial", "met"], "governance": ["not_met"]})
    assert levels.dimension_levels(rows, list(DIMS)) == {
        "measurement": 2, "governance": 0, "organization-culture": 0, "customer-research": 0, "service-design": 0}


def test_takeaway_sentences():
    now = {"measurement": 3, "governance": 2, "organization-culture": 2, "customer-research": 2, "service-design": 1}
    before = {"measurement": 2, "governance": 1, "organization-culture": 1, "customer-research": 2, "service-design": 1}
    assert levels.takeaway(2023, now, DIMS, NAMES, before) == (
        "In FY2023 the organization is at level 1, Reactive, overall; Measurement reached Strategic; "
        "Service Design is the weakest at Reactive; 3 dimensions improved since FY2022.")
    tied = {"measurement": 3, "governance": 3, "organization-culture": 2, "customer-research": 2,
            "service-design": 2}
    assert levels.takeaway(2023, tied, DIMS, NAMES, {**tied, "measurement": 4}) == (
        "In FY2023 the organization is at level 2, Tactical, overall; Measurement and Governance reached Strategic; "
        "Organization & Culture, Customer Research and Service Design are the weakest at Tactical; "
        "1 dimension fell back since FY2022.")
    flat = dict.fromkeys(DIMS, 2)
    assert levels.takeaway(2022, flat, DIMS, NAMES) == (
        "In FY2022 the organization is at level 2, Tactical, overall; every dimension is at Tactical.")
    zero = {**flat, "service-design": 0}
    assert levels.takeaway(2022, zero, DIMS, NAMES, flat) == (
        "In FY2022 the organization is not yet at level 1, Reactive, in every dimension; Measurement, Governance, "
        "Organization & Culture and Customer Research reached Tactical; Service Design is the weakest below Reactive "
        "(level 1 not fully met); 1 dimension fell back since FY2021.")
    assert levels.takeaway(2022, flat, DIMS, NAMES, flat).endswith("no dimension changed level since FY2021.")
    assert levels.level_name(0, NAMES) == "Not yet Reactive"


# --- the model's configuration -------------------------------------------------------------------

def _write_model(tmp_path: Path, **changes) -> Path:
    data = yaml.safe_load((CONFIG / "maturity.yaml").read_text())
    data.update(changes)
    path = tmp_path / "maturity.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_shipped_model(model):
    assert [d.name for d in model.dimensions] == list(DIMS.values())
    assert model.level_names == NAMES
    assert model.measurement_dimension == "measurement"
    assert model.dimension("organization & culture").id == "organization-culture"
    assert model.dimension("Service  Design").id == "service-design"
    assert model.level("strategic").number == 3 and model.level("3").number == 3 and model.level(4).number == 4
    assert model.level("6") is None and model.dimension("finance") is None


def test_model_is_configurable(tmp_path):
    dims = [{"id": "measurement", "name": "Data and measurement", "description": "Renamed."},
            {"id": "digital", "name": "Digital services", "description": "An agency's own dimension."}]
    m = load_model(_write_model(tmp_path, dimensions=dims))
    assert m.dimension_names == {"measurement": "Data and measurement", "digital": "Digital services"}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"dimensions": [{"id": "measurement", "description": "no name"}]}, "dimensions[0].name: Field required"),
    ({"dimensions": [{"id": "Bad Id", "name": "X", "description": "d"}]}, "dimensions[0].id: String should match"),
    ({"levels": [{"number": n, "name": f"L{n}", "description": "d"} for n in (1, 2, 4, 5)]},
     "levels: Value error, levels must be numbered [1, 2, 3, 4, 5] in order, got [1, 2, 4, 5]"),
    ({"levels": [{"number": n, "name": f"L{n}", "description": "d"} for n in (1, 2, 3, 4, 5, 6)]},
     "levels[5].number: Input should be less than or equal to 5"),
    ({"dimensions": [{"id": "a", "name": "A", "description": "d"}, {"id": "a", "name": "B", "description": "d"}]},
     "dimension ids must be unique; used twice: ['a']"),
    ({"measurement_dimension": "data"}, "measurement_dimension 'data' is not a dimension id"),
    ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
])
def test_config_errors_name_the_file_and_key_path(tmp_path, changes, expected):
    path = _write_model(tmp_path, **changes)
    with pytest.raises(UserError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert expected.removeprefix("levels: Value error, ") in message
    if expected.startswith("levels: "):
        assert f"{path}: levels: levels must be numbered" in message


# --- recording a rating ------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "field"), [
    ({"dimension": "finance"}, "dimension"),
    ({"level": 6}, "level"),
    ({"level": "expert"}, "level"),
    ({"status": "maybe"}, "status"),
    ({"fiscal_year": "23"}, "fiscal_year"),
    ({"evidence": "x" * 4001}, "evidence"),
    ({"assessed_by": "y" * 201}, "assessed_by"),
])
def test_record_rating_names_the_bad_field(sqlite_engine, model, values, field):
    base = {"fiscal_year": 2023, "dimension": "measurement", "level": 1, "status": "met", "evidence": "",
            "assessed_by": ""}
    with pytest.raises(UserError) as err:
        record_rating(sqlite_engine, model, **(base | values))
    assert str(err.value).startswith(f"{field}: ")
    assert maturity_queries.ratings(sqlite_engine) == []


def test_record_rating_redacts_replaces_and_reads_back(engine, model):
    evidence = "Jane Smith (jane.smith@example.com, 202-555-0143) confirmed the quarterly review took place."
    stored = record_rating(engine, model, "FY2023", "Customer Research", "Tactical", "partly met", evidence,
                           " CX office ")
    assert (stored["fiscal_year"], stored["dimension"], stored["level"], stored["status"], stored["assessed_by"]) == (
        2023, "customer-research", 2, "partial", "CX office")
    assert "jane.smith@example.com" not in stored["evidence"] and "202-555-0143" not in stored["evidence"]
    assert "confirmed the quarterly review took place." in stored["evidence"]
    record_rating(engine, model, 2023, "customer-research", 2, "met", "Interviews done.", "CX office")
    rows = maturity_queries.ratings(engine, 2023)
    assert len(rows) == 1  # the same year, dimension and level: replaced, not added
    assert (rows[0]["status"], rows[0]["evidence"], rows[0]["source"]) == ("met", "Interviews done.", "page")
    assert maturity_queries.rated_years(engine) == [2023]


# --- profiles -------------------------------------------------------------------------------------------

def test_profile_of_the_sample_worked_by_hand(sqlite_engine, model):
    """The sample's FY2023: Measurement 1-3 met, 4 partial -> 3; Governance 1-2 met, 3 partial -> 2;
    Organization & Culture 1-2 met, 3 not met -> 2; Customer Research 1-2 met, 3 partial -> 2;
    Service Design 1 met, 2 partial, 3 met -> 1. Overall: the lowest, 1. FY2022: 2, 1, 1, 2, 1."""
    report = loader.load(sqlite_engine, MATURITY_CSV, model)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (28, 28, 0)
    p = maturity_profile(sqlite_engine, model, 2023)
    assert [(d.id, d.level, d.level_name, d.previous_level) for d in p.dimensions] == [
        ("measurement", 3, "Strategic", 2), ("governance", 2, "Tactical", 1),
        ("organization-culture", 2, "Tactical", 1), ("customer-research", 2, "Tactical", 2),
        ("service-design", 1, "Reactive", 1)]
    assert (p.fiscal_year, p.overall, p.overall_name) == (2023, 1, "Reactive")
    assert p.takeaway == ("In FY2023 the organization is at level 1, Reactive, overall; Measurement reached Strategic; "
                          "Service Design is the weakest at Reactive; 3 dimensions improved since FY2022.")
    assert p.dimensions[0].evidence.startswith("Every catalog measure has a target")  # level 3's evidence
    first = maturity_profile(sqlite_engine, model, 2022)
    assert [d.level for d in first.dimensions] == [2, 1, 1, 2, 1]
    assert all(d.previous_level is None for d in first.dimensions)  # FY2021 was not assessed
    assert maturity_profile(sqlite_engine, model, 2024) is None
    assert json.loads(p.model_dump_json())["overall"] == 1  # what the review pack stores


def test_level_zero_profile_uses_level_one_evidence(model):
    rows = _ratings(2023, {d: ["met"] for d in DIMS if d != "service-design"}) + [
        {"fiscal_year": 2023, "dimension": "service-design", "level": 1, "status": "not_met", "evidence": "No team."}]
    p = profile_from_ratings(model, 2023, rows, None)
    design = p.dimensions[-1]
    assert (p.overall, p.overall_name, design.level, design.level_name, design.evidence) == (
        0, "Not yet Reactive", 0, "Not yet Reactive", "No team.")


# --- the loader ------------------------------------------------------------------------------------------

BAD_FILE = HEADER + "\n".join([
    "2023,measurement,1,met,Survey in place.,CX office",                 # 2 good
    "FY2023,Governance,Tactical,partly met,Board meets.,CX office",      # 3 good (names, words)
    "20x3,measurement,2,met,,",                                          # 4 fiscal_year
    "2023,finance,1,met,,",                                              # 5 dimension
    "2023,measurement,7,met,,",                                          # 6 level
    "2023,measurement,2,maybe,,",                                        # 7 status
    "2023,measurement,1,partial,Again.,CX office",                       # 8 duplicate of line 2
    "2023,service-design,1",                                             # 9 short row
    '2023,service-design,1,not met,"Call Jane Smith on 202-555-0143.",CX office',  # 10 good, redacted
]) + "\n"


def test_loader_keeps_bad_rows_with_line_field_reason_and_never_duplicates(engine, model, tmp_path):
    path = tmp_path / "assessment.csv"
    path.write_text(BAD_FILE)
    report = loader.load(engine, path, model)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (9, 3, 6)
    assert [(r.line, r.field) for r in report.rejections] == [
        (4, "fiscal_year"), (5, "dimension"), (6, "level"), (7, "status"), (8, "level"), (9, "(row)")]
    reasons = {r.line: r.reason for r in report.rejections}
    assert "'finance' is not a dimension" in reasons[5]
    assert "already rated on line 2" in reasons[8]
    assert "fewer value(s)" in reasons[9]
    assert report.data_as_of == dt.date(2023, 9, 30)
    with engine.connect() as conn:
        stored = conn.execute(select(RejectedRow.line, RejectedRow.field, RejectedRow.file_name)
                              .order_by(RejectedRow.line)).all()
        run = conn.execute(select(LoadRun.kind, LoadRun.status, LoadRun.rows_loaded)).one()
    assert [(line, field) for line, field, _ in stored] == [(r.line, r.field) for r in report.rejections]
    assert {f for _, _, f in stored} == {str(path)}
    assert tuple(run) == ("maturity", "succeeded", 3)
    rows = {(r["dimension"], r["level"]): r for r in maturity_queries.ratings(engine, 2023)}
    assert set(rows) == {("measurement", 1), ("governance", 2), ("service-design", 1)}
    assert rows[("governance", 2)]["status"] == "partial" and rows[("governance", 2)]["source"] == "file"
    assert "202-555-0143" not in rows[("service-design", 1)]["evidence"]

    assert loader.load(engine, path, model).status == "unchanged"  # the same bytes: nothing added
    path.write_text(BAD_FILE.replace("2023,measurement,1,met,Survey in place.", "2023,measurement,1,partial,Redone."))
    again = loader.load(engine, path, model)
    assert again.rows_loaded == 3
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MaturityRating)).scalar_one() == 3  # replaced
    assert maturity_queries.ratings(engine, 2023)[0]["status"] == "partial"


def test_loader_needs_its_columns(sqlite_engine, model, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("year,dimension,level\n2023,measurement,1\n")
    with pytest.raises(UserError, match="missing column.*fiscal_year.*status"):
        loader.load(sqlite_engine, path, model)


def test_maturity_is_a_load_kind_through_the_registry_and_the_cli(sqlite_engine, catalogue, tmp_path):
    assert "maturity" in LOAD_KINDS
    report = file_loader("maturity", sqlite_engine, catalogue)(MATURITY_CSV)
    assert (report.kind, report.source, report.rows_loaded) == ("maturity", "maturity", 28)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    result = CliRunner().invoke(main, ["load", "maturity", str(MATURITY_CSV), "--db", url, "--no-compute"])
    assert result.exit_code == 0, result.output
    assert "28 rows loaded, 0 rejected of 28 read" in result.output


# --- Measurement: what the data says --------------------------------------------------------------

def _norm(text) -> str:
    return " ".join(str(text).split()).casefold()


def _independent_coverage(catalogue_path: Path, csv_path: Path, year: int) -> dict[int, int | None]:
    """Per quarter: catalogue services (provider, name) with any answer count > 0 in the raw file;
    None when no row of any service has answers that quarter."""
    raw = yaml.safe_load(catalogue_path.read_text())
    wanted = {(_norm(s["provider"]), _norm(s["name"])) for s in raw["services"]}
    frame = pd.read_csv(csv_path, low_memory=False)
    counts = [f"attributes_q{q}_{p}" for q in range(1, 12) for p in range(1, 6)]
    frame["answers"] = frame[counts].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    frame = frame[(frame["attributes_collection_year"] == year) & (frame["answers"] > 0)]
    frame = frame.assign(key=[(_norm(p), _norm(s)) for p, s in zip(frame["attributes_service_provider_name"],
                                                                     frame["attributes_service_name"])])
    out = {}
    for q in range(1, 5):
        in_q = frame[frame["attributes_collection_quarter"] == q]
        out[q] = None if in_q.empty else len(set(in_q["key"]) & wanted)
    return out


def _independent_targets(catalogue_path: Path, year: int) -> tuple[int, int]:
    raw = yaml.safe_load(catalogue_path.read_text())
    measures = [m for g in raw["goals"] for o in g["objectives"] for m in o["measures"]]
    ready = [m for m in measures if f"FY{year}" in (m.get("targets") or {}) and str(m.get("owner", "")).strip()]
    return len(ready), len(measures)


@pytest.fixture(scope="module")
def sample_engine(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("maturity") / "cx.db", catalogue, QUARTERLY_SAMPLE)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_measurement_evidence_matches_an_independent_pandas_computation(sample_engine, catalogue, year):
    rows = measurement_evidence(sample_engine, catalogue, year)
    assert [r["id"] for r in rows] == ["reporting-q1", "reporting-q2", "reporting-q3", "reporting-q4", "targets-owners"]
    expected = _independent_coverage(CONFIG / "catalogue.yaml", QUARTERLY_SAMPLE, year)
    services = len(catalogue.services)
    for q in range(1, 5):
        row = rows[q - 1]
        assert row["denominator"] == services
        assert row["numerator"] == expected[q], (year, q)
        assert row["share"] == (None if expected[q] is None else pytest.approx(expected[q] / services))
    ready, total = _independent_targets(CONFIG / "catalogue.yaml", year)
    assert (rows[4]["numerator"], rows[4]["denominator"]) == (ready, total)
    assert rows[4]["share"] == pytest.approx(ready / total)


def test_measurement_evidence_hand_checked_numbers(sample_engine, catalogue):
    """FY2023: only Q1 is in the sample (8 of 11 services); FY2021 has no target for the IRS filing
    satisfaction measure (its targets start in FY2022), so 9 of 10 measures are ready."""
    fy23 = measurement_evidence(sample_engine, catalogue, 2023)
    assert [r["numerator"] for r in fy23[:4]] == [8, None, None, None]
    assert fy23[1]["detail"] == "No survey data loaded for this quarter"
    fy21 = measurement_evidence(sample_engine, catalogue, 2021)
    assert (fy21[4]["numerator"], fy21[4]["denominator"]) == (9, 10)
    assert "Tax filers are satisfied" in fy21[4]["detail"]
    assert view.measurement_sentence(fy23, 2023) == (
        "73% (8 of 11) of the catalog's services reported survey data in the 1 quarter of FY2023 with survey data "
        "loaded; 100% (10 of 10) of its measures have an FY2023 target and an owner.")


# --- the page's pure functions -------------------------------------------------------------------------------

def test_years_words_and_rows(model):
    assert view.parse_year("FY2023") == 2023 and view.parse_year("2022") == 2022 and view.parse_year("x") is None
    offered = view.year_choices([2022, 2023], [2021, 2022, 2023], dt.date(2026, 11, 25))
    assert offered == [2027, 2023, 2022, 2021]  # 25 Nov 2026 is in FY2027
    assert view.pick_year("FY2022", offered, [2022, 2023]) == 2022
    assert view.pick_year("FY1999", offered, [2022, 2023]) == 2023  # unknown: latest rated
    assert view.pick_year(None, offered, []) == 2027
    assert view.change_words(1, 2022) == "Up 1 level since FY2022"
    assert view.change_words(-2, 2022) == "Down 2 levels since FY2022"
    assert view.change_words(0, 2022) == "No change since FY2022"
    assert view.change_words(None, 2022) == "No assessment of FY2022 to compare with"
    assert view.level_words(0, NAMES) == "0 Not yet Reactive" and view.level_words(None, NAMES) == "Not assessed"

    now = _ratings(2023, {"measurement": ["met", "met", "met", "partial"], "service-design": ["met", "partial", "met"]})
    before = _ratings(2022, {"measurement": ["met", "met"], "service-design": ["met", "not_met"]})
    p = profile_from_ratings(model, 2023, now, before)
    assert view.overall_headline(p) == "Level 0 of 5"  # three dimensions not assessed: 0
    rows = {r["id"]: r for r in view.profile_rows(p, NAMES)}
    assert (rows["measurement"]["level"], rows["measurement"]["previous"], rows["measurement"]["change"]) == (
        "3 Strategic", "2 Tactical", "Up 1 level since FY2022")
    assert rows["service-design"]["change"] == "No change since FY2022"
    design = view.level_rows(model, now, "service-design")
    assert [(r["status"], r["counts"]) for r in design] == [
        ("Met", "Yes"), ("Partly met", "No"), ("Met", "No: level 2 is not fully met"),
        ("Not assessed", "No"), ("Not assessed", "No")]
    assert design[0]["evidence"] == "service-design 1" and design[3]["evidence"] == "—"
    figure = view.profile_figure(p, NAMES)
    bars = dict(zip(figure.data[0].y, figure.data[0].x))
    assert bars["Measurement: 3 Strategic"] == 3 and bars["Service Design: 1 Reactive"] == 1
    assert bars["Governance: 0 Not yet Reactive"] == 0
    assert dict(zip(figure.data[1].y, figure.data[1].x))["Measurement: 3 Strategic"] == 2  # last year's diamond


def test_form_values_are_read_for_record_rating():
    assert view.parse_form({"dimension": "governance", "level": 3, "status": "partial", "evidence": "  Notes. ",
                            "assessed_by": None}, 2023) == {
        "fiscal_year": 2023, "dimension": "governance", "level": 3, "status": "partial", "evidence": "Notes.",
        "assessed_by": ""}


# --- the glue against a real database ------------------------------------------------------------------------

@pytest.fixture
def page(catalogue, tmp_path):
    """The page's glue over a database of its own with the sample ratings."""
    from cxdash.db.engine import make_engine, upgrade
    eng = make_engine(f"sqlite:///{tmp_path / 'page.db'}")
    upgrade(eng)
    loader.load(eng, MATURITY_CSV)
    app = create_app(eng, catalogue, sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        yield eng
    eng.dispose()


def test_page_records_a_rating_and_shows_the_new_level(page):
    content, title, query = maturity_page.update("FY2023")
    assert (title, query) == ("Record a rating for FY2023", "?year=FY2023")
    shown = text(html.Div(content))
    assert "Level 1 of 5" in shown and "No change since FY2022" in shown
    notice = maturity_page.record("FY2023", {"dimension": "service-design", "level": 2, "status": "met",
                                             "evidence": "Usability testing now standard.", "assessed_by": "CX office"})
    assert notice == {"kind": "success", "text": "Saved: FY2023 Service Design, level 2 Tactical, met."}
    shown = text(html.Div(maturity_page.update("FY2023")[0]))
    assert "Level 2 of 5" in shown and "Up 1 level since FY2022" in shown  # Service Design 1 -> 3, overall 1 -> 2
    error = maturity_page.record("FY2023", {"dimension": "service-design", "level": None, "status": "met"})
    assert error["kind"] == "error" and error["text"].startswith("Not saved: level: ")
    feedback, version = maturity_page.submitted("FY2023", {"dimension": "governance", "level": 1, "status": "bogus"},
                                                {"n": 0})
    assert version is no_update and "status: " in text(feedback)  # an error does not re-render the page


def test_every_input_is_labelled_and_an_unrated_year_says_so(page):
    year = FiscalQuarter.of_date(dt.date.today()).year  # always offered, never rated in the sample
    layout = maturity_page.layout({"year": f"FY{year}"})
    nodes = list(walk(layout))
    labels = {n.htmlFor for n in nodes if isinstance(n, html.Label)}
    inputs = [n.id for n in nodes if isinstance(n, (dcc.Input, dcc.Textarea, dcc.Dropdown))]
    assert inputs and all(i in labels for i in inputs)
    assert any(isinstance(n, html.Legend) and n.children == "Status" for n in nodes)
    shown = text(layout)
    assert f"No rating has been recorded for FY{year} yet" in shown
    assert "Not assessed" in shown
