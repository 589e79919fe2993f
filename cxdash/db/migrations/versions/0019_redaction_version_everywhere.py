"""every table that stores redacted free text records the redaction rules it went through

Review commentary, decisions and actions, events (annotations), held reviews (snapshots, whose
JSON copies that text), maturity evidence and rejected rows (the redacted cells kept aside) get
``redaction_version``, as feedback items did in 0017: NULL (every row stored before this) or an
older version is redacted again at the next compute. Columns are added in place (ALTER TABLE ADD
COLUMN, no table rebuild), so the data_version triggers of migration 0009 stay.
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

TABLES = ('review_commentary', 'review_action', 'annotation', 'review_snapshot', 'maturity_rating', 'rejected_row')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('redaction_version', sa.String(length=20), nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        # SQLite drops a column in place (3.35+), so the triggers stay here too
        op.drop_column(table, 'redaction_version')
