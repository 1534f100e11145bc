"""customers by (merchant_id, created_at, id), for the console's keyset pages; catalogue items
can be retired

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_customers_merchant_created', 'customers', ['merchant_id', 'created_at', 'id']
    )
    with op.batch_alter_table('points_catalogue_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('points_catalogue_items', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
    op.drop_index('ix_customers_merchant_created', table_name='customers')
