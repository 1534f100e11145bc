"""plays.won and its index: the winners ticker finds an activity's latest wins directly

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('plays', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('won', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            'ix_plays_activity_won_created', ['activity_id', 'won', 'created_at'], unique=False
        )
    # Tries played before this column: a win is what core/activities/flows.py now marks won.
    if op.get_bind().dialect.name == 'postgresql':
        kind = "outcome->>'type'"
    else:
        kind = "json_extract(outcome, '$.type')"
    op.execute(
        "UPDATE plays SET won = true WHERE "
        f"coalesce({kind}, 'none') <> 'none' AND (prize_id IS NULL OR prize_id IN "
        "(SELECT id FROM prizes WHERE NOT consolation))"
    )


def downgrade() -> None:
    with op.batch_alter_table('plays', schema=None) as batch_op:
        batch_op.drop_index('ix_plays_activity_won_created')
        batch_op.drop_column('won')
