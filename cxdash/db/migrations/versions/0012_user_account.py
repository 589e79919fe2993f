"""local accounts: who may sign in with a password

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 06:30:00.000000

Sign-in is on by default. Agencies sign in through their OpenID Connect provider; small offices
and the demo use local accounts, stored here with an Argon2 password hash, never the password.
``role`` (viewer, contributor, review_lead, administrator) is kept for the roles phase.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )


def downgrade() -> None:
    op.drop_table('user_account')
