"""Spending points on the catalogue: the item's cost, its stock and the reward it grants, all or
nothing in the caller's transaction."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.service import get_customer
from core.points.balances import points_balance
from core.points.catalogue import offered_item
from core.points.errors import ItemOutOfStock
from core.points.schemas import EntryOut, ExchangeOut
from core.points.service import spend_points
from core.rewards.flows import grant_reward
from core.rewards.schemas import parse_reward
from core.stock import service as stock


async def exchange(
    session: AsyncSession, merchant_id: uuid.UUID, external_id: str, item_id: uuid.UUID
) -> ExchangeOut:
    """Spend the item's cost and grant its reward, all or nothing in the caller's transaction.

    Points first: a customer who cannot pay is refused without touching the item's (hot)
    stock row; if the stock or the grant then refuses, the rollback gives the points back.
    """
    customer = await get_customer(session, merchant_id, external_id)
    item = await offered_item(session, merchant_id, item_id)
    entry = await spend_points(
        session,
        merchant_id=merchant_id,
        customer_id=customer.id,
        points=item.cost,
        reason=f"exchanged for {item.name}",
    )
    if item.total_stock is not None and not await stock.take_stock(session, item.stock_owner):
        raise ItemOutOfStock()
    granted = await grant_reward(
        session,
        merchant_id=merchant_id,
        customer=customer,
        reward=parse_reward(item.reward),
        source="catalogue",
    )
    return ExchangeOut(
        item_id=item.id,
        entry=EntryOut.model_validate(entry),
        balance=await points_balance(session, merchant_id, customer.id),
        reward=granted,
    )
