"""the reporting chain: units sign their own reports, letterheads, final reports, e-mail

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 21:45:00

Units above the cells sign a report of their own (a revision whose values are what was
signed); its files are kept as signed (``signed_file``). A unit has a letterhead and the
address its reports go to; a level of a campaign may have its own form and a final report due
date; a period is a week or the final one (``final``), so the period's unique key gains it.
Signed reports go upward by e-mail through ``mail_outbox``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Names the unnamed constraints of 0001 on SQLite (batch mode reflects them without a name);
# PostgreSQL named it itself, as below.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
_OLD_UNIQUE = {
    "sqlite": "uq_period_campaign_id_level_deadline_at",
    "postgresql": "period_campaign_id_level_deadline_at_key",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letterhead', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('report_email', sa.String(length=255), nullable=True))
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('final_due', storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key('fk_deadline_form_id', 'reportform', ['form_id'], ['id'])
    with op.batch_alter_table('period', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.add_column(
            sa.Column('final', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint(_OLD_UNIQUE[dialect], type_='unique')
        batch_op.create_unique_constraint(
            'uq_period_campaign_level_final', ['campaign_id', 'level', 'final', 'deadline_at']
        )

    op.create_table('signed_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['revision_id'], ['reportrevision.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('revision_id', 'format')
    )
    with op.batch_alter_table('signed_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_file_revision_id'), ['revision_id'], unique=False)

    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('to_address', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.String(), nullable=False),
    sa.Column('attachment_name', sa.String(length=255), nullable=True),
    sa.Column('attachment', sa.LargeBinary(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_before', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='mailstatus', native_enum=False, length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['reportrevision.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_due', ['status', 'not_before'], unique=False)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_due')
    op.drop_table('mail_outbox')
    with op.batch_alter_table('signed_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_file_revision_id'))
    op.drop_table('signed_file')
    op.execute(sa.text('DELETE FROM period WHERE final'))
    with op.batch_alter_table('period', schema=None, naming_convention=_NAMING) as batch_op:
        batch_op.drop_constraint('uq_period_campaign_level_final', type_='unique')
        batch_op.create_unique_constraint(
            _OLD_UNIQUE[dialect], ['campaign_id', 'level', 'deadline_at']
        )
        batch_op.drop_column('final')
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_constraint('fk_deadline_form_id', type_='foreignkey')
        batch_op.drop_column('final_due')
        batch_op.drop_column('form_id')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('report_email')
        batch_op.drop_column('letterhead')
