"""case records say how they ended and how many minutes they took, for time to complete in hours

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:30:00.000000

``case_record.outcome`` is how a terminal status ended the case (completed, transferred, cancelled,
duplicate; NULL for cases stored before: a closed time meant completed). ``minutes_to_close`` is
the whole minutes from creation to the end, so time to complete can be counted in hours as a
GROUP BY histogram; ``time_unit`` is the mapping's choice (days, hours or auto; NULL: days).
Cases stored before keep NULLs and are counted in days, as they were; a re-load fills them in.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('case_record', sa.Column('outcome', sa.String(length=20), nullable=True))
    op.add_column('case_record', sa.Column('minutes_to_close', sa.Integer(), nullable=True))
    op.add_column('case_record', sa.Column('time_unit', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_record') as batch:
        batch.drop_column('time_unit')
        batch.drop_column('minutes_to_close')
        batch.drop_column('outcome')
