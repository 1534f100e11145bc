"""The rewards catalogue (a points shop): items that cost points and grant a reward."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.codes.service import get_batch
from core.coupons.templates import get_template
from core.errors import ValidationFailed
from core.pagination import Page, paginate
from core.points.errors import ItemNotFound, ItemRetired
from core.points.models import CatalogueItem
from core.points.schemas import CatalogueItemCreate, CatalogueItemOut, CatalogueItemPatch
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


async def offered_item(
    session: AsyncSession, merchant_id: uuid.UUID, item_id: uuid.UUID
) -> CatalogueItem:
    """An item a customer may exchange points for now: not retired."""
    item = await get_item(session, merchant_id, item_id)
    if item.retired_at is not None:
        raise ItemRetired()
    return item


async def list_items(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
    with_retired: bool = False,
) -> Page[CatalogueItem]:
    """The items offered (and, `with_retired`, those no longer offered too)."""
    query = select(CatalogueItem).where(CatalogueItem.merchant_id == merchant_id)
    if not with_retired:
        query = query.where(CatalogueItem.retired_at.is_(None))
    return await paginate(session, query, CatalogueItem, limit=limit, cursor=cursor)


async def update_item(
    session: AsyncSession, merchant_id: uuid.UUID, item_id: uuid.UUID, patch: CatalogueItemPatch
) -> CatalogueItem:
    """A new name or cost: exchanges already made keep what they cost."""
    item = await offered_item(session, merchant_id, item_id)
    for name, value in patch.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(item, name, value)
    await session.flush()
    return item


async def retire_item(
    session: AsyncSession, merchant_id: uuid.UUID, item_id: uuid.UUID
) -> CatalogueItem:
    """No longer offered from now on; retiring twice keeps the first time."""
    item = await get_item(session, merchant_id, item_id)
    if item.retired_at is None:
        item.retired_at = utcnow()
        await session.flush()
    return item


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
