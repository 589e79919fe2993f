"""The generation-1 quarterly loader on the real Touchpoints export, and on broken copies of it."""
from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cxdash.db.models import A11QuarterlyCount, LoadRun, RejectedRow
from cxdash.errors import UserError
from cxdash.loaders import a11_quarterly


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _count(engine, model=A11QuarterlyCount):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar()


def test_real_file_loads_every_asked_question(engine, catalogue, real_quarterly_path):
    report = a11_quarterly.load(engine, real_quarterly_path, catalogue)
    rows = _rows(real_quarterly_path)
    asked = sum(1 for r in rows for q in range(1, 12)
                if sum(int(float(r[f"attributes_q{q}_{k}"] or 0)) for k in range(1, 6)) > 0)
    assert report.status == "succeeded"
    assert report.rows_read == len(rows) == 481
    assert report.rows_loaded == 481 and report.rows_rejected == 0
    assert _count(engine) == asked == 2962
    assert str(report.data_as_of) == "2022-12-31"  # FY2023 Q1 ends 31 December 2022


def test_counts_and_wording_are_stored_as_published(engine, catalogue, real_quarterly_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    first = _rows(real_quarterly_path)[0]
    with engine.connect() as conn:
        trust = conn.execute(select(A11QuarterlyCount).where(
            A11QuarterlyCount.record_key == first["id"], A11QuarterlyCount.question_no == 2)).one()
    assert trust.question == "trust"
    assert [trust.n_1, trust.n_2, trust.n_3, trust.n_4, trust.n_5] == [int(first[f"attributes_q2_{k}"]) for k in range(1, 6)]
    assert trust.question_text == first["attributes_q2_text"]
    assert Decimal(str(trust.published_point_scale)) == Decimal(first["attributes_q2_point_scale"])
    assert (trust.fiscal_year, trust.fiscal_quarter) == (2021, 2)
    assert trust.channel == "email"
    # The catalogue maps VHA outpatient services to its Follow-up stage.
    assert trust.stage == "Follow-up"


def test_stage_defaults_to_unassigned_for_services_outside_the_catalogue(engine, catalogue, real_quarterly_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    with engine.connect() as conn:
        stage = conn.execute(select(A11QuarterlyCount.stage).where(
            A11QuarterlyCount.service == "Applying for disaster assistance").limit(1)).scalar()
    assert stage == "unassigned"


def test_same_file_twice_adds_nothing(engine, catalogue, real_quarterly_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    before = _count(engine)
    again = a11_quarterly.load(engine, real_quarterly_path, catalogue)
    assert again.status == "unchanged" and again.rows_loaded == 0
    assert _count(engine) == before
    with engine.connect() as conn:
        statuses = conn.execute(select(LoadRun.status).order_by(LoadRun.id)).scalars().all()
    assert statuses == ["succeeded", "unchanged"]


def test_changed_file_replaces_rows_by_natural_key(engine, catalogue, real_quarterly_path, tmp_path):
    a11_quarterly.load(engine, real_quarterly_path, catalogue)
    before = _count(engine)
    header = list(_rows(real_quarterly_path)[0].keys())
    rows = _rows(real_quarterly_path)
    rows[0]["attributes_q1_5"] = str(int(rows[0]["attributes_q1_5"]) + 1000)  # a corrected count
    corrected = tmp_path / "corrected.csv"
    _write(corrected, header, rows)
    report = a11_quarterly.load(engine, corrected, catalogue)
    assert report.status == "succeeded"
    assert _count(engine) == before  # replaced, not duplicated
    with engine.connect() as conn:
        n5 = conn.execute(select(A11QuarterlyCount.n_5).where(
            A11QuarterlyCount.record_key == rows[0]["id"], A11QuarterlyCount.question_no == 1)).scalar()
    assert n5 == int(rows[0]["attributes_q1_5"])


def test_bad_rows_are_kept_aside_with_line_field_and_reason(engine, catalogue, real_quarterly_path, tmp_path):
    rows = _rows(real_quarterly_path)[:10]
    header = list(rows[0].keys())
    rows[1]["attributes_q1_3"] = "-4"                 # line 3
    rows[2]["attributes_channel"] = "carrier pigeon"  # line 4
    rows[3]["attributes_collection_quarter"] = "5"    # line 5
    rows[4]["attributes_q2_4"] = "lots"               # line 6
    rows[5]["attributes_service_name"] = ""           # line 7
    rows[6]["id"] = rows[0]["id"]                     # line 8: duplicate of line 2
    bad = tmp_path / "bad.csv"
    _write(bad, header, rows)
    report = a11_quarterly.load(engine, bad, catalogue)
    assert report.status == "succeeded"
    assert report.rows_read == 10 and report.rows_loaded == 4 and report.rows_rejected == 6
    with engine.connect() as conn:
        stored = conn.execute(select(RejectedRow.line, RejectedRow.field, RejectedRow.reason, RejectedRow.file_name)
                              .order_by(RejectedRow.line)).all()
    by_line = {line: (field, reason) for line, field, reason, _ in stored}
    assert by_line[3][0] == "attributes_q1_3" and "greater than or equal to 0" in by_line[3][1]
    assert by_line[4][0] == "attributes_channel" and "carrier pigeon" in by_line[4][1]
    assert by_line[5][0] == "attributes_collection_quarter" and "4" in by_line[5][1]
    assert by_line[6][0] == "attributes_q2_4"
    assert by_line[7][0] == "attributes_service_name"
    assert by_line[8] == ("id", f"duplicate id {rows[0]['id']!r}, first on line 2")
    assert all(name == str(bad) for *_, name in stored)
    with engine.connect() as conn:
        keys = set(conn.execute(select(A11QuarterlyCount.record_key)).scalars())
    assert keys == {rows[i]["id"] for i in (0, 7, 8, 9)}


def test_missing_columns_fail_the_whole_file_and_leave_nothing(engine, catalogue, real_quarterly_path, tmp_path):
    rows = _rows(real_quarterly_path)[:3]
    header = [h for h in rows[0] if h != "attributes_channel"]
    broken = tmp_path / "no_channel.csv"
    _write(broken, header, [{k: r[k] for k in header} for r in rows])
    with pytest.raises(UserError, match=r"no_channel\.csv: missing column\(s\) attributes_channel"):
        a11_quarterly.load(engine, broken, catalogue)
    assert _count(engine) == 0
    with engine.connect() as conn:
        run = conn.execute(select(LoadRun.status, LoadRun.message)).one()
    assert run.status == "failed" and "attributes_channel" in run.message


def test_a_failure_mid_load_rolls_back_every_row(engine, catalogue, real_quarterly_path, monkeypatch):
    monkeypatch.setattr(a11_quarterly, "CHUNK_ROWS", 100)
    original = a11_quarterly.write
    calls = {"n": 0}

    def failing_write(conn, source, run_id, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(conn, source, run_id, rows)

    monkeypatch.setattr(a11_quarterly, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        a11_quarterly.load(engine, real_quarterly_path, catalogue)
    assert calls["n"] == 3  # two chunks were written before the failure ...
    assert _count(engine) == 0  # ... and none of them is visible
    with engine.connect() as conn:
        run = conn.execute(select(LoadRun.status, LoadRun.message)).one()
    assert run.status == "failed" and "disk full" in run.message
    # After the fault is gone the same file loads in full: a failed run does not count as loaded.
    monkeypatch.setattr(a11_quarterly, "write", original)
    assert a11_quarterly.load(engine, real_quarterly_path, catalogue).status == "succeeded"
    assert _count(engine) == 2962


def test_reload_after_another_file_or_other_parameters_is_not_skipped(engine, catalogue, real_quarterly_path, tmp_path):
    """'Unchanged' means: the source's last successful load had these bytes and parameters."""
    rows = _rows(real_quarterly_path)
    header = list(rows[0].keys())
    part = tmp_path / "part.csv"
    _write(part, header, rows[:5])
    assert a11_quarterly.load(engine, real_quarterly_path, catalogue).status == "succeeded"
    assert a11_quarterly.load(engine, part, catalogue).status == "succeeded"
    # The full file again after another file: loaded again (idempotent by natural key) ...
    assert a11_quarterly.load(engine, real_quarterly_path, catalogue).status == "succeeded"
    assert _count(engine) == 2962  # ... and still nothing duplicated
    # Other stage rules in the catalogue re-stage the same bytes.
    changed = catalogue.model_copy(update={"services": [
        s.model_copy(update={"default_stage": "Schedule"}) if s.id == "vha-outpatient" else s for s in catalogue.services]})
    assert a11_quarterly.load(engine, real_quarterly_path, changed).status == "succeeded"
    with engine.connect() as conn:
        stages = set(conn.execute(select(A11QuarterlyCount.stage).where(
            A11QuarterlyCount.service == "Receiving outpatient services")).scalars())
    assert stages == {"Schedule"}
    assert a11_quarterly.load(engine, real_quarterly_path, changed).status == "unchanged"


def test_a_truncated_row_is_rejected_not_read_as_blank(engine, catalogue, real_quarterly_path, tmp_path):
    lines = real_quarterly_path.read_text(encoding="utf-8").splitlines(keepends=True)
    truncated = tmp_path / "truncated.csv"
    header_and_first = "".join(lines[:2])
    short = ",".join(lines[2].split(",")[:40]) + "\n"  # a row cut off mid-way
    truncated.write_text(header_and_first + short, encoding="utf-8")
    report = a11_quarterly.load(engine, truncated, catalogue)
    assert report.rows_loaded == 1 and report.rows_rejected == 1
    rejection = report.rejections[0]
    assert rejection.line == 3 and rejection.field == "(row)" and "fewer value(s) than header columns" in rejection.reason


def test_a_row_with_two_bad_fields_is_one_rejected_row_with_two_reasons(engine, catalogue, real_quarterly_path, tmp_path):
    rows = _rows(real_quarterly_path)[:3]
    rows[1]["attributes_q1_2"] = "-1"
    rows[1]["attributes_channel"] = "telegraph"
    bad = tmp_path / "two_faults.csv"
    _write(bad, list(rows[0].keys()), rows)
    report = a11_quarterly.load(engine, bad, catalogue)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    assert sorted(r.field for r in report.rejections) == ["attributes_channel", "attributes_q1_2"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(RejectedRow)).scalar() == 2
