"""staff chats with the merchant's bot, their one-time link tokens, and wizards in progress

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A bot-only staff member has no email and no password.
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
        batch_op.alter_column("password_hash", existing_type=sa.String(length=200), nullable=True)
        batch_op.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
    op.create_table(
        "staff_link_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_staff_link_tokens_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_link_tokens_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_link_tokens")),
    )
    with op.batch_alter_table("staff_link_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_link_tokens_merchant_id"), ["merchant_id"], unique=False
        )
    op.create_table(
        "staff_chats",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("merchant_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchants.id"],
            name=op.f("fk_staff_chats_merchant_id_merchants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_chats_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_chats")),
        sa.UniqueConstraint(
            "merchant_id", "channel", "address", name=op.f("uq_staff_chats_merchant_id")
        ),
    )
    op.create_table(
        "staff_wizards",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_members.id"],
            name=op.f("fk_staff_wizards_staff_id_staff_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_wizards")),
    )


def downgrade() -> None:
    op.drop_table("staff_wizards")
    op.drop_table("staff_chats")
    with op.batch_alter_table("staff_link_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_link_tokens_merchant_id"))
    op.drop_table("staff_link_tokens")
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.drop_column("display_name")
        batch_op.alter_column("password_hash", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
