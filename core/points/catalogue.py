"""The rewards catalogue (a points shop): items that cost points and grant a reward."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.codes.service import get_batch
from core.coupons.templates import get_template
from core.errors import ValidationFailed
from core.pagination import Page, paginate
from core.points.errors import ItemNotFound
from core.points.models import CatalogueItem
from core.points.schemas import CatalogueItemCreate, CatalogueItemOut
from core.rewards.schemas import CodeReward, CouponReward, Reward, parse_reward
from core.stock import service as stock


async def create_item(
    session: AsyncSession, merchant_id: uuid.UUID, data: CatalogueItemCreate
) -> CatalogueItem:
    data.check()
    await _check_reward_exists(session, merchant_id, data.reward)
    item = CatalogueItem(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        name=data.name,
        cost=data.cost,
        total_stock=data.stock,
        reward=data.reward.model_dump(mode="json"),
    )
    session.add(item)
    await session.flush()
    if item.total_stock is not None:
        await stock.create_stock(
            session, item.stock_owner, merchant_id=merchant_id, quantity=item.total_stock
        )
    return item


async def _check_reward_exists(
    session: AsyncSession, merchant_id: uuid.UUID, reward: Reward
) -> None:
    """Refuse an item whose reward could never be granted, rather than every exchange later."""
    if isinstance(reward, CouponReward):
        await get_template(session, merchant_id, reward.template_id)
    elif isinstance(reward, CodeReward):
        batch = await get_batch(session, merchant_id, reward.batch_id)
        if batch.kind != "imported":
            raise ValidationFailed(
                "reward.batch_id: only partner (imported) codes can be handed out",
                field="reward.batch_id",
            )


async def get_item(
    session: AsyncSession, merchant_id: uuid.UUID, item_id: uuid.UUID
) -> CatalogueItem:
    query = select(CatalogueItem).where(
        CatalogueItem.id == item_id, CatalogueItem.merchant_id == merchant_id
    )
    item = (await session.execute(query)).scalar_one_or_none()
    if item is None:
        raise ItemNotFound(field="item")
    return item


async def list_items(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[CatalogueItem]:
    query = select(CatalogueItem).where(CatalogueItem.merchant_id == merchant_id)
    return await paginate(session, query, CatalogueItem, limit=limit, cursor=cursor)


async def item_view(session: AsyncSession, item: CatalogueItem) -> CatalogueItemOut:
    remaining = None
    if item.total_stock is not None:
        remaining = await stock.remaining_stock(session, item.stock_owner)
    return CatalogueItemOut(
        id=item.id,
        name=item.name,
        cost=item.cost,
        stock=item.total_stock,
        remaining_stock=remaining,
        reward=parse_reward(item.reward),
        created_at=item.created_at,
    )
