"""webhook endpoints: circuit breaker state and delivery turns; an index for each endpoint's
due deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consecutive_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('circuit_state', sa.String(length=16), server_default='closed', nullable=False))
        batch_op.add_column(sa.Column('circuit_until', core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('circuit_times_opened', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_attempt_at', core.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(
            'ix_webhook_deliveries_endpoint_due', ['endpoint_id', 'status', 'next_attempt_at']
        )


def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_endpoint_due')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('circuit_times_opened')
        batch_op.drop_column('circuit_until')
        batch_op.drop_column('circuit_state')
        batch_op.drop_column('consecutive_failures')
