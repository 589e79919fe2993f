"""data version stamp and stored quality checks

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 09:00:00.000000

``data_version`` is one row whose counter changes with every write the pages show, so a page's
cached reads are keyed by one cheap read. compute bumps it in its final transaction; the tables
people write (review commentary, actions, events, held reviews, the initiative register,
maturity ratings) bump it through triggers, in the writing transaction, whichever module writes.
PostgreSQL: one statement-level trigger per table; SQLite (row-level triggers only): one per
table and operation. A later migration that rebuilds one of these tables in SQLite batch mode
must create its triggers again.

``quality_check`` holds each loaded source's data-quality checks (cxdash.health), computed from
the database after compute and when the load runs have moved on, so the Data page never scans
the fact tables.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ('review_commentary', 'review_action', 'annotation', 'review_snapshot', 'initiative',
          'initiative_measure', 'maturity_rating')
OPERATIONS = ('insert', 'update', 'delete')
FUNCTION = 'cxdash_bump_data_version'


def upgrade() -> None:
    op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.create_table('quality_check',
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=True),
    sa.Column('check_name', sa.String(length=40), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('loads', sa.String(length=200), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source', 'position', name=op.f('pk_quality_check'))
    )
    version = sa.table('data_version', sa.column('id', sa.Integer), sa.column('version', sa.Integer),
                       sa.column('changed_at', sa.DateTime(timezone=True)))
    op.bulk_insert(version, [{'id': 1, 'version': 1, 'changed_at': dt.datetime.now(dt.UTC)}])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = clock_timestamp() WHERE id = 1;
    RETURN NULL;
END $$""")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_bumps_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"CREATE TRIGGER {table}_{operation}_bumps_data_version AFTER {operation.upper()} "
                           f"ON {table} BEGIN UPDATE data_version SET version = version + 1, "
                           f"changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_data_version ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{operation}_bumps_data_version")
    op.drop_table('quality_check')
    op.drop_table('data_version')
