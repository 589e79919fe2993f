"""The data version and the stored quality checks: one counter row that every write the pages show
changes (in its own transaction), read once per request; the scorecard's filter changes cached by
it; the Data page's quality checks stored at compute (or after a load), never scanned per view."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pandas as pd
import pytest
import yaml
from sqlalchemy import event

from cxdash import paths
from cxdash.compute import compute
from cxdash.dashboard import callbacks, data
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import data_page
from cxdash.db import queries, review_queries
from cxdash.db.models import VERSIONED_BY_TRIGGER
from cxdash.health import quality_report, source_health, stored_quality
from cxdash.initiatives import load_register, register_path, sync
from cxdash.maturity import load_model, record_rating
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review import records
from cxdash.sources import load_sources, run_source

from .conftest import configured_sources

FACT_TABLES = ("a11_quarterly_count", "survey_response", "survey_answer", "survey_segment", "case_record",
               "contact_interval", "feedback_item", "employee_index", "published_value")


def version(engine) -> str:
    with engine.connect() as conn:
        return queries.data_version(conn)


@contextmanager
def statements(engine):
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_every_write_the_pages_show_changes_the_version(engine, catalogue):
    seen = [version(engine)]

    def changed(what: str) -> None:
        now = version(engine)
        assert now not in seen, what
        seen.append(now)

    compute(engine, catalogue)
    changed("compute")
    quarter, measure = FiscalQuarter(2023, 1), catalogue.measures[0].id
    records.save_commentary(engine, catalogue, measure, quarter, what_happened="Scores rose.")
    changed("commentary")
    records.save_commentary(engine, catalogue, measure, quarter, what_happened="Scores rose again.")
    changed("commentary edited")
    action = records.add_action(engine, catalogue, quarter, description="Shorten the form.")
    changed("action")
    records.set_action_status(engine, action, "done", on=dt.date(2023, 2, 1))
    changed("action done")
    annotation = records.add_annotation(engine, event_date="2023-01-05", label="Outage")
    changed("event")
    review_queries.delete_annotation(engine, annotation)
    changed("event deleted")
    review_queries.save_snapshot(engine, 2023, 1, "all", "all", dt.date(2023, 2, 1), "{}")
    changed("review held")
    sync(engine, load_register(register_path(), catalogue))
    changed("initiative register synced")
    model = load_model()
    record_rating(engine, model, 2023, model.dimensions[0].id, 1, "met", "A charter.", "CX office")
    changed("maturity rating")
    # What no cached page shows leaves it alone: a pack build's request and progress, a read.
    pack, _ = review_queries.request_pack(engine, fiscal_year=2023, fiscal_quarter=1, provider="all", service="all",
                                       fmt="pptx", trigger="page")
    review_queries.update_pack(engine, pack, progress=0.5, step="Charts")
    review_queries.commentary(engine, 2023, 1)
    assert version(engine) == seen[-1]


def test_every_table_people_write_has_its_trigger(engine):
    """A migration that rebuilds one of these tables must create its trigger again."""
    from sqlalchemy import inspect, text
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        else:
            names = conn.execute(text("SELECT event_object_table FROM information_schema.triggers")).scalars()
        tables = set(names)
    assert set(VERSIONED_BY_TRIGGER) <= tables <= set(inspect(engine).get_table_names())


@pytest.fixture
def app(computed_sqlite, catalogue):
    return create_app(computed_sqlite, catalogue, sign_in=SIGN_IN_OFF)


def test_a_read_only_request_reads_the_stamp_once(app, computed_sqlite):
    with app.server.test_request_context("/"), statements(computed_sqlite) as seen:
        first = data.data_version()
        data.options()
        data.survey_as_of()
        data.scope_results("all", "all", "all")
        callbacks.scorecard_update("FY2023Q1", None, None, None)
        assert data.data_version() == first
    assert sum("data_version" in s for s in seen) == 1
    with app.server.test_request_context("/"), statements(computed_sqlite) as seen:
        assert data.data_version() == first
    assert len(seen) == 1  # the next request reads it again, once


def test_the_scorecard_filter_change_is_cached_by_filters_and_version(app, computed_sqlite, catalogue):
    data.cache.clear()
    args = ("FY2022Q3", "Internal Revenue Service", None, "all")
    with app.server.test_request_context("/"), statements(computed_sqlite) as cold:
        first = callbacks.scorecard_update(*args)
    assert len(cold) > 1
    with app.server.test_request_context("/"), statements(computed_sqlite) as warm:
        again = callbacks.scorecard_update(*args)
        assert str(callbacks.scorecard_update(*args)) == str(first)
    assert warm == [s for s in warm if "data_version" in s] and len(warm) == 1  # the stamp, no query
    assert str(again) == str(first)
    with app.server.test_request_context("/"), statements(computed_sqlite) as other:
        callbacks.scorecard_update("FY2022Q3", "all", None, "all")
    assert len(other) > 1  # other filters: a miss
    compute(computed_sqlite, catalogue)  # a new computation shows at once
    with app.server.test_request_context("/"), statements(computed_sqlite) as after:
        assert str(callbacks.scorecard_update(*args)) == str(first)
    assert len(after) > 1


# --- the Data page's quality checks ------------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    """Three sample sources loaded as configured and computed; one configured and never loaded."""
    folder = tmp_path_factory.mktemp("quality")
    drop = folder / "drop"
    drop.mkdir()
    engine, _ = configured_sources(folder, catalogue, [
        {"name": "a11", "kind": "a11-quarterly", "location": {"files": "sample:hisp_a11_quarterly_*.csv"}},
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre",
         "location": {"files": "sample:contact_centre_SYNTHETIC.csv"}},
        {"name": "fevs", "kind": "employee", "mapping": "fevs-index-scores",
         "location": {"files": "sample:fevs_index_scores_2015_2022.csv"}},
    ])
    config = yaml.safe_load((folder / "sources.yaml").read_text())
    config["sources"].append({"name": "drop", "kind": "feedback", "mapping": "example-complaints",
                              "location": {"files": str(drop / "*.csv")}})
    (folder / "sources.yaml").write_text(yaml.safe_dump(config))
    yield engine, load_sources(folder / "sources.yaml"), drop
    engine.dispose()


def page_checks(engine, sources, catalogue) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """(the page's quality checks, a fresh computation, the page's sections) from one request."""
    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with app.server.test_request_context("/data"):
        health = source_health(engine, sources)
        stored = stored_quality(engine, health)
        page = data_page.layout({})
        fresh = quality_report(engine, health)
    return stored, fresh, page.children[:-1]  # the last line says when the page was checked


def fresh_page(engine, sources, catalogue, monkeypatch) -> list:
    monkeypatch.setattr(data_page, "stored_quality", quality_report)
    try:
        return page_checks(engine, sources, catalogue)[2]
    finally:
        monkeypatch.undo()


def test_the_data_page_shows_stored_checks_equal_to_a_fresh_computation(loaded, catalogue, monkeypatch):
    engine, sources, drop = loaded
    stored, fresh, page = page_checks(engine, sources, catalogue)
    pd.testing.assert_frame_equal(stored, fresh)
    assert set(stored["source"]) == {"a11", "contact-centre", "fevs", "drop"}
    assert str(page) == str(fresh_page(engine, sources, catalogue, monkeypatch))
    assert stored.query("source == 'contact-centre' and check == 'completeness'")["passed"].item() is True
    assert stored.query("source == 'drop' and check == 'quarter_gaps'")["detail"].item() == "no data loaded"

    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with app.server.test_request_context("/data"), statements(engine) as seen:
        data_page.layout({})
    scans = [s for s in seen if any(table in s for table in FACT_TABLES)]
    assert seen and scans == []


@pytest.mark.parametrize("good", [True, False], ids=["a load", "a failed load"])
def test_a_load_without_compute_is_seen_by_the_next_view_then_stored(loaded, catalogue, monkeypatch, good):
    engine, sources, drop = loaded
    for old in drop.glob("*.csv"):
        old.unlink()
    if good:
        (drop / "complaints.csv").write_bytes((paths.sample_dir() / "complaints_SYNTHETIC.csv").read_bytes())
    else:
        (drop / "broken.csv").write_text("not,the,right,columns\n1,2,3,4\n")
    outcome = run_source(engine, catalogue, sources, "drop", recompute=False)
    assert outcome.status == ("succeeded" if good else "failed")
    stored, fresh, page = page_checks(engine, sources, catalogue)
    pd.testing.assert_frame_equal(stored, fresh)
    assert str(page) == str(fresh_page(engine, sources, catalogue, monkeypatch))
    completeness = stored.query("source == 'drop' and check == 'completeness'")["detail"].item()
    assert ("rows loaded" in completeness) if good else True

    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with app.server.test_request_context("/data"), statements(engine) as seen:
        data_page.layout({})
    assert not [s for s in seen if any(table in s for table in FACT_TABLES)]
