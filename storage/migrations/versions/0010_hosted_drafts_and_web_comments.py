"""drafts hosted by gopy, section texts, web comments' photos and per-address limits

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 04:00:00

A document may carry its full text (PDF or DOCX) in ``document_file``, served from the
poster's landing page; a section may carry its own words. Photos sent from the web comment
form are kept in ``attachment_blob`` (the messengers keep chat photos, nobody keeps a
browser's). ``web_attempt`` counts web comments per keyed hash of the sender's address, for
the per-address limit; the per-phone limit reads ``ix_comment_phone``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('document_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('stored_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id')
    )
    op.create_table('attachment_blob',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['comment_attachment.id'], ),
    sa.PrimaryKeyConstraint('attachment_id')
    )
    op.create_table('web_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=64), nullable=False),
    sa.Column('attempted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_web_attempt_key_at', ['source_key', 'attempted_at'], unique=False)

    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_phone', ['phone', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_phone')

    with op.batch_alter_table('section', schema=None) as batch_op:
        batch_op.drop_column('text')

    with op.batch_alter_table('web_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_web_attempt_key_at')

    op.drop_table('web_attempt')
    op.drop_table('attachment_blob')
    op.drop_table('document_file')
