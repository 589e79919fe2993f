"""One fact, one row: the same file delivered again under another source name replaces what the
first delivery stored and never adds to it, for every loader kind, on SQLite and PostgreSQL;
and a database holding a fact once per source upgrades to one row per fact."""
from __future__ import annotations

import csv
import datetime as dt
import random

import pandas as pd
import pytest
from alembic import command
from sqlalchemy import MetaData, func, insert, select

from cxdash.compute import compute
from cxdash.db.engine import alembic_config, upgrade
from cxdash.db.models import (
    A11QuarterlyCount,
    CaseRecord,
    ContactInterval,
    DriverResult,
    EmployeeIndex,
    FeedbackItem,
    FeedbackItemTheme,
    FeedbackTheme,
    IndicatorValue,
    LoadRun,
    MaturityRating,
    MeasureResult,
    PublishedValue,
    ScoreCell,
    SegmentResult,
    SurveyAnswer,
    SurveyResponse,
    SurveySegment,
    TrendResult,
)
from cxdash.loaders import (
    a11_quarterly,
    a11_responses,
    cases,
    contacts,
    employee,
    feedback,
    maturity,
    published,
    survey_responses,
)
from cxdash.maturity import load_model, maturity_profile

from .answers import answers
from .conftest import CONFIG, QUARTERLY, SAMPLE, migrated_engine

EXAMPLE_PROVIDER, EXAMPLE_SERVICE = "Synthetic example provider", "Example web contact form (synthetic)"
FEVS = SAMPLE / "fevs_index_scores_2015_2022.csv"
A11_V2_HEADER = ["external_id", "question_1", *[f"{side}_{option}" for side in ("positive", "negative") for option in
                                               ("effectiveness", "ease", "efficiency", "transparency", "humanity",
                                                "employee", "other")], "question_4"]
BALTIMORE_HEADER = ["ServiceRequestNum", "SRType", "MethodReceived", "CreatedDate", "SRStatus", "DueDate", "CloseDate",
                    "Agency", "Address"]


# --- the files of each kind --------------------------------------------------------------------------

def a11_v2_upload(folder):
    """A Likert-form A-11 v2 upload (17 columns), drivers offered on some rows only."""
    rng = random.Random(8)
    path = folder / "a11_v2_upload.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(A11_V2_HEADER)
        for i in range(150):
            drivers = [rng.choice(["0", "1", "null"]) for _ in range(14)]
            writer.writerow([f"ext-{i}", str(rng.randint(1, 5)), *drivers, "free text is never read"])
    return path


def baltimore_cases(folder):
    """Cases in the shape of the Baltimore City 311 export (config/mappings/baltimore-311.yaml):
    open and closed, early and late, over two agencies, every channel of the mapping."""
    rng = random.Random(311)
    fmt = "%m/%d/%Y %I:%M:%S %p"
    path = folder / "baltimore_311_cases.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BALTIMORE_HEADER)
        for i in range(120):
            agency, sr_type = rng.choice([("Transportation", "TRT-Traffic Signal Repairs"),
                                          ("Solid Waste", "SW-Dirty Alley"), ("Solid Waste", "SW-Bulk Scheduled")])
            created = dt.datetime(2021, 10, 1, 8) + dt.timedelta(hours=rng.randint(0, 24 * 300))
            due = created + dt.timedelta(days=rng.randint(1, 10))
            closed = created + dt.timedelta(hours=rng.randint(1, 24 * 20)) if rng.random() < 0.8 else None
            status = "Closed" if closed else rng.choice(["New", "Open", "In Progress"])
            writer.writerow([f"21-{i:08d}", sr_type, rng.choice(["Phone", "Web", "API", "Email", "Internal"]),
                             created.strftime(fmt), status, due.strftime(fmt), closed.strftime(fmt) if closed else "",
                             agency, "an address is never read"])
    return path


def load_kind(kind, engine, catalogue, folder, source) -> list:
    """Load the kind's file(s) under ``source``; the load reports."""
    if kind == "a11-quarterly":
        return [a11_quarterly.load(engine, QUARTERLY, catalogue, source=source)]
    if kind == "a11-responses":
        return [a11_responses.load(engine, a11_v2_upload(folder), catalogue, provider=EXAMPLE_PROVIDER,
                                   service=EXAMPLE_SERVICE, channel="computer", quarter="FY2022Q2", source=source)]
    if kind == "survey-responses":
        return [survey_responses.load(engine, SAMPLE / "a11_v2_response_level_SYNTHETIC.csv", catalogue,
                                      "touchpoints-form-a11", source=source)]
    if kind == "cases":
        return [cases.load(engine, baltimore_cases(folder), "baltimore-311", source=source)]
    if kind == "contacts":
        return [contacts.load(engine, SAMPLE / "contact_centre_SYNTHETIC.csv", "example-contact-centre", source=source)]
    if kind == "feedback":
        return [feedback.load(engine, SAMPLE / "complaints_SYNTHETIC.csv", "example-complaints", source=source)]
    if kind == "employee":
        return [employee.load(engine, FEVS, "fevs-index-scores", source=source)]
    if kind == "published":  # two files with figures of the same quarters and cell
        return [published.load(engine, SAMPLE / "perfgov_hisp_quarterly_data_va_vha.csv",
                               "perfgov-hisp-quarterly-volumes", source=source),
                published.load(engine, SAMPLE / "perfgov_hisp_question_details_va_vha.csv",
                               "perfgov-hisp-question-details", source=source)]
    if kind == "maturity":
        return [maturity.load(engine, SAMPLE / "maturity_self_assessment_SYNTHETIC.csv", load_model(), source=source)]
    raise AssertionError(kind)


KINDS = ["a11-quarterly", "a11-responses", "survey-responses", "cases", "contacts", "feedback", "employee",
         "published", "maturity"]


# --- what is compared ----------------------------------------------------------------------------------

COMPUTED = [ScoreCell, MeasureResult, IndicatorValue, DriverResult, SegmentResult, TrendResult]
FACTS = [A11QuarterlyCount, SurveyResponse, CaseRecord, ContactInterval, FeedbackItem, EmployeeIndex,
         PublishedValue, MaturityRating]
DEPENDANTS = [SurveyAnswer, SurveySegment, FeedbackItemTheme]
DELIVERY = {"id", "load_run_id", "source", "updated_at"}  # who delivered a fact and when, not the fact


def _sorted(conn, statement) -> list[tuple]:
    return sorted((tuple(row) for row in conn.execute(statement)), key=repr)


def computed_outputs(engine, model=None) -> dict[str, list[tuple]]:
    """Every computed row (ids and times left out), feedback themes by label and item key, and
    the maturity profiles: everything the pages read."""
    with engine.connect() as conn:
        out = {m.__tablename__: _sorted(conn, select(*[c for c in m.__table__.columns
                                                       if c.name not in ("id", "computed_at")])) for m in COMPUTED}
        out["feedback_theme"] = _sorted(conn, select(FeedbackTheme.label, FeedbackTheme.terms))
        out["feedback_item_theme"] = _sorted(conn, select(FeedbackItem.item_key, FeedbackTheme.label, FeedbackItemTheme.weight)
                                             .join(FeedbackItem, FeedbackItem.id == FeedbackItemTheme.feedback_item_id)
                                             .join(FeedbackTheme, FeedbackTheme.id == FeedbackItemTheme.theme_id))
        years = conn.execute(select(MaturityRating.fiscal_year).distinct()).scalars().all()
    out["maturity_profile"] = [maturity_profile(engine, model, year).model_dump_json() for year in sorted(years)]
    return out


def stored_facts(engine) -> dict[str, list[tuple]]:
    """Every stored fact without who delivered it; answers, segments and item themes by the
    natural key of the row they belong to."""
    with engine.connect() as conn:
        out = {m.__tablename__: _sorted(conn, select(*[c for c in m.__table__.columns if c.name not in DELIVERY]))
               for m in FACTS}
        response = [SurveyResponse.response_key, SurveyResponse.provider, SurveyResponse.service]
        a = answers()
        out["survey_answer"] = _sorted(conn, select(*response, a.c.question, a.c.scale, a.c.value, a.c.question_text)
                                       .join(SurveyResponse, SurveyResponse.id == a.c.response_id))
        out["survey_segment"] = _sorted(conn, select(*response, SurveySegment.segment, SurveySegment.value)
                                        .join(SurveyResponse, SurveyResponse.id == SurveySegment.response_id))
    return out


def assert_same(got: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> None:
    """Equal row by row and value by value; floats to 12 significant digits, since a database may
    sum the same values in another order once they are stored again (PostgreSQL does)."""
    assert got.keys() == expected.keys()
    for table, rows in expected.items():
        assert len(got[table]) == len(rows), table
        for mine, theirs in zip(got[table], rows):
            assert len(mine) == len(theirs), table
            for a, b in zip(mine, theirs):
                assert a == (pytest.approx(b, rel=1e-12) if isinstance(b, float) else b), (table, theirs)


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
                for m in [*FACTS, *DEPENDANTS]}


def delivered_by(engine) -> set[str]:
    """The sources that delivered the stored facts last."""
    with engine.connect() as conn:
        return {s for m in FACTS if m is not MaturityRating for s in conn.execute(select(m.source).distinct()).scalars()}


# --- a second delivery replaces ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_the_same_file_under_another_source_leaves_every_output_unchanged(engine, catalogue, tmp_path, kind):
    model = load_model()
    first = load_kind(kind, engine, catalogue, tmp_path, "source-a")
    assert all(r.status == "succeeded" and r.rows_loaded > 0 for r in first)
    compute(engine, catalogue)
    outputs, facts, counts = computed_outputs(engine, model), stored_facts(engine), row_counts(engine)

    second = load_kind(kind, engine, catalogue, tmp_path, "source-b")
    assert [(r.status, r.rows_read, r.rows_loaded, r.rows_rejected) for r in second] == [
        ("succeeded", r.rows_read, r.rows_loaded, r.rows_rejected) for r in first]  # delivered again, in full
    compute(engine, catalogue)

    assert row_counts(engine) == counts
    assert stored_facts(engine) == facts
    assert_same(computed_outputs(engine, model), outputs)
    assert delivered_by(engine) == ({"source-b"} if kind != "maturity" else set())
    # not vacuous: the kind stored facts and, but for maturity ratings, something was computed from them
    assert sum(counts.values()) > 0
    assert kind == "maturity" or any(outputs[m.__tablename__] for m in COMPUTED)
    assert kind != "maturity" or outputs["maturity_profile"]


def test_the_issue_vha_outpatient_trust_keeps_its_n_and_status(engine, catalogue):
    """The demo's sample-a11-quarterly, then `cxdash load a11-quarterly` of the same file: the
    n stays the file's (485,157, summed here from the raw CSV), not twice that."""
    raw = pd.read_csv(QUARTERLY)
    cell = raw[(raw.attributes_service_provider_name == "Veterans Health Administration")
               & (raw.attributes_service_name.str.split().str.join(" ") == "Receiving outpatient services")
               & (raw.attributes_collection_year == 2023) & (raw.attributes_collection_quarter == 1)]
    n = int(sum(cell[f"attributes_q2_{k}"].sum() for k in range(1, 6)))  # q2: trust
    agree = int(cell["attributes_q2_4"].sum() + cell["attributes_q2_5"].sum())
    assert n == 485_157

    def whole_scope():
        with engine.connect() as conn:
            return conn.execute(select(MeasureResult.n, MeasureResult.value, MeasureResult.status).where(
                MeasureResult.measure_id == "vha-outpatient-trust", MeasureResult.provider == "all",
                MeasureResult.channel == "all", MeasureResult.fiscal_year == 2023,
                MeasureResult.fiscal_quarter == 1)).one()

    a11_quarterly.load(engine, QUARTERLY, catalogue, source="sample-a11-quarterly")
    compute(engine, catalogue)
    before = whole_scope()
    assert (before.n, before.value) == (n, pytest.approx(agree / n))
    assert a11_quarterly.load(engine, QUARTERLY, catalogue, source="a11-quarterly").status == "succeeded"
    compute(engine, catalogue)
    assert tuple(whole_scope()) == tuple(before)
    # the first source's own re-run is still a no-op: same bytes as its last successful load
    assert a11_quarterly.load(engine, QUARTERLY, catalogue, source="sample-a11-quarterly").status == "unchanged"
    with engine.connect() as conn:
        assert conn.execute(select(A11QuarterlyCount.source).distinct()).scalars().all() == ["a11-quarterly"]


def test_a_response_id_is_only_unique_within_its_service(engine, catalogue, tmp_path):
    """A-11 v2 uploads name no service and number their responses as they like: the same
    external ids uploaded for two services are two services' responses, not one replacing the other."""
    path = a11_v2_upload(tmp_path)
    args = {"channel": "computer", "quarter": "FY2022Q2", "trust_scale": "likert"}
    a11_responses.load(engine, path, catalogue, provider=EXAMPLE_PROVIDER, service=EXAMPLE_SERVICE, **args)
    a11_responses.load(engine, path, catalogue, provider="Internal Revenue Service", service="Visiting IRS.gov", **args)
    a11_responses.load(engine, path, catalogue, provider="Internal Revenue Service", service="Visiting IRS.gov",
                       source="another-name", **args)
    with engine.connect() as conn:
        per_service = dict(conn.execute(select(SurveyResponse.service, func.count()).group_by(SurveyResponse.service)).all())
    assert per_service == {EXAMPLE_SERVICE: 150, "Visiting IRS.gov": 150}


def test_a_file_of_other_years_leaves_a_units_earlier_values(engine, tmp_path):
    """An employee file is the truth for its units in the years it covers: a 2022-only delivery
    by another source replaces those units' 2022 values and keeps their earlier years."""
    import yaml

    employee.load(engine, FEVS, "fevs-index-scores")
    before = stored_facts(engine)["employee_index"]
    mapping = yaml.safe_load((CONFIG / "mappings" / "fevs-index-scores.yaml").read_text())
    path = tmp_path / "fevs-2022.yaml"
    path.write_text(yaml.safe_dump({**mapping, "name": "fevs-2022", "source": "fevs-2022", "years": [2022]}))
    assert employee.load(engine, FEVS, path).status == "succeeded"
    assert stored_facts(engine)["employee_index"] == before
    with engine.connect() as conn:
        by_source = dict(conn.execute(select(EmployeeIndex.source, func.count()).group_by(EmployeeIndex.source)).all())
    raw = pd.read_csv(FEVS, dtype=str, keep_default_na=False)
    values_2022 = int(sum((raw[f"{base}_2022"].str.strip() != "").sum() for base in mapping["indices"].values()))
    assert by_source == {"fevs-2022": values_2022, "fevs-index-scores": len(before) - values_2022}


# --- an existing database upgrades to one row per fact ------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def at_0007(request, tmp_path):
    """An empty database at revision 0007 (before natural keys left the source out)."""
    eng = migrated_engine(request, tmp_path, "0007")
    yield eng
    eng.dispose()


def _store_twice(eng) -> None:
    """Facts at revision 0007: most delivered by source A and again by B (later), some by A only."""
    tables = MetaData()
    tables.reflect(eng)
    t = tables.tables
    now = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    cell = {"provider": "P", "service": "S", "channel": "computer", "stage": "end", "fiscal_year": 2024, "fiscal_quarter": 2}
    unit = {"unit_code": "U1", "unit_name": "Unit", "survey_year": 2022, "fiscal_year": 2022, "fiscal_quarter": 3,
            "provider": "P", "service": "all"}
    with eng.begin() as conn:
        def add(table, **values):
            return conn.execute(insert(t[table]).values(**values)).inserted_primary_key[0]

        runs = {s: add("load_run", source=s, kind="k", file_name="f.csv", file_sha256="0" * 64, started_at=now,
                       status="succeeded", rows_read=1, rows_loaded=1, rows_rejected=0) for s in ("A", "B")}
        theme = add("feedback_theme", label="waiting", terms="wait", computed_at=now)
        for source, run in runs.items():
            by = {"source": source, "load_run_id": run, "line": 2}
            counts = {"n_1": 1, "n_2": 2, "n_3": 3, "n_4": 4, "n_5": 5 if source == "A" else 50}
            # record R1: A asked three questions, B's later delivery two
            for q in ((1, 2, 3) if source == "A" else (1, 2)):
                add("a11_quarterly_count", **by, **cell, record_key="R1", agency="AG", question_no=q,
                    question=f"q{q}", **counts)
            response = add("survey_response", **by, **cell, response_key="resp-1", agency="AG")
            add("survey_answer", response_id=response, question="trust", scale="5pt", value=5 if source == "A" else 4)
            add("survey_segment", response_id=response, segment="Region", value=f"Region {source}")
            add("case_record", **by, **cell, case_key="C1", status=f"by {source}", created_at=now, created_date=now.date())
            add("contact_interval", **by, **cell, interval_key="2024-01-02 08:00|Queue", interval_start=now,
                interval_date=now.date(), offered=10, answered=9 if source == "A" else 8, abandoned=1)
            item = add("feedback_item", **by, **cell, item_key="F1", kind="complaint", received_at=now,
                       received_date=now.date(), text_redacted=f"said to {source}", redactions=0, sentiment=0.0,
                       sentiment_label="neutral")
            add("feedback_item_theme", feedback_item_id=item, theme_id=theme, weight=0.5)
            add("employee_index", **by, **unit, indicator="engagement", value=0.6 if source == "A" else 0.7)
            if source == "A":  # only in A's (older) delivery of unit U1's 2022
                add("employee_index", **by, **unit, indicator="retired-index", value=0.5)
            add("published_value", **by, **cell, record_key="2024|2|P|S|computer|end", indicator="mean_trust",
                value=4.1 if source == "A" else 4.2, unit="points")
        # facts A alone delivered: they stay, with their dependants
        by = {"source": "A", "load_run_id": runs["A"], "line": 3}
        add("a11_quarterly_count", **by, **cell, record_key="R2", agency="AG", question_no=1, question="q1",
            n_1=0, n_2=0, n_3=0, n_4=1, n_5=1)
        other_form = {"source": "C", "load_run_id": add("load_run", source="C", kind="k", file_name="g.csv",
                                                        file_sha256="1" * 64, started_at=now, status="succeeded",
                                                        rows_read=1, rows_loaded=1, rows_rejected=0), "line": 2}
        for key, service, delivery in (("resp-2", "S", by), ("resp-1", "S2", other_form)):  # resp-1 of S2: another response
            response = add("survey_response", **delivery, **{**cell, "service": service}, response_key=key, agency="AG")
            add("survey_answer", response_id=response, question="trust", scale="5pt", value=3)
            add("survey_segment", response_id=response, segment="Region", value=f"Region {delivery['source']}")
        item = add("feedback_item", **by, **cell, item_key="F2", kind="comment", received_at=now, received_date=now.date(),
                   text_redacted="kept", redactions=0, sentiment=0.0, sentiment_label="neutral")
        add("feedback_item_theme", feedback_item_id=item, theme_id=theme, weight=0.25)
        add("employee_index", **by, **{**unit, "survey_year": 2021, "fiscal_year": 2021}, indicator="engagement", value=0.55)
        add("published_value", **by, **cell, record_key="2024|2|P|S|computer|end", indicator="response_rate",
            value=0.2, unit="percent")


def _upgraded_contents(eng) -> dict[str, list[tuple]]:
    answered = answers()
    with eng.connect() as conn:
        q = lambda statement: _sorted(conn, statement)  # noqa: E731
        return {
            "a11_quarterly_count": q(select(A11QuarterlyCount.record_key, A11QuarterlyCount.question_no,
                                            A11QuarterlyCount.n_5, A11QuarterlyCount.source)),
            "survey_answer": q(select(SurveyResponse.response_key, SurveyResponse.service, SurveyResponse.source,
                                      answered.c.value).join(answered, answered.c.response_id == SurveyResponse.id)),
            "survey_segment": q(select(SurveyResponse.response_key, SurveyResponse.service, SurveySegment.value)
                                .join(SurveySegment, SurveySegment.response_id == SurveyResponse.id)),
            "case_record": q(select(CaseRecord.case_key, CaseRecord.status, CaseRecord.source)),
            "contact_interval": q(select(ContactInterval.interval_key, ContactInterval.answered, ContactInterval.source)),
            "feedback_item_theme": q(select(FeedbackItem.item_key, FeedbackItem.text_redacted, FeedbackItemTheme.weight)
                                     .join(FeedbackItemTheme, FeedbackItemTheme.feedback_item_id == FeedbackItem.id)),
            "employee_index": q(select(EmployeeIndex.unit_code, EmployeeIndex.survey_year, EmployeeIndex.indicator,
                                       EmployeeIndex.value, EmployeeIndex.source)),
            "published_value": q(select(PublishedValue.indicator, PublishedValue.value, PublishedValue.source)),
            "counts": [(m.__tablename__, conn.execute(select(func.count()).select_from(m)).scalar_one())
                       for m in [*FACTS[:-1], *DEPENDANTS]],
        }


EXPECTED = {
    "a11_quarterly_count": sorted([("R1", 1, 50, "B"), ("R1", 2, 50, "B"), ("R2", 1, 1, "A")], key=repr),
    "survey_answer": sorted([("resp-1", "S", "B", 4), ("resp-1", "S2", "C", 3), ("resp-2", "S", "A", 3)], key=repr),
    "survey_segment": sorted([("resp-1", "S", "Region B"), ("resp-1", "S2", "Region C"), ("resp-2", "S", "Region A")], key=repr),
    "case_record": [("C1", "by B", "B")],
    "contact_interval": [("2024-01-02 08:00|Queue", 8, "B")],
    "feedback_item_theme": sorted([("F1", "said to B", 0.5), ("F2", "kept", 0.25)], key=repr),
    "employee_index": sorted([("U1", 2021, "engagement", 0.55, "A"), ("U1", 2022, "engagement", 0.7, "B")], key=repr),
    "published_value": sorted([("mean_trust", 4.2, "B"), ("response_rate", 0.2, "A")], key=repr),
    "counts": [("a11_quarterly_count", 3), ("survey_response", 3), ("case_record", 1), ("contact_interval", 1),
               ("feedback_item", 2), ("employee_index", 2), ("published_value", 2), ("survey_answer", 3),
               ("survey_segment", 3), ("feedback_item_theme", 2)],
}


def test_a_database_with_a_fact_under_two_sources_upgrades_to_one_row(at_0007):
    """The latest delivery of each fact stays with its answers, segments or themes; the older
    copy and its dependants go; facts only one source delivered stay whole (SQLite rebuilds the
    tables, which must not take their dependants with them)."""
    _store_twice(at_0007)
    upgrade(at_0007)
    assert _upgraded_contents(at_0007) == EXPECTED
    # and back: the source-including constraints return, the rows stay whole
    command.downgrade(alembic_config(at_0007), "0007")
    with at_0007.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(FeedbackItemTheme)).scalar_one() == 2
    upgrade(at_0007)
    assert _upgraded_contents(at_0007) == EXPECTED
    with at_0007.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LoadRun)).scalar_one() == 3  # the record of who loaded what stays
