"""access grants and the audit trail

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 08:00:00.000000

``user_grant``: which providers (and services) a local account may see; provider 'all' with
service 'all' is a cross-agency grant. People from the identity provider get theirs from
``access.yaml`` (their groups), not from here.

``audit_event``: every change, with who and when, append-only. The code has no path that updates
or deletes a row, and a trigger refuses UPDATE and DELETE on both SQLite and PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FUNCTION = 'cxdash_audit_event_is_append_only'
MESSAGE = 'audit_event is append-only'


def upgrade() -> None:
    op.create_table('user_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('provider', sa.String(length=300), nullable=False),
    sa.Column('service', sa.String(length=500), nullable=False),
    sa.Column('granted_by', sa.String(length=200), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_grant')),
    sa.UniqueConstraint('username', 'provider', 'service', name='uq_user_grant_scope')
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('via', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('provider', sa.String(length=300), nullable=False),
    sa.Column('service', sa.String(length=500), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}';
END $$""")
        op.execute(f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")
    else:
        for operation in ('update', 'delete'):
            op.execute(f"CREATE TRIGGER audit_event_no_{operation} BEFORE {operation.upper()} ON audit_event "
                       f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        for operation in ('update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{operation}")
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_table('user_grant')
