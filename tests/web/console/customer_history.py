"""A customer with something on every section of their console page: a coupon, points
earned and spent, and a try that won; plain functions shared by route and browser tests."""

from datetime import timedelta

from sqlalchemy import select

from core.activities.models import Play, Prize
from core.activities.schemas import ActivityCreate
from core.activities.service import create_activity
from core.clock import utcnow
from core.coupons.models import Coupon
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.service import grant_coupon
from core.coupons.templates import create_template
from core.customers.models import Customer
from core.customers.schemas import CustomerUpsert
from core.customers.service import upsert_customer
from core.db import Database
from core.merchants.models import Merchant
from core.points.service import earn_points, spend_points


async def customer_with_history(db: Database, merchant: Merchant) -> tuple[Customer, Coupon]:
    async with db.transaction() as session:
        customer, _ = await upsert_customer(
            session,
            merchant.id,
            "shop-17",
            CustomerUpsert(name="Ana Lima", email="ana@example.com"),
        )
        coupon = await grant_coupon(
            session, await _active_template(session, merchant), customer, source="test"
        )
        ids = {"merchant_id": merchant.id, "customer_id": customer.id}
        await earn_points(session, **ids, points=120, reason="order 9")
        await spend_points(session, **ids, points=20, reason="exchange")
        await _play(session, merchant, customer)
    return customer, coupon


async def _active_template(session, merchant):
    terms = CouponTemplateCreate(name="Five off", kind="fixed", amount_off=500, status="active")
    return await create_template(session, merchant, terms)


async def _play(session, merchant, customer) -> None:
    now = utcnow()
    prizes = [
        {"name": "Thanks", "consolation": True, "reward": {"type": "none"}},
        {"name": "Free tea", "weight": 1, "reward": {"type": "points", "amount": 5}},
    ]
    data = ActivityCreate(
        kind="lucky_draw",
        name="Spring wheel",
        starts_at=now,
        ends_at=now + timedelta(days=9),
        prizes=prizes,
    )
    activity = await create_activity(session, merchant, data)
    prize = (await session.execute(select(Prize).where(Prize.name == "Free tea"))).scalar_one()
    session.add(
        Play(
            activity_id=activity.id,
            merchant_id=merchant.id,
            customer_id=customer.id,
            nonce=1,
            client_seed="seed",
            prize_id=prize.id,
            outcome={"type": "points"},
            won=True,
        )
    )
