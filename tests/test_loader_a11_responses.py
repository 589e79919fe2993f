"""Generation-2 A-11 upload (Touchpoints A-11 v2, 17 columns), on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from sqlalchemy import func, select, text

from cxdash.catalogue import Catalogue
from cxdash.db.models import LoadRun, RejectedRow, SurveyAnswer, SurveyResponse
from cxdash.errors import UserError
from cxdash.loaders import a11_responses
from cxdash.metrics.fiscal import FiscalQuarter

from .answers import answers
from .conftest import all_text

HEADER = ("external_id,question_1,positive_effectiveness,positive_ease,positive_efficiency,positive_transparency,"
          "positive_humanity,positive_employee,positive_other,negative_effectiveness,negative_ease,"
          "negative_efficiency,negative_transparency,negative_humanity,negative_employee,negative_other,"
          "question_4").split(",")
DRIVERS = HEADER[2:16]
PROVIDER, SERVICE = "Test Benefits Office", "Applying for benefits online"
Q = FiscalQuarter(2024, 2)
SECRET = "Call me at 555-0100, my name is Jane Roe"

CATALOGUE = Catalogue.model_validate({
    "version": 1, "agency": "Test agency",
    "services": [
        {"id": "benefits-online", "name": SERVICE, "provider": PROVIDER, "agency": "TBO",
         "stages": ["Learn", "Apply", "Wait"], "default_stage": "Apply"},
        {"id": "licence", "name": "Renewing a licence", "provider": "Test Licensing", "agency": "TL",
         "stages": ["start", "process", "end"]},
    ],
    "goals": [{"id": "g1", "name": "Goal", "objectives": [{"id": "o1", "name": "Objective", "measures": [{
        "id": "m1", "name": "Trust", "definition": "d", "metric": "a11_score",
        "params": {"question": "trust", "statistic": "pct_agree"}, "unit": "percent", "direction": "higher",
        "thresholds": {"at_risk_within": 0.05}, "owner": "o", "stages": ["Apply"],
        "services": ["benefits-online"], "source": "s"}]}]}],
})


def row(external_id, q1, comment="", **drivers) -> list[str]:
    """A 17-value upload row; drivers default to 'null' (option not on the form)."""
    return [external_id, q1, *[drivers.get(d, "null") for d in DRIVERS], comment]


def write(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load(engine, path, **kwargs):
    args = {"provider": PROVIDER, "service": SERVICE, "channel": "computer", "quarter": Q, **kwargs}
    return a11_responses.load(engine, path, CATALOGUE, **args)


def answer_counts(engine, question=None) -> dict:
    """{(question, scale, value): number of answer rows}."""
    a = answers()
    query = select(a.c.question, a.c.scale, a.c.value, func.count()).group_by(a.c.question, a.c.scale, a.c.value)
    if question:
        query = query.where(a.c.question == question)
    with engine.connect() as conn:
        return {(q, s, v): n for q, s, v, n in conn.execute(query)}


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def rejections(engine) -> list[tuple[int, str, str, dict]]:
    with engine.connect() as conn:
        return [(r.line, r.field, r.reason, json.loads(r.raw))
                for r in conn.execute(select(RejectedRow).order_by(RejectedRow.line, RejectedRow.field))]




THUMBS_ROWS = [
    row("r1", "1", SECRET, positive_ease="1", positive_efficiency="0", negative_other="null"),
    row("r2", "1", "", positive_ease="0", positive_efficiency="1"),
    row("r3", "0", "", positive_ease="null", negative_ease="1"),
    row("r4", "1", "", positive_ease="", negative_ease="0"),
    row("r5", "0", "too slow", positive_ease="1", negative_ease="1", negative_efficiency="1"),
    row("r6", "1", "", positive_ease="NULL"),
]


def test_thumbs_upload_stores_trust_and_offered_drivers_only(engine, tmp_path):
    report = load(engine, write(tmp_path / "up.csv", THUMBS_ROWS))
    assert (report.status, report.rows_read, report.rows_loaded, report.rows_rejected) == ("succeeded", 6, 6, 0)
    assert report.data_as_of == Q.end == dt.date(2024, 3, 31)
    assert answer_counts(engine) == {
        ("trust", "binary", 1): 4, ("trust", "binary", 0): 2,
        ("positive_ease", "binary", 1): 2, ("positive_ease", "binary", 0): 1,  # null, '' and NULL: no row
        ("positive_efficiency", "binary", 0): 1, ("positive_efficiency", "binary", 1): 1,
        ("negative_ease", "binary", 1): 2, ("negative_ease", "binary", 0): 1,
        ("negative_efficiency", "binary", 1): 1,
    }
    with engine.connect() as conn:
        responses = conn.execute(select(SurveyResponse).order_by(SurveyResponse.line)).all()
        run = conn.execute(select(LoadRun)).one()
    assert [r.response_key for r in responses] == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert [r.line for r in responses] == [2, 3, 4, 5, 6, 7]
    assert {(r.source, r.agency, r.provider, r.service, r.channel, r.stage, r.fiscal_year, r.fiscal_quarter,
             r.submitted_at) for r in responses} == {
        ("a11-responses", "TBO", PROVIDER, SERVICE, "computer", "Apply", 2024, 2, None)}
    assert (run.status, run.kind, run.rows_loaded, run.data_as_of) == ("succeeded", "a11-responses", 6, Q.end)
    texts = all_text(engine)
    assert not any(SECRET in t or "too slow" in t for t in texts)


def test_likert_form_is_detected_and_stored_on_the_5pt_scale(engine, tmp_path):
    rows = [row(f"k{i}", v) for i, v in enumerate(["5", "4", "4", "1", "3", "5", "1"])]
    report = load(engine, write(tmp_path / "likert.csv", rows), quarter="FY2023Q1", stage="Wait")
    assert report.rows_loaded == 7
    assert answer_counts(engine) == {("trust", "5pt", 5): 2, ("trust", "5pt", 4): 2, ("trust", "5pt", 3): 1,
                                     ("trust", "5pt", 1): 2}
    with engine.connect() as conn:
        assert set(conn.execute(select(SurveyResponse.fiscal_year, SurveyResponse.fiscal_quarter,
                                       SurveyResponse.stage))) == {(2023, 1, "Wait")}


def test_explicit_thumbs_scale_rejects_likert_values(engine, tmp_path):
    rows = [row("a", "1"), row("b", "4"), row("c", "0")]
    report = load(engine, write(tmp_path / "t.csv", rows), trust_scale="thumbs")
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert answer_counts(engine) == {("trust", "binary", 1): 1, ("trust", "binary", 0): 1}
    [(line, field, reason, _)] = rejections(engine)
    assert (line, field) == (3, "question_1") and "thumbs" in reason and "'4'" in reason


def test_auto_scale_refuses_to_guess(engine, tmp_path):
    only_ones = write(tmp_path / "ones.csv", [row("a", "1"), row("b", "1")])
    with pytest.raises(UserError, match="every question_1 value is 1"):
        load(engine, only_ones)
    mixed = write(tmp_path / "mixed.csv", [row("a", "0"), row("b", "4")])
    with pytest.raises(UserError, match="both 0 and values 2-5"):
        load(engine, mixed)
    assert count(engine, SurveyResponse) == 0
    with engine.connect() as conn:
        assert [s for (s,) in conn.execute(select(LoadRun.status))] == ["failed", "failed"]
    # saying which form it was resolves it
    assert load(engine, only_ones, trust_scale="thumbs").rows_loaded == 2
    assert answer_counts(engine) == {("trust", "binary", 1): 2}


def test_bad_rows_are_rejected_with_line_column_reason_and_good_rows_load(engine, tmp_path):
    path = tmp_path / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(row("ok1", "4", "first line\nsecond line of a comment", positive_ease="1"))  # lines 2-3
        writer.writerow(row("", "4"))                                                               # 4
        writer.writerow(row("ok1", "5"))                                                            # 5
        writer.writerow(row("bad-q1", "7"))                                                         # 6
        writer.writerow(row("empty-q1", ""))                                                        # 7
        writer.writerow(row("bad-driver", "3", positive_ease="2", negative_other="yes"))            # 8
        writer.writerow(row("ok2", "2", negative_ease="0"))                                         # 9
        writer.writerow(row("short", "3")[:10])                                                     # 10
        handle.write("long,3" + ",null" * 14 + ",Jane Roe, 12 Main St\n")  # 11: an unquoted comma
    report = load(engine, path)
    assert (report.status, report.rows_read, report.rows_loaded) == ("succeeded", 9, 2)
    found = rejections(engine)
    assert [(line, field) for line, field, _, _ in found] == [
        (4, "external_id"), (5, "external_id"), (6, "question_1"), (7, "question_1"),
        (8, "negative_other"), (8, "positive_ease"), (10, "(row)"), (11, "(row)")]
    reasons = {(line, field): reason for line, field, reason, _ in found}
    assert "missing external_id" in reasons[(4, "external_id")]
    assert reasons[(5, "external_id")] == "duplicate external_id 'ok1', first on line 2"
    assert "1 to 5" in reasons[(6, "question_1")] and "'7'" in reasons[(6, "question_1")]
    assert "missing" in reasons[(7, "question_1")]
    assert "'2'" in reasons[(8, "positive_ease")] and "'yes'" in reasons[(8, "negative_other")]
    assert reasons[(10, "(row)")] == "expected 17 values, got 10"
    assert reasons[(11, "(row)")] == "expected 17 values, got 18"
    assert len(found) == 8 and report.rows_rejected == 7  # line 8 has two bad fields: one row, two reasons
    # the kept rows never carry free text, even a row whose comment spilled into extra columns
    assert all("question_4" not in raw for _, _, _, raw in found)
    assert found[-1][3] == {"external_id": "long"}
    assert not any("Main St" in t or "Jane" in t or "second line" in t for t in all_text(engine))
    with engine.connect() as conn:
        assert sorted(conn.execute(select(SurveyResponse.response_key, SurveyResponse.line))) == [("ok1", 2), ("ok2", 9)]
    assert answer_counts(engine) == {("trust", "5pt", 4): 1, ("trust", "5pt", 2): 1,
                                     ("positive_ease", "binary", 1): 1, ("negative_ease", "binary", 0): 1}


def test_duplicates_are_found_across_chunks(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(a11_responses, "CHUNK_ROWS", 2)
    rows = [row(k, "1" if k != "c" else "0") for k in ["a", "b", "c", "d", "a", "e", "c"]]
    report = load(engine, write(tmp_path / "d.csv", rows))
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (7, 5, 2)
    assert [(line, reason) for line, _, reason, _ in rejections(engine)] == [
        (6, "duplicate external_id 'a', first on line 2"), (8, "duplicate external_id 'c', first on line 4")]
    assert answer_counts(engine) == {("trust", "binary", 1): 4, ("trust", "binary", 0): 1}


def test_rerun_is_unchanged_and_a_changed_file_replaces(engine, tmp_path):
    first = write(tmp_path / "v1.csv", [row("a", "1", positive_ease="1"), row("b", "0", positive_ease="0"),
                                        row("c", "1", negative_other="1")])
    assert load(engine, first).rows_loaded == 3
    again = load(engine, first)
    assert again.status == "unchanged" and again.rows_loaded == 0
    assert (count(engine, SurveyResponse), count(engine, SurveyAnswer)) == (3, 6)

    # b changes its answers (positive_ease no longer offered), c is unchanged, d is new
    second = write(tmp_path / "v2.csv", [row("b", "1", positive_efficiency="1"), row("c", "1", negative_other="1"),
                                         row("d", "0")])
    assert load(engine, second).rows_loaded == 3
    assert count(engine, SurveyResponse) == 4
    with engine.connect() as conn:
        a = answers()
        got = conn.execute(select(SurveyResponse.response_key, a.c.question, a.c.value)
                           .join(a, a.c.response_id == SurveyResponse.id)
                           .order_by(SurveyResponse.response_key, a.c.question)).all()
        runs = conn.execute(select(LoadRun.status).order_by(LoadRun.id)).scalars().all()
    assert got == [("a", "positive_ease", 1), ("a", "trust", 1),
                   ("b", "positive_efficiency", 1), ("b", "trust", 1),
                   ("c", "negative_other", 1), ("c", "trust", 1),
                   ("d", "trust", 0)]
    assert runs == ["succeeded", "unchanged", "succeeded"]


def test_replacing_more_responses_than_one_delete_batch(engine, tmp_path):
    n = 1234
    load(engine, write(tmp_path / "big1.csv", [row(f"id{i}", "1", positive_ease="1") for i in range(n)]),
         trust_scale="thumbs")
    load(engine, write(tmp_path / "big2.csv", [row(f"id{i}", "0") for i in range(n)]))
    assert count(engine, SurveyResponse) == n
    assert answer_counts(engine) == {("trust", "binary", 0): n}


def test_wrong_header_fails_the_run_and_stores_nothing(engine, tmp_path):
    header = [c for c in HEADER if c != "positive_other"] + ["comment"]
    path = write(tmp_path / "wrong.csv", [row("a", "1")[:16] + [""]], header=header)
    with pytest.raises(UserError) as info:
        load(engine, path)
    message = str(info.value)
    assert "missing column(s) positive_other" in message and "unexpected column(s) 'comment'" in message
    assert count(engine, SurveyResponse) == count(engine, SurveyAnswer) == count(engine, RejectedRow) == 0
    with engine.connect() as conn:
        run = conn.execute(select(LoadRun)).one()
    assert run.status == "failed" and "positive_other" in run.message


def test_a_failed_run_leaves_no_half_load(engine, tmp_path, monkeypatch):
    """One transaction: an error in a later chunk undoes the earlier chunks. The database
    itself refuses the third chunk's response (a trigger), as a full disk would."""
    monkeypatch.setattr(a11_responses, "CHUNK_ROWS", 2)
    refuse = "CREATE TRIGGER refuse_r4 BEFORE INSERT ON survey_response FOR EACH ROW "
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CREATE FUNCTION refuse_r4() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "IF NEW.response_key = 'r4' THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                              "RETURN NEW; END $$"))
            conn.execute(text(refuse + "EXECUTE FUNCTION refuse_r4()"))
        else:
            conn.execute(text(refuse + "WHEN NEW.response_key = 'r4' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"))
    with pytest.raises(Exception, match="disk on fire"):
        load(engine, write(tmp_path / "x.csv", [row(f"r{i}", "1") for i in range(6)]), trust_scale="thumbs")
    assert count(engine, SurveyResponse) == count(engine, SurveyAnswer) == count(engine, RejectedRow) == 0
    with engine.connect() as conn:
        run = conn.execute(select(LoadRun)).one()
    assert run.status == "failed" and "disk on fire" in run.message and run.rows_loaded == 0


def test_caller_arguments_are_checked_before_loading(engine, tmp_path):
    path = write(tmp_path / "ok.csv", [row("a", "1")])
    with pytest.raises(UserError, match="'No such service'.*not in the catalog"):
        load(engine, path, service="No such service")
    with pytest.raises(UserError, match="unknown channel 'carrier pigeon'"):
        load(engine, path, channel="carrier pigeon")
    with pytest.raises(UserError, match="unknown channel 'mixed'"):
        load(engine, path, channel="mixed")  # a response comes through one channel
    with pytest.raises(UserError, match="stage 'Receive' is not a stage"):
        load(engine, path, stage="Receive")
    with pytest.raises(UserError, match="not a fiscal quarter"):
        load(engine, path, quarter="2024-Q1")
    with pytest.raises(UserError, match="unknown trust scale"):
        load(engine, path, trust_scale="stars")
    assert count(engine, LoadRun) == 0


def test_channel_spelling_is_normalised_and_stage_defaults_to_last_without_default(engine, tmp_path):
    path = write(tmp_path / "ok.csv", [row("a", "1")])
    load(engine, path, provider="test licensing", service="Renewing a Licence", channel="In person", trust_scale="thumbs")
    with engine.connect() as conn:
        got = conn.execute(select(SurveyResponse.provider, SurveyResponse.service, SurveyResponse.channel,
                                  SurveyResponse.stage, SurveyResponse.agency)).one()
    assert tuple(got) == ("Test Licensing", "Renewing a licence", "in_person", "end", "TL")
