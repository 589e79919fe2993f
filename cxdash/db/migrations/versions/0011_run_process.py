"""the process behind a running job run or review pack build

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-13 09:00:00.000000

``job_run`` and ``review_pack`` rows are written before their work starts, so a killed process
left them 'running' for ever. Each now records the process (``pid``) and ``host`` doing the work,
so the next run (or a page reading them) can tell that process is gone and mark the row failed.
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('job_run', 'review_pack')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('pid', sa.Integer(), nullable=True))
        op.add_column(table, sa.Column('host', sa.String(length=255), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('host')
            batch_op.drop_column('pid')
