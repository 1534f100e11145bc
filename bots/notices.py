"""A message to a customer outside any conversation (a notification, a reminder): to the chat
they last wrote from, in their language, queued once per dedupe key."""

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator, pick_language
from bots.conversation.messages import Reply
from core.channels.chats import reachable_chat
from core.channels.models import ChannelAccount
from core.channels.outgoing import queue_messages
from core.customers.models import ChannelIdentity
from core.merchants.models import Merchant


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
