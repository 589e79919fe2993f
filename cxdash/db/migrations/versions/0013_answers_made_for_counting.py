"""answers made for counting: counting cells, asked questions and four-integer answers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14 09:00:00.000000

A response's answers were one row each holding the question's name, scale and wording as text,
with two indexes beside them: 23 times the size of the response files, and counting grouped
long strings. Now a response names its counting cell (``survey_cell``: quarter, agency,
provider, service, channel, stage), a question as asked is a ``survey_question`` row, and an
answer is (cell_id, response_id, question_id, value) keyed in that order (on SQLite a WITHOUT
ROWID table, so the key is the table). Every existing answer moves over; every cell starts
dirty, so the next compute computes it. Compute keeps per-cell aggregates beside them (answer
counts, key-driver moments per answer pattern) for the dirty cells only.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CELL = ('fiscal_year', 'fiscal_quarter', 'agency', 'provider', 'service', 'channel', 'stage')


def _keep_segments(conn):
    """SQLite rebuilds survey_response to add its constraints; dropping the original cascades
    to the segments (foreign keys on), so they are kept aside and put back (ids are kept)."""
    if conn.dialect.name != 'sqlite':
        return lambda: None
    conn.execute(sa.text('CREATE TEMPORARY TABLE keep_survey_segment AS SELECT * FROM survey_segment'))

    def restore():
        conn.execute(sa.text('DELETE FROM survey_segment'))
        conn.execute(sa.text('INSERT INTO survey_segment SELECT * FROM keep_survey_segment'))
        conn.execute(sa.text('DROP TABLE keep_survey_segment'))
    return restore


def upgrade() -> None:
    conn = op.get_bind()
    op.create_table(
        'survey_cell',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('fiscal_quarter', sa.Integer(), nullable=False),
        sa.Column('agency', sa.String(length=200), nullable=False),
        sa.Column('provider', sa.String(length=300), nullable=False),
        sa.Column('service', sa.String(length=500), nullable=False),
        sa.Column('channel', sa.String(length=50), nullable=False),
        sa.Column('stage', sa.String(length=100), nullable=False),
        sa.Column('dirty', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_cell')),
        sa.UniqueConstraint(*CELL, name='uq_survey_cell_cell'),
    )
    op.create_table(
        'survey_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=50), nullable=False),
        sa.Column('scale', sa.String(length=10), nullable=False),
        sa.Column('wording', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_question')),
        sa.UniqueConstraint('question', 'scale', 'wording', name='uq_survey_question_asked'),
    )
    columns = ', '.join(CELL)
    conn.execute(sa.text(f'INSERT INTO survey_cell ({columns}, dirty) '
                         f'SELECT DISTINCT {columns}, TRUE FROM survey_response'))
    conn.execute(sa.text("INSERT INTO survey_question (question, scale, wording) "
                         "SELECT DISTINCT question, scale, COALESCE(question_text, '') FROM survey_answer"))
    conn.execute(sa.text(
        "CREATE TEMPORARY TABLE keep_survey_answer AS SELECT a.response_id, q.id AS question_id, a.value "
        "FROM survey_answer a JOIN survey_question q ON q.question = a.question AND q.scale = a.scale "
        "AND q.wording = COALESCE(a.question_text, '')"))
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_question')
    op.drop_table('survey_answer')

    restore = _keep_segments(conn)
    op.add_column('survey_response', sa.Column('cell_id', sa.Integer(), nullable=True))
    match = ' AND '.join(f'c.{c} = survey_response.{c}' for c in CELL)
    conn.execute(sa.text(f'UPDATE survey_response SET cell_id = (SELECT c.id FROM survey_cell c WHERE {match})'))
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.alter_column('cell_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index('ix_survey_response_cell')
        batch_op.create_foreign_key(op.f('fk_survey_response_cell_id_survey_cell'), 'survey_cell', ['cell_id'], ['id'])
        batch_op.create_unique_constraint('uq_survey_response_cell_id', ['cell_id', 'id'])
    restore()

    op.create_table(
        'survey_answer',
        sa.Column('cell_id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cell_id', 'response_id'], ['survey_response.cell_id', 'survey_response.id'],
                                name='fk_survey_answer_response', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'],
                                name=op.f('fk_survey_answer_question_id_survey_question')),
        sa.PrimaryKeyConstraint('cell_id', 'response_id', 'question_id', name=op.f('pk_survey_answer')),
        sqlite_with_rowid=False,
    )
    conn.execute(sa.text(
        'INSERT INTO survey_answer (cell_id, response_id, question_id, value) '
        'SELECT r.cell_id, k.response_id, k.question_id, k.value FROM keep_survey_answer k '
        'JOIN survey_response r ON r.id = k.response_id ORDER BY r.cell_id, k.response_id, k.question_id'))
    conn.execute(sa.text('DROP TABLE keep_survey_answer'))
    _create_aggregates()


def _create_aggregates() -> None:
    op.create_table(
        'survey_cell_count',
        sa.Column('cell_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cell_id'], ['survey_cell.id'], name=op.f('fk_survey_cell_count_cell_id_survey_cell')),
        sa.ForeignKeyConstraint(['question_id'], ['survey_question.id'],
                                name=op.f('fk_survey_cell_count_question_id_survey_question')),
        sa.PrimaryKeyConstraint('cell_id', 'question_id', 'value', name=op.f('pk_survey_cell_count')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'survey_pattern',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pattern', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_pattern')),
        sa.UniqueConstraint('pattern', name='uq_survey_pattern_pattern'),
    )
    op.create_table(
        'survey_cell_moment',
        sa.Column('cell_id', sa.Integer(), nullable=False),
        sa.Column('pattern_id', sa.Integer(), nullable=False),
        sa.Column('statistic', sa.String(length=200), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['cell_id'], ['survey_cell.id'], name=op.f('fk_survey_cell_moment_cell_id_survey_cell')),
        sa.ForeignKeyConstraint(['pattern_id'], ['survey_pattern.id'],
                                name=op.f('fk_survey_cell_moment_pattern_id_survey_pattern')),
        sa.PrimaryKeyConstraint('cell_id', 'pattern_id', 'statistic', name=op.f('pk_survey_cell_moment')),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    conn = op.get_bind()
    for table in ('survey_cell_moment', 'survey_pattern', 'survey_cell_count'):
        op.drop_table(table)
    conn.execute(sa.text(
        "CREATE TEMPORARY TABLE keep_survey_answer AS SELECT a.response_id, q.question, q.scale, a.value, "
        "NULLIF(q.wording, '') AS question_text FROM survey_answer a JOIN survey_question q ON q.id = a.question_id"))
    op.drop_table('survey_answer')
    restore = _keep_segments(conn)
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_constraint('uq_survey_response_cell_id', type_='unique')
        batch_op.drop_constraint(op.f('fk_survey_response_cell_id_survey_cell'), type_='foreignkey')
        batch_op.drop_column('cell_id')
        batch_op.create_index('ix_survey_response_cell', ['fiscal_year', 'fiscal_quarter', 'service', 'channel'],
                              unique=False)
    restore()
    op.create_table(
        'survey_answer',
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.String(length=50), nullable=False),
        sa.Column('scale', sa.String(length=10), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('question_text', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'],
                                name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('response_id', 'question', name=op.f('pk_survey_answer')),
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_question', ['question', 'value'], unique=False)
    conn.execute(sa.text('INSERT INTO survey_answer (response_id, question, scale, value, question_text) '
                         'SELECT response_id, question, scale, value, question_text FROM keep_survey_answer'))
    conn.execute(sa.text('DROP TABLE keep_survey_answer'))
    op.drop_table('survey_question')
    op.drop_table('survey_cell')
