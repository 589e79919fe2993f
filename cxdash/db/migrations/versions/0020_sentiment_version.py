"""feedback items record the sentiment rules that scored them; the version columns compute searches are indexed

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 15:10:00.000000

``feedback_item.sentiment_version`` is ``cxdash.metrics.sentiment.VERSION`` when the item was
scored. Every row stored before this is NULL ("scored before versions were recorded") and, like a
row of another version, is scored again from its stored text by the next ``cxdash compute``.
Compute looks for rows of another version on every run, so the version columns of the large
tables it searches (feedback items, rejected rows) get an index: a compute over millions of
current rows then reads none of them. Columns are added in place, so the triggers of 0009 stay.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

INDEXES = (('ix_feedback_item_redaction_version', 'feedback_item', 'redaction_version'),
           ('ix_feedback_item_sentiment_version', 'feedback_item', 'sentiment_version'),
           ('ix_rejected_row_redaction_version', 'rejected_row', 'redaction_version'))


def upgrade() -> None:
    op.add_column('feedback_item', sa.Column('sentiment_version', sa.String(length=20), nullable=True))
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    # SQLite drops a column in place (3.35+) once no index covers it, so the triggers stay here too
    op.drop_column('feedback_item', 'sentiment_version')
