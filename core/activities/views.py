"""What the API and the chats show of an activity: its settings, stock left, envelopes opened,
and a collection page's coupons."""

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, EnvelopeShare, Prize
from core.activities.prizes import prizes_of
from core.activities.schemas import ActivityOut, CollectionItem, EnvelopeOut, PrizeOut, Rules
from core.activities.service import effective_status
from core.clock import utcnow
from core.coupons.models import Coupon
from core.coupons.templates import get_template, template_view
from core.customers.service import get_customer
from core.stock import service as stock


async def activity_view(
    session: AsyncSession, activity: Activity, base_url: str, now: datetime | None = None
) -> ActivityOut:
    now = now or utcnow()
    prizes = await prizes_of(session, activity.id)
    published = activity.published_at is not None
    status = effective_status(activity, now)
    budget_remaining = None
    if activity.budget is not None:
        budget_remaining = (
            await stock.remaining_stock(session, activity.budget_owner)
            if published
            else activity.budget
        )
    return ActivityOut(
        id=activity.id,
        kind=activity.kind,
        name=activity.name,
        description=activity.description,
        cover_image_url=activity.cover_image_url,
        status=status,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        slug=activity.slug,
        share_url=f"{base_url}/a/{activity.slug}",
        server_seed_hash=activity.server_seed_hash,
        server_seed=activity.server_seed if status == "ended" else None,
        rules=Rules.model_validate(activity.rules),
        budget=activity.budget,
        budget_remaining=budget_remaining,
        prizes=[await _prize_view(session, prize, published) for prize in prizes],
        marquee=activity.settings.get("marquee"),
        envelope=await envelope_view(session, activity),
        templates=[uuid.UUID(t) for t in activity.settings.get("templates") or []],
        created_at=activity.created_at,
        published_at=activity.published_at,
    )


async def _prize_view(session: AsyncSession, prize: Prize, published: bool) -> PrizeOut:
    remaining = prize.stock
    if published and prize.stock is not None:
        remaining = await stock.remaining_stock(session, prize.stock_owner)
    return PrizeOut(
        id=prize.id,
        name=prize.name,
        weight=prize.weight,
        stock=prize.stock,
        remaining=remaining,
        cost=prize.cost,
        consolation=prize.consolation,
        reward=prize.reward,
    )


async def envelope_view(session: AsyncSession, activity: Activity) -> EnvelopeOut | None:
    envelope = activity.settings.get("envelope")
    if not envelope:
        return None
    opened = (
        await session.execute(
            select(func.count()).where(
                EnvelopeShare.activity_id == activity.id, EnvelopeShare.opened_by.is_not(None)
            )
        )
    ).scalar_one()
    return EnvelopeOut(**envelope, opened=opened, left=envelope["shares"] - opened)


async def collection_view(
    session: AsyncSession, activity: Activity, customer_external_id: str | None
) -> list[CollectionItem]:
    """The page's templates, with countdowns and stock, and which ones this customer holds."""
    held: dict[uuid.UUID, int] = {}
    if customer_external_id is not None:
        customer = await get_customer(session, activity.merchant_id, customer_external_id)
        rows = await session.execute(
            select(Coupon.template_id, func.count())
            .where(Coupon.customer_id == customer.id)
            .group_by(Coupon.template_id)
        )
        held = dict(rows.all())
    now = utcnow()
    items = []
    for template_id in activity.settings.get("templates") or []:
        template = await get_template(session, activity.merchant_id, uuid.UUID(template_id))
        view = await template_view(session, template, now)
        items.append(CollectionItem(template=view, held=held.get(template.id, 0)))
    return items


async def opened_share(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID
) -> int | None:
    """The envelope share this customer has been paid, if any (a group's once it filled)."""
    return await session.scalar(
        select(EnvelopeShare.amount).where(
            EnvelopeShare.activity_id == activity.id,
            EnvelopeShare.opened_by == customer_id,
            EnvelopeShare.opened_at.is_not(None),
        )
    )
