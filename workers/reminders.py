"""Reminders in the customer's chat: a coupon expiring within 24 hours, points expiring this
month. Each is sent once (a coupon is marked reminded; points once per customer and month)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bots.conversation.i18n import Translator
from bots.conversation.messages import Option, Reply
from bots.conversation.texts import coupon_terms
from bots.notices import notify_customer
from core.clock import utcnow
from core.coupons.models import Coupon, CouponTemplate
from core.coupons.service import coupon_view
from core.db import Database
from core.merchants.models import Merchant
from core.points.models import PointsLot

BATCH = 200


async def remind_expiring_coupons(db: Database) -> int:
    now = utcnow()
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Coupon, CouponTemplate, Merchant)
                .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
                .join(Merchant, Merchant.id == Coupon.merchant_id)
                .where(
                    Coupon.status == "available",
                    Coupon.reminded_at.is_(None),
                    Coupon.valid_until > now,
                    Coupon.valid_until <= now + timedelta(hours=24),
                )
                .limit(BATCH)
            )
        ).all()
        queued = 0
        for coupon, template, merchant in rows:

            def compose(t: Translator, coupon=coupon, template=template) -> Reply:
                code = coupon_view(coupon, template, None, now).code
                text = t("notify.coupon_expiring") + f"\n{template.name}: {code}"
                text += f"\n{coupon_terms(t, template)}"
                text += "\n" + t("coupon.valid_until", when=t.time(coupon.valid_until))
                return Reply(text=text, options=(Option(id="cp", title=t("button.my_coupons")),))

            key = f"reminder:coupon:{coupon.id}"
            queued += await notify_customer(
                session, merchant, coupon.customer_id, dedupe_key=key, compose=compose
            )
        if rows:
            await session.execute(
                update(Coupon)
                .where(Coupon.id.in_([coupon.id for coupon, _, _ in rows]))
                .values(reminded_at=now)
            )
    return queued


def _month_end(now: datetime, timezone: str) -> tuple[str, datetime]:
    local = now.astimezone(ZoneInfo(timezone))
    first_of_next = (local.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return local.strftime("%Y-%m"), first_of_next.astimezone(UTC)


async def remind_expiring_points(db: Database) -> int:
    """Once a month per customer: what of their balance expires before the month ends (in the
    merchant's timezone)."""
    now = utcnow()
    queued = 0
    async with db.transaction(write=False) as session:
        merchants = list((await session.execute(select(Merchant))).scalars())
    for merchant in merchants:
        month, month_end = _month_end(now, merchant.timezone)
        async with db.transaction() as session:
            expiring = await session.execute(
                select(
                    PointsLot.customer_id,
                    func.sum(PointsLot.remaining),
                    func.min(PointsLot.expires_at),
                )
                .where(
                    PointsLot.merchant_id == merchant.id,
                    PointsLot.remaining > 0,
                    PointsLot.expires_at > now,
                    PointsLot.expires_at < month_end,
                )
                .group_by(PointsLot.customer_id)
            )
            for customer_id, points, first_expiry in expiring.all():

                def compose(t: Translator, points=points, when=first_expiry) -> Reply:
                    text = t("notify.points_expiring", points=points, when=t.time(when))
                    return Reply(text=text, options=(Option(id="pt", title=t("button.my_points")),))

                key = f"reminder:points:{customer_id}:{month}"
                queued += await notify_customer(
                    session, merchant, customer_id, dedupe_key=key, compose=compose
                )
    return queued
