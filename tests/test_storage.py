"""Storage: the Alembic migrations build exactly the models' schema, on SQLite and PostgreSQL,
and upgrading twice is harmless."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cxdash.db.engine import upgrade
from cxdash.db.models import Base


def test_migrations_match_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_records_the_revision(engine):
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"load_run", "rejected_row", "a11_quarterly_count", "survey_response", "survey_answer",
            "score_cell", "measure_result", "alembic_version"} <= tables
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0020"
