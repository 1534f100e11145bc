"""customers by (merchant_id, created_at, id): the console's customer list pages by keyset

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-04 19:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0021'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_customers_merchant_created', 'customers', ['merchant_id', 'created_at', 'id']
    )


def downgrade() -> None:
    op.drop_index('ix_customers_merchant_created', table_name='customers')
