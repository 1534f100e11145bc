"""Where customers and points meet: a chat or web visitor's first contact creates them as a
customer and earns them the merchant's sign-up bonus, whichever channel they came by."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.models import ChannelIdentity, Customer
from core.customers.service import enter_by_channel
from core.points.rules import award_signup


async def enter_customer(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    channel: str,
    address: str,
    *,
    name: str | None = None,
) -> tuple[Customer, ChannelIdentity]:
    """The customer behind a channel identity (locked, see enter_by_channel); a new one gets
    the sign-up bonus once."""
    customer, identity, created = await enter_by_channel(
        session, merchant_id, channel, address, name=name
    )
    if created:
        await award_signup(session, merchant_id, customer)
    return customer, identity
