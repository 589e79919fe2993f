"""feedback items record the redaction rules their stored text went through

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 09:00:00.000000

``feedback_item.redaction_version`` is ``cxdash.redaction.VERSION`` when the text was redacted.
Rows stored before this column (NULL) and rows of an older version are redacted again, with the
current rules, by the next ``cxdash compute`` (the original text is never stored, so the stored
redacted text is what is redacted again).
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('feedback_item', sa.Column('redaction_version', sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column('feedback_item', 'redaction_version')
