"""review packs are queued (who asked, when the build started, one open build per request);
compute runs are recorded

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 07:00:00.000000

A pack build is no longer started by the web tier: a request inserts a ``queued`` row and a
worker (``cxdash packs work``, or the scheduler) claims it. ``requested_by`` keeps the signed-in
user who asked, ``started_at`` when a worker claimed it. A partial unique index allows one
queued or running build per (quarter, scope, format, template), so a second identical request
returns the open one instead of queueing another. Open duplicates left by the old behaviour
(each request started its own process) are marked failed, keeping the newest.

``compute_run`` records each computation with its process, as ``job_run`` does for loads, so a
computation killed mid-way is found (its process gone) and marked failed by the next one.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'running')"
KEY = "fiscal_year, fiscal_quarter, provider, service, format, COALESCE(template, '')"


def upgrade() -> None:
    op.add_column('review_pack', sa.Column('requested_by', sa.String(length=150), nullable=True))
    op.add_column('review_pack', sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(f"""
        UPDATE review_pack SET status = 'failed', step = 'Failed',
               message = 'superseded by an identical request'
        WHERE {OPEN} AND id NOT IN (
            SELECT max(id) FROM review_pack WHERE {OPEN} GROUP BY {KEY})""")
    op.execute(f"CREATE UNIQUE INDEX ux_review_pack_open ON review_pack ({KEY}) WHERE {OPEN}")
    op.create_table(
        'compute_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('full', sa.Boolean(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('pid', sa.Integer(), nullable=True),
        sa.Column('host', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compute_run')),
    )


def downgrade() -> None:
    op.drop_table('compute_run')
    op.execute("DROP INDEX ux_review_pack_open")
    with op.batch_alter_table('review_pack', schema=None) as batch_op:
        batch_op.drop_column('started_at')
        batch_op.drop_column('requested_by')
