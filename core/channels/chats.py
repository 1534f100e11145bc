"""A customer's chats: where a message to them outside any conversation can go."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.channels.models import ChannelAccount
from core.customers.models import ChannelIdentity

CHAT_CHANNELS = ("telegram", "whatsapp")


async def reachable_chat(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> tuple[ChannelIdentity, ChannelAccount] | None:
    """The chat the customer last wrote from, if its bot or number is still connected."""
    row = (
        await session.execute(
            select(ChannelIdentity, ChannelAccount)
            .join(ChannelAccount, ChannelAccount.id == ChannelIdentity.account_id)
            .where(
                ChannelIdentity.merchant_id == merchant_id,
                ChannelIdentity.customer_id == customer_id,
                ChannelIdentity.channel.in_(CHAT_CHANNELS),
                ChannelIdentity.unreachable_at.is_(None),
            )
            .order_by(ChannelIdentity.last_inbound_at.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def chats_by_id(
    session: AsyncSession, identity_ids: Sequence[uuid.UUID]
) -> list[tuple[ChannelIdentity, ChannelAccount]]:
    """These chat identities with their bot or number (those disconnected since are left out)."""
    rows = await session.execute(
        select(ChannelIdentity, ChannelAccount)
        .join(ChannelAccount, ChannelAccount.id == ChannelIdentity.account_id)
        .where(ChannelIdentity.id.in_(identity_ids))
    )
    return [(identity, account) for identity, account in rows]
