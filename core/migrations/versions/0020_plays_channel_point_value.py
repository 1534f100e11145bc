"""plays.channel and points_settings.point_value: analytics split tries by channel, and value
points (a liability, a cost) at what the merchant says one is worth

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-06 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
    with op.batch_alter_table("points_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("point_value", sa.Numeric(12, 4), nullable=True))
    # Tries played before this column: their channel is in the event each one recorded (one
    # join, driven from the events, each finding its play by primary key).
    if op.get_bind().dialect.name == "postgresql":
        channel, play_id = "e.payload->>'channel'", "(e.payload->>'play_id')::uuid"
    else:  # SQLite keeps a UUID as 32 hex digits, without dashes
        channel = "json_extract(e.payload, '$.channel')"
        play_id = "replace(json_extract(e.payload, '$.play_id'), '-', '')"
    op.execute(
        f"UPDATE plays SET channel = {channel} FROM events AS e "
        f"WHERE e.type = 'activity.played' AND {play_id} = plays.id"
    )


def downgrade() -> None:
    with op.batch_alter_table("points_settings", schema=None) as batch_op:
        batch_op.drop_column("point_value")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_column("channel")
