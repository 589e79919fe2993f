"""The loader contract, tested by fuzzing (Hypothesis) for every loader kind of the registry.

Each example is a file of generated good rows mixed with hostile ones (far and ancient dates,
counts of 1e30, NUL bytes, 5,000-character keys, values longer than a spreadsheet cell, blank
keys, values a mapping does not know), written in a drawn encoding (UTF-8, UTF-8 with BOM,
Windows-1252, UTF-16), line ending and delimiter, sometimes cut off inside its last quoted
value. Good rows carry formula and markup strings. The contract:

- nothing but a LoadReport or a UserError comes out (no traceback);
- the report (or the UserError) tells whether anything loaded;
- every good row is stored as an independent reading of the generated cells says it should be;
- every bad row is rejected with its line, the column it concerns and a reason;
- what was loaded before (a baseline loaded first) is untouched.

Runs on SQLite always and on PostgreSQL where CXDASH_TEST_POSTGRES_URL is set. The test command
runs a bounded number of examples (profile ``fuzz``); ``HYPOTHESIS_PROFILE=long`` runs many more.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cxdash.db.models import (
    A11QuarterlyCount,
    CaseRecord,
    ContactInterval,
    EmployeeIndex,
    FeedbackItem,
    LoadRun,
    MaturityRating,
    PublishedValue,
    SurveyAnswer,
    SurveyResponse,
)
from cxdash.errors import UserError
from cxdash.loaders import registry
from cxdash.loaders.csv_reader import MAX_FIELD
from cxdash.mappings import load_any_mapping

from .conftest import QUARTERLY, migrated_engine

_COMMON = dict(deadline=None, derandomize=False, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("fuzz", max_examples=int(os.environ.get("CXDASH_FUZZ_EXAMPLES", 40)), **_COMMON)
settings.register_profile("long", max_examples=400, **_COMMON)
PROFILE = settings.get_profile("long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz")

COUNTER = itertools.count(1)  # every generated key is new: an example never replaces another's rows
BASELINE = 10_000_000  # the baseline's rows are numbered from here, and keyed apart from every example's
FORMULAS = ["=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(A1:A9)", "-2+3", "@cmd", "<script>alert(1)</script>",
            "<b>bold</b> & \"quoted\", with commas", "Café – naïve ‘quotes’"]
FAR_DATES = [dt.datetime(9999, 1, 1), dt.datetime(2099, 6, 15, 9), dt.datetime(1900, 1, 1)]


class Drawn:
    """The choices a good row makes, drawn by Hypothesis (so it shrinks them)."""

    def __init__(self, draw):
        self.draw = draw

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def integer(self, low, high):
        return self.draw(st.integers(low, high))

    def flag(self):
        return self.draw(st.booleans())


class Seeded(Drawn):
    """The same choices from a seeded generator: the baseline loaded before the examples."""

    def __init__(self, seed):
        self.random = random.Random(seed)

    def pick(self, options):
        return self.random.choice(list(options))

    def integer(self, low, high):
        return self.random.randint(low, high)

    def flag(self):
        return self.random.random() < 0.5


@dataclass
class Kind:
    """One loader kind: its header, how a good row is drawn, the hostile values it must reject
    (column -> values, each rejected naming that column), how to load, and what is stored."""

    name: str
    header: list[str]
    key_column: str | None
    good: Callable  # (c, n) -> dict of cells
    spoilers: dict[str, list]  # column -> bad values (or callables of the good row)
    load: Callable  # (engine, path, source) -> LoadReport
    stored_key: Callable  # cells -> key of the stored fact
    stored: Callable  # (engine, keys) -> {key: tuple}
    expect: Callable  # cells -> tuple (independently of the loader)
    text_columns: list[str] = field(default_factory=list)  # free text: formula and markup strings go here
    loaded: Callable = len  # good rows -> rows_loaded
    present: Callable = lambda cells: True  # noqa: E731  whether a good row stores anything


def _in(column, keys):
    keys = list(keys)
    return column.in_(keys) if keys else column.in_(["(no key)"])


# --- cases (baltimore-311) ------------------------------------------------------------------------
CASE_FMT = "%m/%d/%Y %I:%M:%S %p"
CASE = load_any_mapping("baltimore-311")


def _good_case(c, n):
    created = dt.datetime(2015, 1, 1, 8) + dt.timedelta(hours=c.integer(0, 24 * 365 * 9))
    closed = None if c.flag() else created + dt.timedelta(hours=c.integer(0, 24 * 400))
    return {"ServiceRequestNum": f"SR-F{n}", "CreatedDate": created.strftime(CASE_FMT),
            "DueDate": (created + dt.timedelta(days=7)).strftime(CASE_FMT),
            "CloseDate": closed.strftime(CASE_FMT) if closed else "",
            "Agency": c.pick(["Transportation", "Water", *FORMULAS]), "SRType": "Pothole",
            "MethodReceived": c.pick(sorted(CASE.channel.values)),
            "SRStatus": c.pick(sorted(CASE.stage.values))}


def _expect_case(cells):
    created = dt.datetime.strptime(cells["CreatedDate"], CASE_FMT).date()
    closed = dt.datetime.strptime(cells["CloseDate"], CASE_FMT).date() if cells["CloseDate"] else None
    return " ".join(cells["Agency"].split()), (closed - created).days if closed else None


def _stored_cases(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(CaseRecord.case_key, CaseRecord.provider, CaseRecord.days_to_close)
                            .where(_in(CaseRecord.case_key, keys)))
        return {k: (p, d) for k, p, d in rows}


# --- contacts (example-contact-centre) ------------------------------------------------------------
CONTACT = load_any_mapping("example-contact-centre")


def _thousands(c, number):
    return f"{number:,}" if c.flag() else str(number)


def _good_contact(c, n):
    start = (dt.datetime(2015, 1, 1) + dt.timedelta(minutes=30 * (n - BASELINE)) if n >= BASELINE
             else dt.datetime(2016, 1, 1) + dt.timedelta(minutes=30 * (n % 90_000)))
    offered = c.integer(0, 50_000)
    answered = c.integer(0, offered)
    abandoned = c.integer(0, offered - answered)
    return {"Interval Start": start.strftime("%Y-%m-%d %H:%M"), "Queue": c.pick(sorted(CONTACT.stage.values)),
            "Offered": _thousands(c, offered), "Answered": _thousands(c, answered),
            "Abandoned": _thousands(c, abandoned), "ASA (seconds)": c.pick(["", "12.5", "0", "300"]),
            "AHT (seconds)": c.pick(FORMULAS), "FCR Resolved": "", "FCR Surveyed": ""}


def _stored_contacts(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(ContactInterval.interval_key, ContactInterval.offered, ContactInterval.answered,
                                   ContactInterval.abandoned).where(_in(ContactInterval.interval_key, keys)))
        return {k: tuple(v) for k, *v in rows}


# --- feedback (example-complaints) ----------------------------------------------------------------
COMPLAINT = load_any_mapping("example-complaints")


def _good_complaint(c, n):
    received = dt.datetime(2018, 3, 1) + dt.timedelta(minutes=c.integer(0, 60 * 24 * 365 * 6))
    words = [c.pick(["The wait was long,", "staff helped", "line one\nline two", "refund", *FORMULAS])
             for _ in range(c.integer(1, 4))]
    return {"Complaint ID": f"CMP-F{n}", "Date Received": received.strftime("%m/%d/%Y %H:%M"),
            "Channel": c.pick(sorted(COMPLAINT.channel.values)),
            "Topic": c.pick(sorted(COMPLAINT.stage.values)),
            "Type": c.pick(sorted(COMPLAINT.feedback_kind.values)), "Comments": " ".join(words)}


def _stored_feedback(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(FeedbackItem.item_key, FeedbackItem.kind, FeedbackItem.channel)
                            .where(_in(FeedbackItem.item_key, keys)))
        return {k: (kind, channel) for k, kind, channel in rows}


# --- employee (fevs-index-scores) -----------------------------------------------------------------
FEVS = load_any_mapping("fevs-index-scores")
FEVS_HEADER = FEVS.read_columns()


def _good_unit(c, n):
    cells = {c: "" for c in FEVS_HEADER}
    cells[FEVS.unit_code], cells[FEVS.unit_name] = f"ZZ{n}", c.pick(["Fuzz unit", *FORMULAS])
    for year in FEVS.years:
        cells[FEVS.year_column(FEVS.respondents, year)] = str(c.integer(0, 9999))
        for base in FEVS.indices.values():
            cells[FEVS.year_column(base, year)] = c.pick(["", "0", "1", "0.5", "0.731"])
    return cells


def _expect_unit(cells):
    values = [float(cells[FEVS.year_column(b, y)]) for y in FEVS.years for b in FEVS.indices.values()
              if cells[FEVS.year_column(b, y)]]
    return len(values), round(sum(values), 6)


def _stored_units(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(EmployeeIndex.unit_code, func.count(), func.sum(EmployeeIndex.value))
                            .where(_in(EmployeeIndex.unit_code, keys)).group_by(EmployeeIndex.unit_code))
        return {k: (n, round(float(s), 6)) for k, n, s in rows}


def _units_with_values(rows):
    return len(rows)


# --- published (perfgov-hisp-quarterly-volumes) ---------------------------------------------------
PUBLISHED = load_any_mapping("perfgov-hisp-quarterly-volumes")
PUBLISHED_HEADER = [*PUBLISHED.read_columns(), "hisp"]
PROVIDER = PUBLISHED.provider.values["vha"]


def _good_published(c, n):
    year, quarter = (1995 if n >= BASELINE else 2000 + (n // 4) % 26), n % 4 + 1
    return {"year": str(year), "quarter": f"Q{quarter}", "service": "vha", "hisp": c.pick(FORMULAS),
            "universe": c.pick(["", "No Data", "1000", "2,500"]),
            "surveyed": c.pick(["", "N/A", "10", "0"]), "respondents": c.pick(["", "3", "77"]),
            "response_rate": c.pick(["", "12.5", "100", "0%"])}


def _published_key(cells):
    return f"{cells['year']}|{cells['quarter'][1:]}|{PROVIDER}|all|all|all"


def _expect_published(cells):
    out = []
    for indicator, spec in PUBLISHED.values.items():
        raw = cells[spec.column].strip()
        if raw and raw not in PUBLISHED.missing_values:
            number = float(raw.rstrip("%").replace(",", ""))
            out.append((indicator, number / 100 if spec.unit == "percent" else number))
    return tuple(sorted(out))


def _stored_published(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(PublishedValue.record_key, PublishedValue.indicator, PublishedValue.value)
                            .where(_in(PublishedValue.record_key, keys)))
        out: dict = {}
        for key, indicator, value in rows:
            out.setdefault(key, []).append((indicator, value))
        return {k: tuple(sorted(v)) for k, v in out.items()}


def _published_loaded(rows):
    """rows_loaded counts stored values, and a row with every value missing as one (valid, nothing stored)."""
    return sum(len(_expect_published(r.cells)) or 1 for r in rows)


# --- survey-responses (touchpoints-form-a11) ------------------------------------------------------
SURVEY = load_any_mapping("touchpoints-form-a11")


def _good_response(c, n):
    submitted = dt.datetime(2019, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=c.integer(0, 60 * 24 * 365 * 5))
    cells = {"ID": f"R-F{n}", "CreatedAt": submitted.isoformat(sep=" ")}
    for spec in SURVEY.questions.values():
        cells[spec.column] = c.pick(["", "1", "2", "3", "4", "5"])
    for column in SURVEY.segments:
        cells[column] = c.pick(["", "Group1", "3-4 years", *FORMULAS])
    return cells


def _stored_responses(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(SurveyResponse.response_key, func.count(SurveyAnswer.question_id))
                            .select_from(SurveyResponse).outerjoin(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                            .where(_in(SurveyResponse.response_key, keys)).group_by(SurveyResponse.response_key))
        return {k: (n,) for k, n in rows}


# --- a11-quarterly (Touchpoints collections) ------------------------------------------------------
QUARTERLY_ROW = pd.read_csv(QUARTERLY, dtype=str, keep_default_na=False).iloc[0].to_dict()
QUARTERLY_HEADER = list(QUARTERLY_ROW)


def _good_collection(c, n):
    cells = {**QUARTERLY_ROW, "id": f"F{n}"}
    counts = [c.integer(0, 400) for _ in range(5)]
    counts[0] = counts[0] or int(sum(counts) == 0)  # a question asked: some count above 0
    for point, count in zip(range(1, 6), counts):
        cells[f"attributes_q1_{point}"] = str(count)
    return cells


def _stored_collections(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(A11QuarterlyCount.record_key, A11QuarterlyCount.n_1 + A11QuarterlyCount.n_2
                                   + A11QuarterlyCount.n_3 + A11QuarterlyCount.n_4 + A11QuarterlyCount.n_5)
                            .where(_in(A11QuarterlyCount.record_key, keys), A11QuarterlyCount.question_no == 1))
        return {k: (int(total),) for k, total in rows}


# --- a11-responses (Touchpoints A-11 v2 upload) ---------------------------------------------------
A11_RESPONSES_HEADER = ["external_id", "question_1", *[f"{s}_{o}" for s in ("positive", "negative") for o in
                        ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")],
                        "question_4"]


def _good_upload(c, n):
    cells = {"external_id": f"X-F{n}", "question_1": str(c.integer(1, 5)), "question_4": c.pick(FORMULAS)}
    for column in A11_RESPONSES_HEADER[2:-1]:
        cells[column] = c.pick(["0", "1", "null", ""])
    return cells


def _expect_upload(cells):
    return (1 + sum(cells[c] in ("0", "1") for c in A11_RESPONSES_HEADER[2:-1]),)


# --- maturity (self-assessment) -------------------------------------------------------------------
DIMENSIONS = ["measurement", "governance", "organization-culture", "customer-research", "service-design"]


def _good_rating(c, n):
    slot = n % (25 * 25)  # a year, dimension and level of its own (years 2001-2025; the baseline's 1995)
    return {"fiscal_year": f"FY{1995 if n >= BASELINE else 2001 + slot // 25}", "dimension": DIMENSIONS[slot // 5 % 5],
            "level": str(slot % 5 + 1),
            "status": c.pick(["met", "partial", "not met", "partly met"]),
            "evidence": c.pick(FORMULAS), "assessed_by": "Fuzz panel"}


def _rating_key(cells):
    return f"{int(cells['fiscal_year'][2:])}|{cells['dimension']}|{int(cells['level'])}"


def _stored_ratings(engine, keys):
    with engine.connect() as conn:
        rows = conn.execute(select(MaturityRating.fiscal_year, MaturityRating.dimension, MaturityRating.level,
                                   MaturityRating.status))
        return {k: (s,) for y, d, lv, s in rows if (k := f"{y}|{d}|{lv}") in set(keys)}


def _expect_rating(cells):
    return ({"met": "met", "partial": "partial", "partly met": "partial", "not met": "not_met"}[cells["status"]],)


def _kinds(catalogue) -> dict[str, Kind]:
    service = next(s for s in catalogue.services if s.name == "Example web contact form (synthetic)")

    def via_registry(kind, **options):
        return lambda engine, path, source: registry.file_loader(kind, engine, catalogue, source=source, **options)(path)

    def far(fmt):
        return [d.strftime(fmt) for d in FAR_DATES]

    return {k.name: k for k in [
        Kind("cases", [*CASE.read_columns(), *CASE.ignore], "ServiceRequestNum", _good_case,
             {"CreatedDate": [*far(CASE_FMT), "yesterday"], "MethodReceived": ["Pigeon"],
              "CloseDate": [lambda cells: (dt.datetime.strptime(cells["CreatedDate"], CASE_FMT)
                                           - dt.timedelta(days=3)).strftime(CASE_FMT)]},
             via_registry("cases", mapping="baltimore-311"), lambda c: c["ServiceRequestNum"], _stored_cases,
             _expect_case, ["Agency", "SRType"]),
        Kind("contacts", ["Interval Start", "Queue", "Offered", "Answered", "Abandoned", "ASA (seconds)", "AHT (seconds)",
                          "FCR Resolved", "FCR Surveyed"], "Interval Start", _good_contact,
             {"Offered": ["1e30", "-5", "2147483648", "nan"], "Answered": ["1e400", "3.5"], "Interval Start": far("%Y-%m-%d %H:%M"),
              "ASA (seconds)": ["1e308", "-1"], "Queue": ["Unknown queue"]},
             via_registry("contacts", mapping="example-contact-centre"), lambda c: f"{c['Interval Start']}|{c['Queue']}",
             _stored_contacts, lambda c: tuple(int(c[k].replace(",", "")) for k in ("Offered", "Answered", "Abandoned")),
             ["AHT (seconds)"]),
        Kind("feedback", ["Complaint ID", "Date Received", "Channel", "Topic", "Type", "Customer Name", "Comments",
                          "Customer Email", "Customer Phone"],  # the export's columns: read, and ignored
             "Complaint ID", _good_complaint,
             {"Date Received": far("%m/%d/%Y %H:%M"), "Comments": ["", "   "], "Type": ["Rant"]},
             via_registry("feedback", mapping="example-complaints"), lambda c: c["Complaint ID"], _stored_feedback,
             lambda c: (COMPLAINT.feedback_kind.values[c["Type"]], COMPLAINT.channel.values[c["Channel"]]),
             ["Comments", "Customer Name"]),
        Kind("employee", FEVS_HEADER, FEVS.unit_code, _good_unit, {FEVS.unit_name: ["", "N" * 301]},
             via_registry("employee", mapping="fevs-index-scores"), lambda c: c[FEVS.unit_code], _stored_units, _expect_unit,
             [FEVS.unit_name], _units_with_values, lambda cells: _expect_unit(cells)[0] > 0),
        Kind("published", PUBLISHED_HEADER, None, _good_published,
             {"year": ["9999", "2099", "1900", "20x4"], "quarter": ["Q7"], "universe": ["1e30", "-3", "2.5"],
              "response_rate": ["150", "1e400"], "service": ["va"]},
             via_registry("published", mapping="perfgov-hisp-quarterly-volumes"), _published_key, _stored_published,
             _expect_published, ["hisp"], _published_loaded, lambda cells: bool(_expect_published(cells))),
        Kind("survey-responses", list(SURVEY.read_columns()), "ID", _good_response,
             {"CreatedAt": ["9999-01-01 00:00:00+00:00", "2099-06-15 09:00:00+00:00", "1900-01-01 00:00:00+00:00", "soon"],
              "Satisfaction": ["7", "1e30", "0"], "UserGroup": ["G" * 201]},
             via_registry("survey-responses", mapping="touchpoints-form-a11"), lambda c: c["ID"], _stored_responses,
             lambda c: (sum(bool(c[s.column]) for s in SURVEY.questions.values()),), ["Region"]),
        Kind("a11-quarterly", QUARTERLY_HEADER, "id", _good_collection,
             {"attributes_q1_5": ["1e30", "-1", "2.5"], "attributes_collection_year": ["2099", "1900", "9999"],
              "attributes_collection_quarter": ["5"]},
             via_registry("a11-quarterly"), lambda c: c["id"], _stored_collections,
             lambda c: (sum(int(c[f"attributes_q1_{p}"]) for p in range(1, 6)),), ["attributes_service_provided"]),
        Kind("a11-responses", A11_RESPONSES_HEADER, "external_id", _good_upload,
             {"question_1": ["9", "1e30", ""], "positive_ease": ["2", "yes"]},
             via_registry("a11-responses", provider=service.provider, service=service.name, channel="computer",
                          quarter="FY2023Q2", trust_scale="likert"),
             lambda c: c["external_id"], _stored_upload_factory(service), _expect_upload, ["question_4"]),
        Kind("maturity", ["fiscal_year", "dimension", "level", "status", "evidence", "assessed_by"], None, _good_rating,
             {"fiscal_year": ["FY2099", "FY1900", "FY9999"], "status": ["maybe"], "level": ["9"], "dimension": ["vibes"]},
             via_registry("maturity"), _rating_key, _stored_ratings, _expect_rating, ["evidence", "assessed_by"]),
    ]}


def _stored_upload_factory(service):
    def stored(engine, keys):
        with engine.connect() as conn:
            rows = conn.execute(select(SurveyResponse.response_key, func.count(SurveyAnswer.question_id))
                                .select_from(SurveyResponse).join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
                                .where(_in(SurveyResponse.response_key, keys), SurveyResponse.service == service.name)
                                .group_by(SurveyResponse.response_key))
            return {k: (n,) for k, n in rows}
    return stored


# --- files ------------------------------------------------------------------------------------------

@dataclass
class Row:
    cells: dict
    bad_column: str | None = None  # the column a hostile row must be rejected for


@st.composite
def hostile_row(draw, kind: Kind):
    """A good row spoiled in one column: a kind-specific bad value, a NUL byte, a value longer than a
    spreadsheet cell, a blank or a 5,000-character key."""
    c = Drawn(draw)
    cells = kind.good(c, next(COUNTER))
    choices = [("spoil", c) for c in kind.spoilers] + [("nul", None), ("huge", None)]
    if kind.key_column:
        choices += [("blank_key", kind.key_column), ("long_key", kind.key_column)]
    how, column = c.pick(choices)
    if how == "spoil":
        value = c.pick(kind.spoilers[column])
        cells[column] = value(cells) if callable(value) else value
    elif how in ("nul", "huge"):
        column = c.pick(kind.header)
        value = cells.get(column, "")
        cells[column] = (value[:3] + "\x00" + value[3:]) if how == "nul" else "y" * (MAX_FIELD + 1)
    else:
        cells[column] = "" if how == "blank_key" else "K" * 5000
    return Row(cells, column)


@st.composite
def good_row(draw, kind: Kind):
    return Row(kind.good(Drawn(draw), next(COUNTER)))


@dataclass
class File:
    rows: list[Row]
    encoding: str
    newline: str
    delimiter: str
    cut: bool  # the last row is cut off inside a quoted value


@st.composite
def files(draw, kind: Kind):
    c = Drawn(draw)
    rows = draw(st.lists(st.one_of(good_row(kind), hostile_row(kind)), max_size=7))
    return File(rows, c.pick(["utf-8", "utf-8-sig", "cp1252", "utf-16"]), c.pick(["\n", "\r\n"]),
                c.pick([","] * 8 + [";", "\t"]), c.flag() and bool(rows))


def render(kind: Kind, file: File) -> tuple[bytes, list[int]]:
    """The file's bytes and the line each row starts on. A cut file ends inside its last row's last
    value, opened with a quote and cut in the middle, the way a copy that stopped leaves it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=file.delimiter, lineterminator=file.newline)
    writer.writerow(kind.header)
    lines = []
    for i, row in enumerate(file.rows):
        lines.append(out.getvalue().count("\n") + 1)
        values = [row.cells.get(c, "") for c in kind.header]
        if file.cut and i == len(file.rows) - 1:
            writer.writerow(values[:-1] + ["\0"])  # a marker, replaced by the cut value
            text = out.getvalue()
            last = values[-1] or "cut"
            escaped = last.replace('"', '""')
            # cut in the middle, never just after a quote (a file cut there ends in a whole value)
            cut = escaped[:max(1, len(escaped) // 2)].rstrip('"') or "x"
            text = text[:text.rindex("\0")] + '"' + cut
            break
        writer.writerow(values)
    else:
        text = out.getvalue()
    return text.encode(file.encoding, errors="replace" if file.encoding == "cp1252" else "strict"), lines


# --- the property -------------------------------------------------------------------------------------

def backends():
    yield "sqlite"
    if os.environ.get("CXDASH_TEST_POSTGRES_URL"):
        yield "postgresql"


KINDS = ["cases", "contacts", "feedback", "employee", "published", "survey-responses", "a11-quarterly", "a11-responses",
         "maturity"]


@pytest.fixture(params=list(backends()))
def fuzz_engine(request, tmp_path):
    eng = migrated_engine(request, tmp_path)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("kind_name", KINDS)
def test_the_loader_contract_holds_for_generated_hostile_files(kind_name, fuzz_engine, catalogue, tmp_path):
    assert set(KINDS) == set(registry.MAPPED_LOADERS) | {"survey-responses", "a11-quarterly", "a11-responses", "maturity"}
    kind = _kinds(catalogue)[kind_name]
    engine = fuzz_engine
    baseline_rows = [Row(kind.good(Seeded(i), BASELINE + i)) for i in range(3)]
    baseline_path = tmp_path / "baseline.csv"
    baseline_path.write_bytes(render(kind, File(baseline_rows, "utf-8", "\n", ",", False))[0])
    assert kind.load(engine, baseline_path, "fuzz-baseline").rows_loaded == kind.loaded(baseline_rows)
    baseline_keys = [kind.stored_key(r.cells) for r in baseline_rows]
    baseline = kind.stored(engine, baseline_keys)
    assert baseline == {kind.stored_key(r.cells): kind.expect(r.cells) for r in baseline_rows if kind.present(r.cells)}
    paths = itertools.count()

    @PROFILE
    @given(file=files(kind))
    def check(file: File):
        data, lines = render(kind, file)
        path = tmp_path / f"f{next(paths)}.csv"
        path.write_bytes(data)
        rows = file.rows
        cut_line = lines[-1] if file.cut else None
        good = [r for r in rows[:-1 if file.cut else None] if r.bad_column is None]
        bad = {line: r.bad_column for line, r in zip(lines, rows) if r.bad_column is not None and line != cut_line}
        keys = [key for r in rows if (key := _key_of(kind, r))]
        before = kind.stored(engine, keys)  # a key may have been stored by an earlier example
        try:
            report = kind.load(engine, path, f"fuzz-{kind.name}")
        except UserError as exc:
            report, message = None, str(exc)
        if file.delimiter != ",":
            assert report is None and "missing column" in message and "-separated" in message, message
        elif not good:
            assert report is None, report.summary()
            assert ("header and no rows" in message) or ("every row was rejected" in message), message
            with engine.connect() as conn:
                assert conn.execute(select(LoadRun.status).order_by(LoadRun.id.desc()).limit(1)).scalar_one() == "failed"
        else:
            assert report is not None, message
            assert report.status == "succeeded" and report.rows_loaded == kind.loaded(good)
            rejected: dict[int, set] = {}
            for r in report.rejections:
                assert r.field and r.reason, r
                rejected.setdefault(r.line, set()).add(r.field)
            expected_lines = set(bad) | ({cut_line} if cut_line else set())
            assert set(rejected) == expected_lines, (rejected, bad, cut_line)
            for line, column in bad.items():
                assert column in rejected[line] or _nul_or_huge(file, lines, line, kind, rejected[line]), (line, column, rejected)
        # every good row stored as generated; every other key (a bad row's, a cut row's) as it was
        stored = {kind.stored_key(r.cells): kind.expect(r.cells) for r in good if kind.present(r.cells)} if report else {}
        expected = {**{k: v for k, v in before.items() if k not in stored}, **stored}
        assert kind.stored(engine, [*keys, *stored]) == expected
        assert kind.stored(engine, baseline_keys) == baseline  # what was loaded before is untouched

    check()


def _key_of(kind: Kind, row: Row) -> str | None:
    """The stored key a row would have, or None where it has none (a blank key, unreadable cells)."""
    try:
        key = kind.stored_key(row.cells)
    except (ValueError, KeyError):
        return None
    return key if key and "\x00" not in key and (not kind.key_column or row.cells[kind.key_column]) else None


def _nul_or_huge(file, lines, line, kind, fields) -> bool:
    """A NUL byte or a huge value is reported for the column it sits in, which is the spoiled one."""
    row = file.rows[lines.index(line)]
    return any("\x00" in v or len(v) > MAX_FIELD for v in row.cells.values()) and fields <= set(kind.header)
