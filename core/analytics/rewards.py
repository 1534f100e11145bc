"""What an activity handed out, and the orders its rewards were used in: shared by the funnel's
last step and the activity's money."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, Play, Prize
from core.analytics.filters import Filters, chunks
from core.redemptions.models import Redemption, RedemptionDiscount


@dataclass(frozen=True)
class Win:
    """One winning try: who, when, from where, and what it granted."""

    customer_id: uuid.UUID
    at: datetime
    channel: str
    reward_type: str
    prize_cost: int
    coupon_id: uuid.UUID | None
    points: int


@dataclass
class RewardOrder:
    """One applied redemption in which at least one of the activity's coupons was used."""

    redemption_id: uuid.UUID
    customer_id: uuid.UUID
    at: datetime
    order_total: int
    total_discount: int
    discount: int = 0  # the part of total_discount that the activity's coupons took off

    @property
    def revenue(self) -> int:
        """What the customer paid."""
        return self.order_total - self.total_discount


async def wins_of(session: AsyncSession, activity: Activity, filters: Filters) -> list[Win]:
    coupon_id = Play.outcome[("coupon", "id")].as_string()
    query = (
        select(
            Play.customer_id,
            Play.created_at,
            Play.channel,
            Play.outcome["type"].as_string(),
            Prize.cost,
            coupon_id,
            Play.outcome["points"].as_integer(),
        )
        .outerjoin(Prize, Prize.id == Play.prize_id)
        .where(Play.activity_id == activity.id, Play.won, *filters.during(Play.created_at))
    )
    if filters.channel:
        query = query.where(Play.channel == filters.channel)
    return [
        Win(
            customer_id=customer,
            at=at,
            channel=channel or "api",
            reward_type=reward_type,
            prize_cost=cost or 0,
            coupon_id=uuid.UUID(coupon) if coupon else None,
            points=points or 0,
        )
        for customer, at, channel, reward_type, cost, coupon, points in await session.execute(query)
    ]


async def orders_using(
    session: AsyncSession, merchant_id: uuid.UUID, coupon_ids: Iterable[uuid.UUID], filters: Filters
) -> list[RewardOrder]:
    """Applied (not rolled back) redemptions, within the filters' time, that used any of
    `coupon_ids`; each order once, however many of them it used."""
    orders: dict[uuid.UUID, RewardOrder] = {}
    for chunk in chunks(coupon_ids):
        rows = await session.execute(
            select(
                Redemption.id,
                Redemption.customer_id,
                Redemption.created_at,
                Redemption.order_total,
                Redemption.total_discount,
                RedemptionDiscount.amount,
            )
            .join(RedemptionDiscount, RedemptionDiscount.redemption_id == Redemption.id)
            .where(
                Redemption.merchant_id == merchant_id,
                Redemption.status == "applied",
                RedemptionDiscount.coupon_id.in_(chunk),
                *filters.during(Redemption.created_at),
            )
        )
        for redemption_id, customer_id, at, total, discount, amount in rows:
            order = orders.setdefault(
                redemption_id, RewardOrder(redemption_id, customer_id, at, total, discount)
            )
            order.discount += amount
    return list(orders.values())
