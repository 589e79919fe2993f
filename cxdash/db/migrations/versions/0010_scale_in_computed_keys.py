"""the scale in the keys of computed scores and analyses

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12 09:00:00.000000

A-11 v2 lets a form ask trust as thumbs up/down (binary) or on the 1-5 scale (5pt), so one
roll-up scope can hold both; they are different measures and never one cell. ``score_cell``
already stores its scale: the scale joins its unique key. ``segment_result``, ``trend_result``
and ``driver_result`` get a ``scale`` column in their unique keys (a proportion indicator's
segment row has none: NULL). ``measure_result`` gets ``scale`` (the form its value counts) and
``other_scale_n`` (responses of the other form in the scope, left out of the value).

Existing rows get the scale they have: until now compute could not store two scales of a
question in one quarter (every quarter's portfolio roll-up held both), so the score cell of the
row's quarter, scope and question names it: a trend point's own cell; a segment's scope cell (or
its channel's cell); a driver model's outcome at the latest quarter of its scope up to its own (the
window's last quarter with the outcome), else at any quarter of its scope.
A driver row no score cell names (none of its scope's: a stale computation) goes; the next
compute writes it again. measure_result's new columns stay NULL until the next compute (which
question a measure counts is in the catalogue, not the database).

Downgrade keeps, per key without the scale, the row with the most responses (computed rows:
compute writes the rest again) and removes the columns.

None of these tables has a data_version trigger (migration 0009), so SQLite's batch rebuilds
drop none.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# table: (unique constraint, key without the scale, the scale's place in the key, size column)
KEYS = {
    'score_cell': ('uq_score_cell_cell',
                   ('fiscal_year', 'fiscal_quarter', 'provider', 'service', 'channel', 'stage', 'question'), 7, 'n'),
    'segment_result': ('uq_segment_result_cell',
                       ('fiscal_year', 'fiscal_quarter', 'provider', 'service', 'dimension', 'question', 'segment'),
                       6, 'n'),
    'trend_result': ('uq_trend_result_cell',
                     ('provider', 'service', 'channel', 'question', 'fiscal_year', 'fiscal_quarter'), 4, 'n'),
    'driver_result': ('uq_driver_result_scope',
                      ('provider', 'service', 'fiscal_year', 'fiscal_quarter', 'outcome', 'driver'), 5, 'n'),
}
ADDED = ('segment_result', 'trend_result', 'driver_result')  # tables that get a scale column

# The scale of an existing row (t: the row's table) from the score cell of its quarter, scope and question.
_CELL = ("SELECT MAX(c.scale) FROM score_cell c WHERE c.provider = t.provider AND c.service = t.service "
         "AND c.stage = 'all' AND {match}")
FILL = {
    'trend_result': _CELL.format(match="c.channel = t.channel AND c.question = t.question "
                                       "AND c.fiscal_year = t.fiscal_year AND c.fiscal_quarter = t.fiscal_quarter"),
    'segment_result': "COALESCE(({}), ({}))".format(
        _CELL.format(match="c.channel = t.segment AND t.dimension = 'channel' AND c.question = t.question "
                           "AND c.fiscal_year = t.fiscal_year AND c.fiscal_quarter = t.fiscal_quarter"),
        _CELL.format(match="c.channel = 'all' AND c.question = t.question "
                           "AND c.fiscal_year = t.fiscal_year AND c.fiscal_quarter = t.fiscal_quarter")),
    'driver_result': "COALESCE(({}), ({}))".format(
        _CELL.format(match="c.channel = 'all' AND c.question = t.outcome AND c.fiscal_year * 4 + c.fiscal_quarter "
                           "<= t.fiscal_year * 4 + t.fiscal_quarter")
        .replace("SELECT MAX(c.scale)", "SELECT c.scale") + " ORDER BY c.fiscal_year DESC, c.fiscal_quarter DESC, "
        "c.scale LIMIT 1",
        _CELL.format(match="c.channel = 'all' AND c.question = t.outcome")),
}


def _swap_key(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(KEYS[table][0], type_='unique')
        batch_op.create_unique_constraint(KEYS[table][0], columns)


def upgrade() -> None:
    conn = op.get_bind()
    for table in ADDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('scale', sa.String(length=10), nullable=True))
        fill = re.sub(r'\bt\.', f'{table}.', FILL[table])  # no alias: SQLite's UPDATE takes none
        conn.execute(sa.text(f'UPDATE {table} SET scale = ({fill})'))
    conn.execute(sa.text('DELETE FROM driver_result WHERE scale IS NULL'))
    for table, (_name, key, place, _size) in KEYS.items():
        columns = list(key)
        columns.insert(place, 'scale')
        _swap_key(table, columns)
    for table in ('trend_result', 'driver_result'):  # a survey score always has a scale
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('scale', existing_type=sa.String(length=10), nullable=False)
    with op.batch_alter_table('measure_result', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scale', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('other_scale_n', sa.BigInteger(), nullable=True))


def _keep_largest(conn, table: str, key: tuple, size: str) -> None:
    """Delete the rows another row of the same key (scale aside) outranks: more responses, then the lower id."""
    match = ' AND '.join(f'o.{c} = {table}.{c}' for c in key)
    conn.execute(sa.text(
        f'DELETE FROM {table} WHERE EXISTS (SELECT 1 FROM {table} o WHERE {match} AND o.id <> {table}.id '
        f'AND (o.{size} > {table}.{size} OR (o.{size} = {table}.{size} AND o.id < {table}.id)))'))


def downgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table('measure_result', schema=None) as batch_op:
        batch_op.drop_column('other_scale_n')
        batch_op.drop_column('scale')
    for table, (_name, key, _place, size) in KEYS.items():
        if table == 'driver_result':  # a model's rows go together: rank models by the outcome's scale
            _keep_driver_models(conn)
        else:
            _keep_largest(conn, table, key, size)
        _swap_key(table, list(key))
    for table in ADDED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('scale')


def _keep_driver_models(conn) -> None:
    """Per scope, quarter and outcome keep one scale's model: the one fitted on more responses
    (then the Likert one, '5pt' < 'binary')."""
    scope = ('provider', 'service', 'fiscal_year', 'fiscal_quarter', 'outcome')
    match = ' AND '.join(f'o.{c} = driver_result.{c}' for c in scope)
    conn.execute(sa.text(
        f'DELETE FROM driver_result WHERE EXISTS (SELECT 1 FROM driver_result o WHERE {match} '
        'AND o.scale <> driver_result.scale AND (o.n > driver_result.n '
        'OR (o.n = driver_result.n AND o.scale < driver_result.scale)))'))
