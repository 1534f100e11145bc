"""What a benchmark line needs in its fresh database: a merchant with an API key, many
customers (inserted in bulk: seeding is not what is measured), coupon templates and a lucky
draw."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert

from core.activities.models import Activity, Prize
from core.activities.prizes import prizes_of
from core.activities.schemas import ActivityCreate
from core.activities.service import create_activity, publish
from core.clock import utcnow
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.customers.models import Customer
from core.db import Database
from core.merchants.models import Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant, issue_api_key

CHUNK = 5_000
TEN_POINTS = {"type": "points", "amount": 10}


@dataclass
class Shop:
    merchant: Merchant
    key: str
    customer_ids: list[uuid.UUID]

    @property
    def authorization(self) -> str:
        return f"Bearer {self.key}"


async def shop(db: Database, *, customers: int) -> Shop:
    """A merchant whose customers are `c0` … `c{customers - 1}`."""
    async with db.transaction() as session:
        merchant = await create_merchant(
            session, MerchantCreate(name="Bench shop", currency="EUR", timezone="UTC")
        )
        _, key = await issue_api_key(session, merchant.id, name="bench")
    now = utcnow()
    rows = [
        {"id": uuid.uuid4(), "merchant_id": merchant.id, "external_id": f"c{n}", "created_at": now}
        for n in range(customers)
    ]
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(Customer), rows[start : start + CHUNK])
    return Shop(merchant, key, [row["id"] for row in rows])


async def flash_sale(db: Database, shop: Shop, *, stock: int, **fields) -> CouponTemplate:
    """A flash-sale template, claimable now, one per customer."""
    body = {
        "name": "Flash sale",
        "kind": "fixed",
        "amount_off": 500,
        "total_stock": stock,
        "per_customer_limit": 1,
        **fields,
    }
    async with db.transaction() as session:
        return await create_template(session, shop.merchant, CouponTemplateCreate(**body))


async def lucky_draw(db: Database, shop: Shop, *, stock: int) -> tuple[Activity, Prize]:
    """A live wheel, tries unlimited: a prize of `stock` units drawn nearly always (the
    consolation once it is gone). Returns the activity and that prize."""
    now = utcnow()
    body = {
        "kind": "lucky_draw",
        "name": "Bench wheel",
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(hours=2),
        "prizes": [
            {"name": "Ten points", "weight": 10**6, "stock": stock, "reward": TEN_POINTS},
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ],
    }
    async with db.transaction() as session:
        activity = await create_activity(session, shop.merchant, ActivityCreate(**body))
        await publish(session, shop.merchant.id, activity.id)
        prize = next(p for p in await prizes_of(session, activity.id) if not p.consolation)
    return activity, prize
