"""Coupon templates: claimed, redeemed, the redemption rate, the discount given, and the
average order with a coupon of each against orders with none."""

import uuid

from sqlalchemy import distinct, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.analytics.filters import Filters, rate
from core.analytics.schemas import CouponReport, CouponRow
from core.coupons.models import Coupon, CouponTemplate
from core.merchants.models import Merchant
from core.redemptions.models import Redemption, RedemptionDiscount


async def coupon_report(
    session: AsyncSession, merchant: Merchant, filters: Filters
) -> CouponReport:
    claimed = dict(
        (
            await session.execute(
                select(Coupon.template_id, func.count())
                .where(Coupon.merchant_id == merchant.id, *filters.during(Coupon.created_at))
                .group_by(Coupon.template_id)
            )
        ).all()
    )
    used = await _used(session, merchant.id, filters)
    templates = await session.execute(
        select(CouponTemplate)
        .where(CouponTemplate.merchant_id == merchant.id)
        .order_by(CouponTemplate.created_at, CouponTemplate.id)
    )
    rows = []
    for template in templates.scalars():
        redeemed, discount, orders, order_total = used.get(template.id, (0, 0, 0, 0))
        rows.append(
            CouponRow(
                template_id=template.id,
                name=template.name,
                kind=template.kind,
                claimed=claimed.get(template.id, 0),
                redeemed=redeemed,
                redemption_rate=rate(redeemed, claimed.get(template.id, 0)),
                discount_given=discount,
                orders=orders,
                average_order=round(order_total / orders) if orders else None,
            )
        )
    without, total = await _orders_without_coupon(session, merchant.id, filters)
    return CouponReport(
        currency=merchant.currency,
        average_order_without_coupon=round(total / without) if without else None,
        orders_without_coupon=without,
        rows=rows,
    )


def _applied(merchant_id: uuid.UUID, filters: Filters) -> list:
    return [
        Redemption.merchant_id == merchant_id,
        Redemption.status == "applied",
        *filters.during(Redemption.created_at),
    ]


async def _used(
    session: AsyncSession, merchant_id: uuid.UUID, filters: Filters
) -> dict[uuid.UUID, tuple[int, int, int, int]]:
    """template → (coupons redeemed, discount given, orders, their order totals), over applied
    redemptions in the period; a promotion (no coupon) gives discounts but redeems none."""
    per_template = (
        select(
            RedemptionDiscount.template_id,
            RedemptionDiscount.redemption_id,
            func.count(RedemptionDiscount.coupon_id).label("coupons"),
            func.sum(RedemptionDiscount.amount).label("amount"),
        )
        .join(Redemption, Redemption.id == RedemptionDiscount.redemption_id)
        .where(*_applied(merchant_id, filters))
        .group_by(RedemptionDiscount.template_id, RedemptionDiscount.redemption_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            per_template.c.template_id,
            func.sum(per_template.c.coupons),
            func.sum(per_template.c.amount),
            func.count(distinct(per_template.c.redemption_id)),
            func.sum(Redemption.order_total),
        )
        .join(Redemption, Redemption.id == per_template.c.redemption_id)
        .group_by(per_template.c.template_id)
    )
    return {
        template: (int(coupons), int(amount), orders, int(total))
        for template, coupons, amount, orders, total in rows
    }


async def _orders_without_coupon(
    session: AsyncSession, merchant_id: uuid.UUID, filters: Filters
) -> tuple[int, int]:
    """(orders, their order totals) of applied redemptions that used no coupon."""
    with_coupon = exists().where(
        RedemptionDiscount.redemption_id == Redemption.id, RedemptionDiscount.coupon_id.is_not(None)
    )
    count, total = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Redemption.order_total), 0)).where(
                *_applied(merchant_id, filters), ~with_coupon
            )
        )
    ).one()
    return count, int(total)
