"""Granting a reward to a customer: the one path for prizes, codes and catalogue items."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.codes.service import assign_code
from core.coupons.service import coupon_view, grant_coupon
from core.coupons.templates import get_template
from core.customers.models import Customer
from core.points.service import earn_points
from core.rewards.schemas import (
    CodeReward,
    CouponReward,
    GrantedReward,
    NoReward,
    PointsReward,
    Reward,
)


async def grant_reward(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer: Customer,
    reward: Reward,
    source: str,
) -> GrantedReward:
    """Grant `reward` in the caller's transaction; refusals (out of stock, ...) raise."""
    match reward:
        case CouponReward(template_id=template_id):
            template = await get_template(session, merchant_id, template_id)
            coupon = await grant_coupon(session, template, customer, source=source)
            view = coupon_view(coupon, template, customer.external_id, utcnow())
            return GrantedReward(type="coupon", coupon=view)
        case PointsReward(amount=amount):
            await earn_points(
                session,
                merchant_id=merchant_id,
                customer_id=customer.id,
                points=amount,
                reason=source,
            )
            return GrantedReward(type="points", points=amount)
        case CodeReward(batch_id=batch_id):
            code = await assign_code(session, merchant_id, batch_id, customer)
            return GrantedReward(type="code", code=code)
        case NoReward():
            return GrantedReward(type="none")
    raise ValueError(f"unknown reward {reward!r}")
