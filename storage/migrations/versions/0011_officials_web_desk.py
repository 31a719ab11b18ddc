"""the officials' web desk: single-use links, sessions, and comments folded for search

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:30:00

``desk_link`` holds the keyed hash of each single-use link sent by ``/web`` or printed by
``gopy web-link``; ``desk_session`` the keyed hash of each signed-in browser's cookie.
``comment.search_text`` is the comment folded (``storage.places.fold``): the desk's search
finds «Thủ đô» by «thu do». On PostgreSQL its words get a GIN index, so a search among a
million comments reads the index, not the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types
from storage.places import fold

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def upgrade() -> None:
    op.create_table('desk_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('desk_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_link_person_id'), ['person_id'], unique=False)

    op.create_table('desk_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('desk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_session_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _fold_existing()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE INDEX ix_comment_search ON comment "
            "USING gin (to_tsvector('simple', search_text))"
        )


def _fold_existing() -> None:
    """Fold the comments already stored, a batch at a time (the text is folded in Python,
    the same function new comments go through)."""
    bind = op.get_bind()
    comment = sa.table('comment', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                       sa.column('search_text', sa.Text))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(comment.c.id, comment.c.text)
            .where(comment.c.id > last).order_by(comment.c.id).limit(_BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            comment.update().where(comment.c.id == sa.bindparam('row_id'))
            .values(search_text=sa.bindparam('folded')),
            [{'row_id': row.id, 'folded': fold(row.text or '')} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_comment_search")
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('search_text')

    with op.batch_alter_table('desk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_session_person_id'))

    op.drop_table('desk_session')
    with op.batch_alter_table('desk_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_link_person_id'))

    op.drop_table('desk_link')
