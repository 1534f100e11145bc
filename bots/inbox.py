"""Where every channel's webhook hands over what a customer did: recorded once per platform
update id, as a `chat.received` event, in the webhook's own short transaction.

The conversations consumer answers it (workers/conversations.py), so the webhook can say 200 at
once, and a crash after that loses nothing.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.messages import Incoming
from core.channels.models import ChannelAccount
from core.channels.service import first_receipt
from core.events.service import record_event

RECEIVED = "chat.received"


async def receive(
    session: AsyncSession, account: ChannelAccount, update_key: str, incoming: Incoming | None
) -> bool:
    """Record the update; False if it was seen before. `incoming` None: an update we accept and
    ignore (a status callback, an edited message), still marked seen."""
    if not await first_receipt(session, account.id, update_key):
        return False
    if incoming is not None:
        await record_event(
            session,
            merchant_id=account.merchant_id,
            type=RECEIVED,
            payload={"channel": incoming.channel, "incoming": incoming.model_dump(mode="json")},
        )
    return True
