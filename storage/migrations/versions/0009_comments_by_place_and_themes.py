"""comments: a place, a stance, a category, how they came in; groups of opinions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:40:00

A comment counts for a unit (the poster's, the ward the person chose, the official's who
entered it); comments stored before this count for their campaign's own unit. An entry point
belongs to the unit that printed it. Comments carry an optional stance and author category,
the medium they came by (chat, web, paper letter, meeting, e-mail, mailbox) and the official
who entered them; ``comment_theme`` holds the groups of opinions per document and section.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table('comment_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('renamed', sa.Boolean(), nullable=False),
    sa.Column('origin', _enum('themeorigin', 'auto', 'defined'), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('examples', sa.JSON(), nullable=False),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], ),
    sa.ForeignKeyConstraint(['merged_into_id'], ['comment_theme.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comment_theme', schema=None) as batch_op:
        batch_op.create_index(
            'ix_comment_theme_scope', ['campaign_id', 'document_id', 'section_id'], unique=False
        )

    with op.batch_alter_table('entry_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_entry_point_unit_id', 'unit', ['unit_id'], ['id'])

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'stance', _enum('stance', 'agree', 'disagree', 'partly'), nullable=True
        ))
        batch_op.add_column(sa.Column(
            'category',
            _enum(
                'authorcategory', 'cadre', 'party_member', 'civil_servant', 'worker', 'citizen'
            ),
            nullable=True,
        ))
        batch_op.add_column(sa.Column(
            'medium',
            _enum('commentmedium', 'chat', 'web', 'letter', 'meeting', 'email', 'mailbox'),
            nullable=False,
            server_default='chat',
        ))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('theme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'theme_pinned', sa.Boolean(), nullable=False, server_default=sa.false()
        ))
        batch_op.create_foreign_key('fk_comment_unit_id', 'unit', ['unit_id'], ['id'])
        batch_op.create_foreign_key('fk_comment_entered_by_id', 'person', ['entered_by_id'], ['id'])
        batch_op.create_foreign_key(
            'fk_comment_theme_id', 'comment_theme', ['theme_id'], ['id']
        )
        batch_op.create_index('ix_comment_theme_id', ['theme_id'], unique=False)
        batch_op.create_index(
            'ix_comment_unit_week',
            ['campaign_id', 'unit_id', 'created_at', 'status', 'medium', 'stance', 'category'],
            unique=False,
        )
        batch_op.create_index(
            'ix_comment_target',
            ['campaign_id', 'document_id', 'section_id', 'status', 'created_at'],
            unique=False,
        )
    # Comments stored before places existed count for their campaign's own unit.
    op.execute(sa.text(
        'UPDATE comment SET unit_id = '
        '(SELECT campaign.unit_id FROM campaign WHERE campaign.id = comment.campaign_id)'
    ))


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_target')
        batch_op.drop_index('ix_comment_unit_week')
        batch_op.drop_index('ix_comment_theme_id')
        batch_op.drop_constraint('fk_comment_theme_id', type_='foreignkey')
        batch_op.drop_constraint('fk_comment_entered_by_id', type_='foreignkey')
        batch_op.drop_constraint('fk_comment_unit_id', type_='foreignkey')
        batch_op.drop_column('theme_pinned')
        batch_op.drop_column('theme_id')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('medium')
        batch_op.drop_column('category')
        batch_op.drop_column('stance')
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('entry_point', schema=None) as batch_op:
        batch_op.drop_constraint('fk_entry_point_unit_id', type_='foreignkey')
        batch_op.drop_column('unit_id')
    with op.batch_alter_table('comment_theme', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_theme_scope')
    op.drop_table('comment_theme')
