"""Coupons running out of time: expired ones marked so (with their event), and those about to
expire found for a reminder, each reminded once."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.coupons.models import Coupon, CouponTemplate
from core.events.service import record_event
from core.merchants.models import Merchant


async def expire_coupons(session: AsyncSession, *, batch_size: int = 500) -> int:
    """Mark one batch of coupons past validity as expired and record `coupon.expired`.

    Reads never wait for this (see Coupon.status_at); it makes the status explicit and tells
    the workers. Several workers may run it at once: rows are claimed with SKIP LOCKED.
    """
    now = utcnow()
    due = (
        (
            await session.execute(
                select(Coupon)
                .where(Coupon.status == "available", Coupon.valid_until <= now)
                .order_by(Coupon.valid_until)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    for coupon in due:
        coupon.status = "expired"
        await record_event(
            session,
            merchant_id=coupon.merchant_id,
            type="coupon.expired",
            payload={
                "coupon_id": str(coupon.id),
                "template_id": str(coupon.template_id),
                "customer_id": str(coupon.customer_id),
            },
        )
    await session.flush()
    return len(due)


async def coupons_to_remind(
    session: AsyncSession, *, now: datetime, within: timedelta, limit: int
) -> list[tuple[Coupon, CouponTemplate, Merchant]]:
    """Available coupons expiring within `within` that nobody has reminded their holder of."""
    rows = await session.execute(
        select(Coupon, CouponTemplate, Merchant)
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .join(Merchant, Merchant.id == Coupon.merchant_id)
        .where(
            Coupon.status == "available",
            Coupon.reminded_at.is_(None),
            Coupon.valid_until > now,
            Coupon.valid_until <= now + within,
        )
        .limit(limit)
    )
    return [(coupon, template, merchant) for coupon, template, merchant in rows]


async def mark_reminded(
    session: AsyncSession, coupon_ids: list[uuid.UUID], *, now: datetime
) -> None:
    await session.execute(update(Coupon).where(Coupon.id.in_(coupon_ids)).values(reminded_at=now))
