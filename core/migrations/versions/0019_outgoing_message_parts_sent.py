"""outgoing_messages.parts_sent: how many of a multi-part reply's parts already went, so a send
cut short between parts resumes after them instead of sending them again

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('parts_sent', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
