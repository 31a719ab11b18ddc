"""anonymous comments lose their link to the person; invites get a keyed hash and a throttle

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 18:50:00

Anonymous comments: ``person_id`` becomes NULL and ``author_key`` (HMAC of campaign and
person with the server secret) takes its place; a withdrawal by such an author forgets who
did it, replies already sent to such authors leave the outbox (they named the comment beside
the chat id), and first-contact times are kept to the day. Invites made before now keep their
plain sha256 as ``legacy`` and work until they expire. Wrong invite codes are counted in ``invite_attempt``.
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import storage.types
from storage.keys import ServerKey, server_key, to_the_day

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> ServerKey:
    given = context.config.attributes.get("server_key")
    if isinstance(given, ServerKey):
        return given
    url = context.config.get_main_option("sqlalchemy.url") or ""
    return server_key(url, os.environ.get("GOPY_SECRET_KEY"))


def upgrade() -> None:
    # On SQLite the comment table is copied (batch mode): storage.migrate runs migrations with
    # foreign keys off and checks them all afterwards.
    bind = op.get_bind()
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author_key', sa.String(length=64), nullable=True))
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_comment_author_key', ['author_key', 'created_at'], unique=False)

    comment = sa.table(
        'comment',
        sa.column('id', sa.Integer()),
        sa.column('campaign_id', sa.Integer()),
        sa.column('person_id', sa.Integer()),
        sa.column('author_key', sa.String()),
        sa.column('anonymous', sa.Boolean()),
        sa.column('status', sa.String()),
        sa.column('status_changed_by_id', sa.Integer()),
    )
    rows = bind.execute(
        sa.select(comment.c.id, comment.c.campaign_id, comment.c.person_id, comment.c.status).where(
            comment.c.anonymous.is_(True), comment.c.person_id.is_not(None)
        )
    ).all()
    if rows:
        key = _key()
        for id_, campaign_id, person_id, status in rows:
            values = {
                'author_key': key.author_key(campaign_id=campaign_id, person_id=person_id),
                'person_id': None,
            }
            if status == 'withdrawn':
                values['status_changed_by_id'] = None
            bind.execute(sa.update(comment).where(comment.c.id == id_).values(**values))
        # Replies already on their way or sent named the comment beside the author's chat, in
        # their text and in their key ("reply:<reply id>", and the reply names its comment):
        # the rows go. Answers to anonymous authors are no longer sent; /mycomments shows them.
        reply = sa.table(
            'comment_reply', sa.column('id', sa.Integer()), sa.column('comment_id', sa.Integer())
        )
        outbox = sa.table(
            'outbox', sa.column('key', sa.String()), sa.column('purpose', sa.String())
        )
        anonymous_replies = sa.select(reply.c.id).where(
            reply.c.comment_id.in_(sa.select(comment.c.id).where(comment.c.anonymous.is_(True)))
        )
        for (reply_id,) in bind.execute(anonymous_replies).all():
            bind.execute(
                sa.delete(outbox).where(
                    outbox.c.key == f'reply:{reply_id}', outbox.c.purpose == 'reply'
                )
            )

    # First contacts are now kept to the day (storage.keys.to_the_day); older ones, to the
    # second, would point at the anonymous comment a newcomer sent a minute after scanning.
    for name in ('person', 'channel_id'):
        table = sa.table(
            name, sa.column('id', sa.Integer()), sa.column('created_at', storage.types.UTCDateTime())
        )
        for id_, created_at in bind.execute(sa.select(table.c.id, table.c.created_at)).all():
            day = to_the_day(created_at)
            if day != created_at:
                bind.execute(sa.update(table).where(table.c.id == id_).values(created_at=day))

    # Live Zalo menus were stored under the chat's id and can name a comment; they are now
    # kept under a keyed hash of the chat. The old ones are dropped: a typed number after the
    # upgrade asks the person to open the menu again.
    op.execute(sa.text('DELETE FROM channel_menu'))

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('legacy', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    invite = sa.table('invite', sa.column('legacy', sa.Boolean()))
    bind.execute(sa.update(invite).values(legacy=True))

    op.create_table(
        'invite_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('invite_attempt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_invite_attempt_recent', ['person_id', 'attempted_at'], unique=False
        )


def downgrade() -> None:
    # The link between anonymous comments and their authors is gone for good: a downgrade
    # cannot bring it back, and would break the NOT NULL it restores.
    raise NotImplementedError("0007 cannot be undone: anonymous authors are not recoverable")
