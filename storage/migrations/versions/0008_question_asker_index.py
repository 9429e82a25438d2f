"""an index on a villager's tickets (asker, asked at)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 05:10:00.000000
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_asker_asked', ['asker_id', 'asked_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_asker_asked')
