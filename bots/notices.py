"""A message to a customer outside any conversation (a notification, a reminder): to the chat
they last wrote from, in their language, queued once per dedupe key."""

import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator, pick_language
from bots.conversation.messages import Reply
from core.channels.models import ChannelAccount
from core.channels.service import queue_messages
from core.customers.models import ChannelIdentity
from core.merchants.models import Merchant

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


async def queue_notice(
    session: AsyncSession,
    merchant: Merchant,
    identity: ChannelIdentity,
    account: ChannelAccount,
    *,
    purpose: str,
    dedupe_key: str,
    compose: Callable[[Translator], Reply],
) -> int:
    """Queue `compose(t)` for this chat, in its customer's language, once per dedupe key."""
    t = Translator(pick_language(identity.locale, None), merchant.timezone)
    return await queue_messages(
        session,
        account,
        identity.address,
        [compose(t).model_dump(mode="json")],
        purpose=purpose,
        customer_id=identity.customer_id,
        dedupe_key=dedupe_key,
    )


async def notify_customer(
    session: AsyncSession,
    merchant: Merchant,
    customer_id: uuid.UUID,
    *,
    dedupe_key: str,
    compose: Callable[[Translator], Reply],
) -> int:
    """Queue `compose(t)` for the customer's chat; 0 if they have none (or it was queued)."""
    chat = await reachable_chat(session, merchant.id, customer_id)
    if chat is None:
        return 0
    return await queue_notice(
        session, merchant, *chat, purpose="notification", dedupe_key=dedupe_key, compose=compose
    )
