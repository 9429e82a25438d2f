"""an index on a villager's tickets by status (asker, status)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:20:00.000000
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_asker_status', ['asker_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_asker_status')
