"""Finding a merchant's customers: by name, the shop's id or a chat address, and by channel,
newest first, a page at a time.

Pages follow the (created_at, id) keyset over ix_customers_merchant_created, so the thousandth
page of 100k customers costs what the first does (OFFSET would read every row before it)."""

import uuid
from typing import get_args

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.models import ChannelIdentity, Customer
from core.customers.schemas import Channel
from core.pagination import Page, paginate

CHANNELS: tuple[str, ...] = get_args(Channel)


def _escaped(text: str) -> str:
    """The text as a LIKE pattern's literal part: its % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_customers(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    text: str = "",
    channel: str | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Customer]:
    """Customers whose name contains `text` (any case), or whose shop id or chat address starts
    with it; with `channel`, only those known on that channel."""
    query = select(Customer).where(Customer.merchant_id == merchant_id)
    identity = ChannelIdentity.customer_id == Customer.id
    if channel:
        query = query.where(exists().where(identity, ChannelIdentity.channel == channel))
    if text:
        literal = _escaped(text)
        address_starts = exists().where(
            identity, ChannelIdentity.address.like(f"{literal}%", escape="\\")
        )
        query = query.where(
            or_(
                func.lower(Customer.name).like(f"%{literal.lower()}%", escape="\\"),
                Customer.external_id.like(f"{literal}%", escape="\\"),
                address_starts,
            )
        )
    return await paginate(session, query, Customer, limit=limit, cursor=cursor, newest_first=True)


async def identities_of(session: AsyncSession, customer: Customer) -> list[ChannelIdentity]:
    query = (
        select(ChannelIdentity)
        .where(ChannelIdentity.customer_id == customer.id)
        .order_by(ChannelIdentity.created_at)
    )
    return list((await session.execute(query)).scalars())
