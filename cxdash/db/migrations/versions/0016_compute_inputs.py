"""compute remembers what its results were computed from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:30:00.000000

``compute_input`` keeps, per part of a computation, a fingerprint of its inputs as they were when
it last committed (for the operational indicators: the successful case, contact, feedback,
employee and published-figure loads, and the redaction rules). A compute whose fingerprint is
unchanged keeps the stored indicators instead of recounting a million cases after a survey load.

``survey_cell.recounted_in`` names the computation that last recounted a cell. Key-driver
windows none of whose cells were recounted since the last committed computation keep their
stored estimates; a computation killed after recounting leaves its cells newer than the last
committed one, so the next refits them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'compute_input',
        sa.Column('part', sa.String(length=50), nullable=False),
        sa.Column('fingerprint', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('part', name=op.f('pk_compute_input')),
    )
    op.add_column('survey_cell', sa.Column('recounted_in', sa.Integer(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of survey_cell
    # would drop a table the answers and responses reference
    op.execute("ALTER TABLE survey_cell DROP COLUMN recounted_in")
    op.drop_table('compute_input')
