"""comments: an index that covers a report's counts per document and section over a week

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:12:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(
            'ix_comment_campaign_week',
            ['campaign_id', 'created_at', 'status', 'document_id', 'section_id'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_campaign_week')
