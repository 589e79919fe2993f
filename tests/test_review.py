"""The quarterly review: its contents are the dashboard's numbers, commentary and actions are
stored and carried into the next quarter's pack, a held review stays frozen when data are
reloaded, packs build as PowerPoint and PDF (CLI and scheduler), and events reach the trend."""
from __future__ import annotations

import datetime as dt
import io
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from cxdash import paths
from cxdash.channels import ALL
from cxdash.cli import main as cli
from cxdash.compute import compute
from cxdash.dashboard.views import service as service_view
from cxdash.db import review_queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import MeasureResult
from cxdash.errors import UserError
from cxdash.loaders import a11_quarterly
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review import packs, records, snapshots
from cxdash.review.assemble import action_state, assemble
from tests.conftest import quarterly_sqlite

Q = FiscalQuarter(2023, 1)
PREVIOUS = FiscalQuarter(2022, 4)
TRUST = "vha-outpatient-trust"
SAMPLE_MATURITY = paths.sample_dir() / "maturity_self_assessment_SYNTHETIC.csv"


@pytest.fixture(scope="module")
def review_db(tmp_path_factory, catalogue, real_quarterly_path):
    """The real quarterly file, computed, with this module's review records written into it."""
    eng = quarterly_sqlite(tmp_path_factory.mktemp("review") / "cx.db", catalogue, real_quarterly_path)
    yield eng
    eng.dispose()


def _measure_values(engine, measure_id: str, provider: str = ALL, service: str = ALL) -> dict[str, float | None]:
    """measure_result straight from the table: quarter label -> value."""
    t = MeasureResult
    with engine.connect() as conn:
        rows = conn.execute(select(t.fiscal_year, t.fiscal_quarter, t.value).where(
            t.measure_id == measure_id, t.provider == provider, t.service == service, t.channel == ALL)).all()
    return {FiscalQuarter(y, q).display: v for y, q, v in rows}


# --- contents --------------------------------------------------------------------------------

def test_contents_carry_the_scorecards_numbers_for_every_measure(review_db, catalogue):
    contents = assemble(review_db, catalogue, Q)
    assert [m.measure_id for m in contents.measures] == [m.id for m in catalogue.measures]
    assert [g.name for g in contents.goals] == [g.name for g in catalogue.goals]
    for slide in contents.measures:
        stored = _measure_values(review_db, slide.measure_id)
        assert slide.value == stored.get(Q.display)
        assert [p.label for p in slide.points] == [Q.previous(k).display for k in reversed(range(6))]
        assert [p.value for p in slide.points] == [stored.get(p.label) for p in slide.points]
        assert slide.owner == catalogue.measure(slide.measure_id).owner
    counts = pd.Series([m.status for m in contents.measures]).value_counts()
    assert contents.status_takeaway.startswith(f"Of {len(contents.measures)} measures in FY2023 Q1")
    assert f"{counts['off_track']} off track" in contents.status_takeaway
    assert contents.as_of == dt.date(2022, 12, 31)  # the quarter's end: the file covers it whole
    assert contents.journey is None  # every service: no journey pooled across them (see the services table)


def _trust_text(raw: pd.DataFrame, provider: str, service: str, quarter: FiscalQuarter) -> str:
    """A service's % agree on trust (question 2) over its rows of the quarter, as the table shows it."""
    rows = raw[(raw["attributes_service_provider_name"].str.strip() == provider)
               & (raw["attributes_service_name"].str.strip() == service)
               & (raw["attributes_collection_year"] == quarter.year)
               & (raw["attributes_collection_quarter"] == quarter.quarter)]
    counts = [int(rows[f"attributes_q2_{k}"].sum()) for k in range(1, 6)]
    if sum(counts) < 30:
        return "Suppressed (n < 30)"
    return f"{(counts[3] + counts[4]) / sum(counts) * 100:.1f}%"


def test_a_review_of_several_services_compares_them_one_row_each(review_db, catalogue, real_quarterly_path):
    """Never one journey pooled across services: a row per catalogue service with data, each its own
    trust figure (worked out here from the raw file); a review of one service keeps its journey."""
    raw = pd.read_csv(real_quarterly_path)
    for provider in (ALL, "Internal Revenue Service"):
        contents = assemble(review_db, catalogue, Q, provider=provider)
        table = contents.services
        assert contents.journey is None and table is not None
        named = [s for s in catalogue.services_named(provider, ALL)
                 if _trust_text(raw, s.provider, " ".join(s.name.split()), Q) != "Suppressed (n < 30)"]
        assert len(named) >= 2
        rows = {row[0]: row for row in table.rows}
        assert len(rows) == len(table.rows)  # one row per service
        for entry in named:
            name = " ".join(entry.name.split())
            row = rows[f"{name} ({entry.provider})"]
            assert row[table.header.index("Trust (% agree)")] == _trust_text(raw, entry.provider, name, Q), name
    one = assemble(review_db, catalogue, Q, provider="Internal Revenue Service", service="Visiting IRS.gov")
    assert one.services is None and one.journey is not None


# --- records ---------------------------------------------------------------------------------

def test_commentary_is_checked_redacted_and_replaced_on_a_second_save(review_db, catalogue):
    with pytest.raises(UserError, match="commentary: write at least one"):
        records.save_commentary(review_db, catalogue, TRUST, Q)
    with pytest.raises(UserError, match="measure: 'nope' is not in the catalogue"):
        records.save_commentary(review_db, catalogue, "nope", Q, what_happened="x")
    with pytest.raises(UserError, match="why: 4001 characters; at most 4000"):
        records.save_commentary(review_db, catalogue, TRUST, Q, why="x" * 4001)
    records.save_commentary(review_db, catalogue, TRUST, Q, what_happened="First draft", author="CX office")
    records.save_commentary(review_db, catalogue, TRUST, Q, what_happened="Trust rose after wait times fell.",
                            why="Mrs Jane Smith (555-201-3344) wrote that scheduling was faster.",
                            what_next="Extend same-day scheduling.", author="CX office")
    saved = review_queries.commentary(review_db, Q.year, Q.quarter)[TRUST]
    assert saved["what_happened"] == "Trust rose after wait times fell."
    assert "Jane Smith" not in saved["why"] and "555-201-3344" not in saved["why"]
    assert "[name]" in saved["why"] and "[phone]" in saved["why"]
    assert assemble(review_db, catalogue, Q).measure(TRUST).commentary.what_next == "Extend same-day scheduling."


@pytest.mark.parametrize(("status", "due", "state"), [
    ("done", dt.date(2020, 1, 1), "done"), ("open", dt.date(2023, 1, 9), "late"), ("open", dt.date(2023, 1, 10), "open"),
    ("open", None, "open"),
])
def test_action_state_on_the_review_day(status, due, state):
    assert action_state(status, due, dt.date(2023, 1, 10)) == state


def test_actions_follow_up_into_the_next_quarters_pack(tmp_path, catalogue, real_quarterly_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'cx.db'}")
    upgrade(eng)  # actions need no data
    with pytest.raises(UserError, match="kind: 'wish'"):
        records.add_action(eng, catalogue, PREVIOUS, description="x", kind="wish")
    with pytest.raises(UserError, match="due date: '31/12/2022' is not a date"):
        records.add_action(eng, catalogue, PREVIOUS, description="x", due_date="31/12/2022")
    late = records.add_action(eng, catalogue, PREVIOUS, description="Fix the callback queue", measure_id=TRUST,
                              owner="VBA contact center", due_date="2022-12-15")
    done = records.add_action(eng, catalogue, PREVIOUS, description="Publish wait times", owner="VHA",
                              due_date="2023-03-31")
    old = records.add_action(eng, catalogue, FiscalQuarter(2022, 2), description="Long closed", kind="decision")
    records.set_action_status(eng, old, "done", "2022-04-01")  # before the previous quarter began: not shown
    records.set_action_status(eng, done, "done", "2023-01-05")
    new = records.add_action(eng, catalogue, Q, description="Pilot text reminders", owner="VHA", kind="decision")
    later = records.add_action(eng, catalogue, Q.next(), description="Not yet recorded at this review")
    contents = assemble(eng, catalogue, Q, review_date=dt.date(2023, 1, 20))
    states = {a.id: (a.state, a.quarter) for a in contents.actions}
    assert states == {late: ("late", "FY2022Q4"), done: ("done", "FY2022Q4"), new: ("open", "FY2023Q1")}
    assert later not in states and old not in states
    assert contents.actions[0].measure_name == catalogue.measure(TRUST).name
    with pytest.raises(UserError, match="no action with id 999"):
        records.set_action_status(eng, 999, "done")


def test_annotations_apply_to_their_scope_and_reach_the_service_trend(sqlite_engine):
    everyone = records.add_annotation(sqlite_engine, event_date="2022-11-15", label="Online form launched")
    records.add_annotation(sqlite_engine, event_date="2022-08-01", label="Phone outage",
                           provider="Veterans Health Administration", service="Receiving outpatient services")
    records.add_annotation(sqlite_engine, event_date="2022-08-02", label="Elsewhere", provider="IRS", service="Filing")
    with pytest.raises(UserError, match="label: required"):
        records.add_annotation(sqlite_engine, event_date="2022-08-01", label=" ")
    mine = review_queries.annotations(sqlite_engine, "Veterans Health Administration", "Receiving outpatient services")
    assert [a["label"] for a in mine] == ["Phone outage", "Online form launched"]
    assert [a["label"] for a in review_queries.annotations(sqlite_engine)] == ["Online form launched"]
    events = service_view.trend_events(mine)
    assert events == {"FY2022 Q4": ["1 Aug 2022: Phone outage"], "FY2023 Q1": ["15 Nov 2022: Online form launched"]}
    rows = pd.DataFrame({"display": ["FY2022 Q4", "FY2023 Q1"], "quarter": ["FY2022Q4", "FY2023Q1"],
                         "value": [0.5, 0.6], "ci_low": [0.45, 0.55], "ci_high": [0.55, 0.65], "n": [400, 400],
                         "suppressed": [False, False], "target": [None, None], "qoq_change": [None, 0.1],
                         "qoq_significant": [None, True]})
    figure = service_view.trend_figure(rows, "trust", 30, events)
    assert [s.x0 for s in figure.layout.shapes] == ["FY2022 Q4", "FY2023 Q1"]
    assert any(a.text == "Event: Online form launched" for a in figure.layout.annotations)
    review_queries.delete_annotation(sqlite_engine, everyone)
    assert review_queries.annotations(sqlite_engine) == []


# --- the deck --------------------------------------------------------------------------------

def _slides(pptx: bytes):
    return list(Presentation(io.BytesIO(pptx)).slides)


def _title(slide) -> str:
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def test_pack_has_every_slide_native_charts_with_the_dashboards_numbers_alt_text_and_notes(review_db, catalogue):
    records.save_commentary(review_db, catalogue, "vba-contact-trust", Q, what_happened="Calls doubled in December.",
                            what_next="Add overflow staff.", author="VBA")
    pack_id = packs.request(review_db, Q, "pptx", "manual")
    built = packs.run(review_db, catalogue, pack_id)
    assert (built["status"], built["progress"], built["file_name"]) == ("succeeded", 1.0, "cx-review-FY2023Q1-all-services.pptx")
    name, content = review_queries.pack_file(review_db, pack_id)
    slides = _slides(content)
    titles = [_title(s) for s in slides]
    assert titles[1].startswith("Bottom line")
    assert [t for t in titles if t.startswith("Scorecard: ")] == [f"Scorecard: {g.name}" for g in catalogue.goals]
    assert "Measures off track" in titles
    assert not any(t.startswith("Journey") for t in titles)  # every service: no pooled journey
    assert any(t.startswith("Services side by side") for t in titles)
    for measure in catalogue.measures:
        slide = next(s for s, t in zip(slides, titles) if t.startswith(f"{measure.name}: "))  # headlined by status
        chart = next(s.chart for s in slide.shapes if s.has_chart)
        stored = _measure_values(review_db, measure.id)
        labels = [Q.previous(k).display for k in reversed(range(6))]
        assert list(chart.plots[0].categories) == labels
        scale = 100 if measure.unit == "percent" else 1  # percent plotted as 0-100, points as they are
        expected = [None if stored.get(q) is None else stored[q] * scale for q in labels]
        assert list(chart.plots[0].series[0].values) == pytest.approx(expected, nan_ok=True)
        target = measure.target_for(Q.year)
        if target is not None:
            assert chart.plots[0].series[1].values[-1] == pytest.approx(target * scale)
    trust = next(s for s, t in zip(slides, titles) if t.startswith(f"{catalogue.measure('vba-contact-trust').name}: "))
    notes = trust.notes_slide.notes_text_frame.text
    assert "Calls doubled in December." in notes and "Add overflow staff." in notes
    on_slide = " ".join(sh.text_frame.text for sh in trust.shapes if sh.has_text_frame)
    assert "What happened: Calls doubled in December." in on_slide and "What next: Add overflow staff." in on_slide
    for slide in slides:
        for shape in slide.shapes:
            if shape.shape_type is not None and (shape.has_chart or shape.shape_type == 13 or getattr(shape, "has_table", False)):
                assert shape._element.xpath("./*[1]/p:cNvPr")[0].get("descr"), (_title(slide), shape.name)
        text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert "Data as of 31 Dec 2022" in text and "Filters: FY2023 Q1" in text, _title(slide)
    off = {m.name for m in catalogue.measures} & {t.split(": off track")[0] for t in titles if ": off track," in t}
    warned = {m for m in off if m != catalogue.measure("vba-contact-trust").name}
    for name in warned:  # off track without commentary: said where the pack is listed
        assert f"{name} is off track and has no commentary" in built["message"]
    assert catalogue.measure("vba-contact-trust").name + " is off track" not in built["message"]


def test_cli_builds_the_pack_as_pdf_with_the_decks_pages(review_db, catalogue, tmp_path):
    url = review_db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["review-pack", "--quarter", "FY2023Q1", "--format", "pdf", "--out",
                                      str(tmp_path), "--provider", "Veterans Health Administration",
                                      "--service", "Receiving outpatient services", "--db", url])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "cx-review-FY2023Q1-receiving-outpatient-services.pdf"
    assert str(pdf) in result.output
    reader = PdfReader(pdf)
    deck = packs.request(review_db, Q, "pptx", "manual", "Veterans Health Administration",
                         "Receiving outpatient services")
    packs.run(review_db, catalogue, deck)
    slides = _slides(review_queries.pack_file(review_db, deck)[1])
    assert len(reader.pages) == len(slides)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert catalogue.measure(TRUST).name in " ".join(text.split())
    others = [m.name for m in catalogue.measures if "vha-outpatient" not in m.services]
    assert not any(name in " ".join(text.split()) for name in others)  # one service: its measures only


def test_agency_template_and_clear_errors(review_db, catalogue, tmp_path):
    template = tmp_path / "agency.pptx"
    shutil.copy(packs_default_template(), template)
    url = review_db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["review-pack", "--quarter", "FY2023Q1", "--template", str(template), "--out",
                                      str(tmp_path / "out"), "--db", url])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["review-pack", "--quarter", "FY2023Q5", "--db", url])
    assert result.exit_code != 0 and "FY2023Q5" in result.output and "Traceback" not in result.output
    broken = tmp_path / "broken.pptx"
    broken.write_text("not a deck")
    result = CliRunner().invoke(cli, ["review-pack", "--quarter", "FY2023Q1", "--template", str(broken), "--db", url])
    assert result.exit_code != 0 and "broken.pptx" in result.output
    failed = review_queries.packs(review_db, Q.year, Q.quarter, limit=1)[0]
    assert failed["status"] == "failed" and "broken.pptx" in failed["message"]


def packs_default_template():
    return paths.config_file("templates/review-pack.pptx")


# --- frozen reviews --------------------------------------------------------------------------

def test_a_held_review_stays_frozen_when_corrected_data_are_reloaded(tmp_path, catalogue, real_quarterly_path):
    eng = quarterly_sqlite(tmp_path / "cx.db", catalogue, real_quarterly_path)
    records.save_commentary(eng, catalogue, TRUST, Q, what_happened="As presented.")
    held = snapshots.freeze(eng, catalogue, Q, ALL, ALL, held_on=dt.date(2023, 1, 25))
    before = _measure_values(eng, TRUST)[Q.display]
    assert held.measure(TRUST).value == before and held.frozen_on == dt.date(2023, 1, 25)
    with pytest.raises(UserError, match="already held on 25 Jan 2023"):
        snapshots.freeze(eng, catalogue, Q, ALL, ALL)

    # A corrected export: half of VHA outpatient's FY2023 Q1 'strongly agree' answers were 'strongly disagree'.
    raw = pd.read_csv(real_quarterly_path, dtype=str, keep_default_na=False)
    row = (raw["attributes_service_provider_name"].eq("Veterans Health Administration")
           & raw["attributes_service_provided"].eq("Outpatient Services")
           & raw["attributes_collection_year"].eq("2023") & raw["attributes_collection_quarter"].eq("1"))
    assert row.sum() == 1
    for k in range(1, 9):
        five, one = f"attributes_q{k}_5", f"attributes_q{k}_1"
        if raw.loc[row, five].iloc[0]:
            moved = int(raw.loc[row, five].iloc[0]) // 2
            raw.loc[row, five] = str(int(raw.loc[row, five].iloc[0]) - moved)
            raw.loc[row, one] = str(int(raw.loc[row, one].iloc[0] or 0) + moved)
    corrected = tmp_path / "corrected.csv"
    raw.to_csv(corrected, index=False)
    a11_quarterly.load(eng, corrected, catalogue)
    compute(eng, catalogue)
    records.save_commentary(eng, catalogue, TRUST, Q, what_happened="Rewritten later.")

    after = _measure_values(eng, TRUST)[Q.display]
    assert after < before - 0.05
    snapshot_id, frozen = snapshots.frozen(eng, Q, ALL, ALL)
    assert frozen == held  # numbers, commentary, actions: as the executives saw them
    changes = {(d["measure_id"], d["field"]): d for d in snapshots.differences(frozen, assemble(eng, catalogue, Q))}
    assert (changes[(TRUST, "value")]["held"], changes[(TRUST, "value")]["today"]) == (before, after)
    vha = {m.id for m in catalogue.measures if "vha-outpatient" in m.services}
    assert {m for m, field in changes if field == "value"} == vha  # the other services' numbers stand

    pack_id = packs.request(eng, Q, "pptx", "manual")
    built = packs.run(eng, catalogue, pack_id)
    assert built["snapshot_id"] == snapshot_id
    assert built["message"].split(packs.WARNING_SEPARATOR)[0] == "From the frozen review"  # then what it lacks
    slides = _slides(review_queries.pack_file(eng, pack_id)[1])
    slide = next(s for s in slides if _title(s).startswith(f"{catalogue.measure(TRUST).name}: "))
    chart = next(s.chart for s in slide.shapes if s.has_chart)
    assert chart.plots[0].series[0].values[-1] == pytest.approx(before * 100)
    assert "As presented." in slide.notes_slide.notes_text_frame.text
    eng.dispose()


# --- on schedule -----------------------------------------------------------------------------

def test_draft_is_due_days_after_the_quarter_closes_and_only_once():
    assert packs.draft_due(dt.date(2023, 1, 13), 14, set()) is None  # FY2023 Q1 closed 31 Dec 2022
    assert packs.draft_due(dt.date(2023, 1, 14), 14, set()) == Q
    assert packs.draft_due(dt.date(2023, 3, 31), 14, {"FY2023Q1"}) is None
    assert packs.draft_due(dt.date(2023, 1, 1), 0, set()) == Q


def test_scheduled_draft_is_built_once_and_recorded(review_db, catalogue):
    assert packs.build_draft_if_due(review_db, catalogue, today=dt.date(2023, 1, 10)) is None
    built = packs.build_draft_if_due(review_db, catalogue, today=dt.date(2023, 1, 20))
    assert (built["trigger"], built["status"], built["format"]) == ("scheduled", "succeeded", "pptx")
    assert (built["fiscal_year"], built["fiscal_quarter"]) == (2023, 1)
    assert packs.build_draft_if_due(review_db, catalogue, today=dt.date(2023, 1, 21)) is None
    assert len(_slides(review_queries.pack_file(review_db, built["id"])[1])) > 10
    review_queries.update_pack(review_db, built["id"], status="failed", message="the build failed")
    again = packs.queue_draft_if_due(review_db, catalogue, today=dt.date(2023, 1, 22))  # a failed draft: again
    assert again != built["id"] and review_queries.pack(review_db, again)["status"] == "queued"
    assert packs.queue_draft_if_due(review_db, catalogue, today=dt.date(2023, 1, 22)) is None  # queued: once


# --- storage on SQLite and PostgreSQL --------------------------------------------------------

def test_review_records_round_trip_on_both_databases(engine, catalogue):
    records.save_commentary(engine, catalogue, TRUST, Q, what_happened="Up", author="CX")
    records.save_commentary(engine, catalogue, TRUST, Q, what_happened="Up again", author="CX")
    assert review_queries.commentary(engine, Q.year, Q.quarter)[TRUST]["what_happened"] == "Up again"
    action = records.add_action(engine, catalogue, Q, description="Call back", due_date=dt.date(2023, 2, 1))
    records.set_action_status(engine, action, "done", dt.date(2023, 1, 30))
    [row] = review_queries.actions(engine, Q.year, Q.quarter, since=PREVIOUS.start)
    assert (row["status"], row["completed_on"], row["due_date"]) == ("done", dt.date(2023, 1, 30), dt.date(2023, 2, 1))
    event = records.add_annotation(engine, event_date=dt.date(2022, 11, 15), label="Launch")
    assert review_queries.annotations(engine)[0]["id"] == event
    snapshot = review_queries.save_snapshot(engine, Q.year, Q.quarter, ALL, ALL, dt.date(2023, 1, 25), '{"a": 1}')
    assert review_queries.snapshot(engine, Q.year, Q.quarter, ALL, ALL)["contents"] == '{"a": 1}'
    with pytest.raises(UserError, match="already held"):
        review_queries.save_snapshot(engine, Q.year, Q.quarter, ALL, ALL, dt.date(2023, 1, 26), "{}")
    pack_id = packs.request(engine, Q, "pdf", "page")
    payload = bytes(range(256)) * 1000
    review_queries.update_pack(engine, pack_id, status="succeeded", content=payload, file_name="x.pdf",
                               snapshot_id=snapshot, progress=1.0)
    assert review_queries.pack_file(engine, pack_id) == ("x.pdf", payload)
    assert review_queries.pack(engine, pack_id)["finished_at"] is not None
    with pytest.raises(UserError, match="format: 'docx'"):
        packs.request(engine, Q, "docx", "page")


def test_a_build_left_running_long_after_its_request_is_stalled():
    requested = dt.datetime(2023, 1, 20, 9, 0)  # naive, as SQLite returns it
    job = {"status": "running", "requested_at": requested}
    assert not packs.stalled(job, dt.datetime(2023, 1, 20, 9, 29, tzinfo=dt.UTC))
    assert packs.stalled(job, dt.datetime(2023, 1, 20, 9, 31, tzinfo=dt.UTC))
    assert not packs.stalled({**job, "status": "succeeded"}, dt.datetime(2023, 2, 1, tzinfo=dt.UTC))
    # Queued for an hour behind other builds, then started: counted from its start.
    started = {**job, "started_at": dt.datetime(2023, 1, 20, 10, 0)}
    assert not packs.stalled(started, dt.datetime(2023, 1, 20, 10, 29, tzinfo=dt.UTC))
    assert packs.stalled(started, dt.datetime(2023, 1, 20, 10, 31, tzinfo=dt.UTC))


def test_pack_carries_the_ranked_portfolio_and_the_maturity_profile(tmp_path, catalogue, real_quarterly_path):
    from cxdash.initiatives import load_register, register_path, sync
    from cxdash.loaders import maturity
    eng = quarterly_sqlite(tmp_path / "cx.db", catalogue, real_quarterly_path)
    sync(eng, load_register(register_path(), catalogue))
    maturity.load(eng, SAMPLE_MATURITY)
    contents = assemble(eng, catalogue, Q)
    assert [p.rank for p in contents.portfolio] == list(range(1, len(contents.portfolio) + 1))
    assert [p.wsjf for p in contents.portfolio] == sorted((p.wsjf for p in contents.portfolio), reverse=True)
    for p in contents.portfolio:  # WSJF = (customer + mission + time + risk) / job size, weights 1
        assert p.wsjf == pytest.approx((p.customer_value + p.mission_value + p.time_criticality + p.risk_reduction)
                                       / p.job_size, abs=5e-4)
    vba = assemble(eng, catalogue, Q, "Veterans Benefits Administration", ALL)
    va_ids = {s.id for s in catalogue.services if s.provider == "Veterans Benefits Administration"}
    assert [p.id for p in vba.portfolio] == [p.id for p in contents.portfolio if va_ids & set(p.services)] != []
    assert vba.portfolio_takeaway.startswith(f"{len(vba.portfolio)} of the portfolio's {len(contents.portfolio)}")
    assert contents.maturity.fiscal_year == 2023
    assert contents.maturity.overall == min(d.level for d in contents.maturity.dimensions)
    pack_id = packs.request(eng, Q, "pptx", "manual")
    packs.run(eng, catalogue, pack_id)
    slides = _slides(review_queries.pack_file(eng, pack_id)[1])
    titles = [_title(s) for s in slides]
    portfolio = slides[titles.index("Initiative portfolio (weighted shortest job first)")]
    table = next(s.table for s in portfolio.shapes if s.has_table)
    assert [table.cell(r, 1).text for r in range(1, len(table.rows))] == [
        f"{p.name} ({p.status})" for p in contents.portfolio]
    level = contents.maturity
    chart_slide = slides[titles.index(f"CX maturity, FY2023: level {level.overall}, {level.overall_name}")]
    chart = next(s.chart for s in chart_slide.shapes if s.has_chart)
    assert list(chart.plots[0].series[-1].values) == [d.level for d in level.dimensions]
    assert all(s._element.xpath("./*[1]/p:cNvPr")[0].get("descr") for s in chart_slide.shapes if s.has_chart)
    eng.dispose()
