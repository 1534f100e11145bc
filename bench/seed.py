"""What a benchmark line needs in its fresh database: a merchant with an API key, many
customers (inserted in bulk: seeding is not what is measured), coupon templates, a lucky
draw, and merchants' Telegram bots (connected as `connect_bot` leaves them, without asking the
fake Bot API: it accepts only https webhooks)."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert

from core.activities.models import Activity, Prize
from core.activities.prizes import prizes_of
from core.activities.schemas import ActivityCreate
from core.activities.service import create_activity, publish
from core.channels.service import save_account
from core.clock import utcnow
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.crypto import Sealer
from core.customers.models import ChannelIdentity, Customer
from core.db import Database
from core.merchants.models import Merchant
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant, issue_api_key

CHUNK = 5_000
TEN_POINTS = {"type": "points", "amount": 10}
FIRST_BOT_ID = 7_000_000_001
# Chat ids of a broadcast's audience: far above the ids the webhook lines' updates use.
FIRST_AUDIENCE_CHAT = 20_000_000_000


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


@dataclass
class Bot:
    """A merchant's connected Telegram bot, as the bench drives it."""

    merchant_id: uuid.UUID
    account_id: uuid.UUID
    bot_id: int
    token: str
    secret: str

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/telegram/{self.bot_id}"


def bot_token(number: int) -> str:
    return f"{FIRST_BOT_ID + number}:bench-token-{number:04d}"


async def connect_bot(
    db: Database, merchant_id: uuid.UUID, number: int, settings: dict | None = None
) -> Bot:
    token, bot_id = bot_token(number), FIRST_BOT_ID + number
    secret = f"bench-secret-{number:04d}-" + "s" * 24
    async with db.transaction() as session:
        account = await save_account(
            session,
            Sealer(db.settings.secret_key),
            merchant_id=merchant_id,
            channel="telegram",
            external_id=str(bot_id),
            name=f"bench{bot_id}_bot",
            credentials={"token": token},
            webhook_secret=secret,
            settings=settings,
        )
    return Bot(merchant_id, account.id, bot_id, token, secret)


async def telegram_merchants(db: Database, count: int) -> list[Bot]:
    """`count` merchants, each with a bot of its own: bots 0 … count - 1."""
    bots = []
    for number in range(count):
        async with db.transaction() as session:
            merchant = await create_merchant(
                session, MerchantCreate(name=f"Bot shop {number}", currency="EUR", timezone="UTC")
            )
        bots.append(await connect_bot(db, merchant.id, number))
    return bots


async def telegram_audience(db: Database, shop: Shop, bot: Bot, customers: int) -> None:
    """The shop's first `customers` customers, each a Telegram chat with `bot`."""
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "merchant_id": shop.merchant.id,
            "customer_id": customer_id,
            "channel": "telegram",
            "address": str(FIRST_AUDIENCE_CHAT + n),
            "account_id": bot.account_id,
            "last_inbound_at": now,
            "created_at": now,
        }
        for n, customer_id in enumerate(shop.customer_ids[:customers])
    ]
    async with db.transaction() as session:
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(ChannelIdentity), rows[start : start + CHUNK])
