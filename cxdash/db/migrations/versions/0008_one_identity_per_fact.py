"""one identity per fact: natural keys without the source

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:00:00.000000

A survey count, a response or a case is one fact whatever source delivered it, so the unique
constraints of the fact tables no longer include ``source`` (kept as "last delivered by").
Before the constraints change, facts stored once per source collapse into the most recently
loaded delivery (the highest load run), with its dependants (a response's answers and segments,
a feedback item's themes); the older copies and their dependants go.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

BATCH = 500

# table: (key before, natural key, one delivery's unit (None: the natural key), dependants (table, column)).
# A Touchpoints record replaces all its questions and an employee file all of a unit's values of
# a year, so an older delivery's leftovers of that record or unit-year go too.
FACTS = {
    'a11_quarterly_count': (('source', 'record_key', 'question_no'), ('record_key', 'question_no'),
                            ('record_key',), ()),
    'survey_response': (('source', 'response_key'), ('response_key', 'provider', 'service'), None,
                        (('survey_answer', 'response_id'), ('survey_segment', 'response_id'))),
    'case_record': (('source', 'case_key'), ('case_key',), None, ()),
    'contact_interval': (('source', 'interval_key'), ('interval_key', 'provider', 'service'), None, ()),
    'feedback_item': (('source', 'item_key'), ('item_key', 'provider', 'service'), None,
                      (('feedback_item_theme', 'feedback_item_id'),)),
    'employee_index': (('source', 'unit_code', 'survey_year', 'indicator', 'provider', 'service'),
                       ('unit_code', 'survey_year', 'indicator', 'provider', 'service'), ('unit_code', 'survey_year'), ()),
    'published_value': (('source', 'record_key', 'indicator'), ('record_key', 'indicator'), None, ()),
}


def _older_ids(conn, table: str, group: tuple, newest: str) -> list[int]:
    """Ids of the rows of ``table`` below the group's largest ``newest`` (load_run_id or id)."""
    keys = ', '.join(group)
    match = ' AND '.join(f't.{c} = g.{c}' for c in group)
    statement = sa.text(
        f'SELECT t.id FROM {table} t JOIN (SELECT {keys}, MAX({newest}) AS newest FROM {table} '
        f'GROUP BY {keys} HAVING COUNT(*) > 1) g ON {match} WHERE t.{newest} < g.newest')
    return [row[0] for row in conn.execute(statement)]


def _delete(conn, table: str, ids: list[int], dependants) -> None:
    for start in range(0, len(ids), BATCH):
        batch = {'ids': ids[start:start + BATCH]}
        for child, column in dependants:
            conn.execute(sa.text(f'DELETE FROM {child} WHERE {column} IN :ids')
                         .bindparams(sa.bindparam('ids', expanding=True)), batch)
        conn.execute(sa.text(f'DELETE FROM {table} WHERE id IN :ids')
                     .bindparams(sa.bindparam('ids', expanding=True)), batch)


def _collapse(conn, table: str, natural: tuple, unit: tuple | None, dependants) -> None:
    """Keep, per delivery unit, only the latest load run's rows; then, should two rows of one
    natural key still remain, the later inserted one."""
    _delete(conn, table, _older_ids(conn, table, unit or natural, 'load_run_id'), dependants)
    _delete(conn, table, _older_ids(conn, table, natural, 'id'), dependants)


def _swap_constraint(table: str, columns: tuple, dependants) -> None:
    """Replace the table's natural-key constraint. SQLite cannot drop a constraint, so batch mode
    copies the table and drops the original, which (foreign keys on) cascades to the rows that
    refer to it: those are kept aside and put back (the copy keeps every id)."""
    conn = op.get_bind()
    kept = [(child, f'keep_{child}') for child, _column in dependants] if conn.dialect.name == 'sqlite' else []
    for child, copy in kept:
        conn.execute(sa.text(f'CREATE TEMPORARY TABLE {copy} AS SELECT * FROM {child}'))
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(f'uq_{table}_natural', type_='unique')
        batch_op.create_unique_constraint(f'uq_{table}_natural', list(columns))
    for child, copy in kept:
        conn.execute(sa.text(f'DELETE FROM {child}'))
        conn.execute(sa.text(f'INSERT INTO {child} SELECT * FROM {copy}'))
        conn.execute(sa.text(f'DROP TABLE {copy}'))


def upgrade() -> None:
    conn = op.get_bind()
    for table, (_old, natural, unit, dependants) in FACTS.items():
        _collapse(conn, table, natural, unit, dependants)
        _swap_constraint(table, natural, dependants)


def downgrade() -> None:
    for table, (old, _natural, _unit, dependants) in FACTS.items():
        _swap_constraint(table, old, dependants)
