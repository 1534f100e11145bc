"""No oversell under load, on both databases: 1,000 concurrent attempts (250 customers, 4 each)
on 100 units of each kind of stock, through a pool of 4 connections on PostgreSQL (SQLite
keeps its own small pool): far fewer connections than attempts in flight. Each gives exactly
100, never two to one customer: coupons (per-customer limit 1), prizes (one try each),
envelope shares (summing exactly to the pot) and partner codes (per-customer limit 1).

Sized to stay within seconds on a quiet machine; `make bench` is where load is measured."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.activities.flows import play
from core.activities.models import EnvelopeShare
from core.activities.schemas import ActivityCreate, PlayRequest
from core.activities.service import create_activity, publish
from core.codes.models import Code
from core.codes.schemas import CodeBatchCreate
from core.codes.service import assign_code, create_batch, import_codes
from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.customers.schemas import CustomerUpsert
from core.customers.service import get_customer, upsert_customer
from core.db import Database
from core.errors import ConfettiError
from core.merchants.models import Merchant
from tests.activities.shop import wheel, window
from tests.factories import coupon_template, merchant_with_key
from tests.fixtures.databases import make_settings

STOCK = 100
CUSTOMERS = 250
TRIES_EACH = 4
POT = 10_000
POOL = 4

Attempt = Callable[[Database, str], Awaitable[object]]


@dataclass
class Outcome:
    granted: list[object]
    refusals: Counter


@pytest.fixture
async def load_db(tmp_path, database_url, db) -> AsyncIterator[Database]:
    """The test's database through a pool of POOL connections and no overflow (`db` first, for
    its clean tables)."""
    settings = make_settings(
        tmp_path, database_url, database_pool_size=POOL, database_max_overflow=0
    )
    database = Database(settings)
    yield database
    await database.dispose()


async def open_shop(db: Database) -> tuple[Merchant, list[str]]:
    merchant, _ = await merchant_with_key(db)
    people = [f"load-{n}" for n in range(CUSTOMERS)]
    async with db.transaction() as session:
        for person in people:
            await upsert_customer(session, merchant.id, person, CustomerUpsert())
    return merchant, people


async def storm(db: Database, people: list[str], attempt: Attempt) -> Outcome:
    """Every customer's tries, all at once; each in a transaction of its own. A refusal is a
    domain error; anything else (a lock timeout, a deadlock) fails the test."""

    async def one(person: str) -> object:
        try:
            return await attempt(db, person)
        except ConfettiError as refusal:
            return refusal

    results = await asyncio.gather(*(one(p) for p in people for _ in range(TRIES_EACH)))
    refusals = Counter(r.code for r in results if isinstance(r, ConfettiError))
    return Outcome([r for r in results if not isinstance(r, ConfettiError)], refusals)


async def live_activity(db: Database, merchant: Merchant, body: dict):
    async with db.transaction() as session:
        activity = await create_activity(session, merchant, ActivityCreate.model_validate(body))
        await publish(session, merchant.id, activity.id)
    return activity


async def scalars(db: Database, query) -> list:
    async with db.transaction(write=False) as session:
        return list((await session.execute(query)).scalars())


def assert_once_each(holders: list[object]) -> None:
    assert len(holders) == STOCK
    assert max(Counter(holders).values()) == 1


async def test_1000_claims_on_100_coupons_give_exactly_100_none_twice(load_db: Database) -> None:
    merchant, people = await open_shop(load_db)
    template = await coupon_template(load_db, merchant, total_stock=STOCK, per_customer_limit=1)

    async def claim(db: Database, person: str):
        async with db.transaction() as session:
            coupon, _, _ = await claim_coupon(session, merchant.id, template.id, person)
            return coupon.code

    outcome = await storm(load_db, people, claim)
    assert len(set(outcome.granted)) == STOCK
    assert set(outcome.refusals) == {"out_of_stock", "limit_reached"}
    query = select(Coupon.customer_id).where(Coupon.template_id == template.id)
    assert_once_each(await scalars(load_db, query))


async def test_1000_tries_on_100_prizes_give_exactly_100_one_try_each(load_db: Database) -> None:
    merchant, people = await open_shop(load_db)
    prizes = [
        {"name": "Gold", "weight": 1000, "stock": STOCK, "reward": {"type": "none"}},
        {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
    ]
    body = wheel(prizes=prizes, rules={"tries_per_customer_total": 1})
    activity = await live_activity(load_db, merchant, body)

    async def try_once(db: Database, person: str):
        async with db.transaction() as session:
            shop = await session.get(Merchant, merchant.id)
            result = await play(session, shop, activity.id, PlayRequest(customer=person))
            return person, result.prize.name

    outcome = await storm(load_db, people, try_once)
    assert len(outcome.granted) == CUSTOMERS, "one try each, no more"
    assert_once_each([person for person, prize in outcome.granted if prize == "Gold"])


async def test_1000_openers_of_100_envelope_shares_take_exactly_the_pot(load_db: Database) -> None:
    merchant, people = await open_shop(load_db)
    envelope = {"pot": POT, "shares": STOCK, "min_share": 5}
    body = {"kind": "red_envelope", "name": "Pot", **window(), "envelope": envelope}
    activity = await live_activity(load_db, merchant, body)

    async def open_one(db: Database, person: str):
        async with db.transaction() as session:
            shop = await session.get(Merchant, merchant.id)
            return (await play(session, shop, activity.id, PlayRequest(customer=person))).share

    outcome = await storm(load_db, people, open_one)
    assert len(outcome.granted) == STOCK and sum(outcome.granted) == POT
    opened = select(EnvelopeShare.opened_by).where(EnvelopeShare.opened_by.is_not(None))
    assert_once_each(await scalars(load_db, opened))
    assert sum(await scalars(load_db, select(func.sum(EnvelopeShare.amount)))) == POT


async def test_1000_asks_for_100_partner_codes_hand_out_exactly_100_none_twice(
    load_db: Database,
) -> None:
    merchant, people = await open_shop(load_db)
    csv = "code\n" + "\n".join(f"STREAM-{n:04d}" for n in range(STOCK)) + "\n"
    async with load_db.transaction() as session:
        data = CodeBatchCreate(name="StreamCo", kind="imported", per_customer_limit=1)
        batch, _ = await create_batch(session, merchant, data)
        await import_codes(session, merchant.id, batch.id, csv.encode())

    async def ask(db: Database, person: str):
        async with db.transaction() as session:
            holder = await get_customer(session, merchant.id, person)
            return await assign_code(session, merchant.id, batch.id, holder)

    outcome = await storm(load_db, people, ask)
    assert len(set(outcome.granted)) == STOCK
    query = select(Code.customer_id).where(Code.batch_id == batch.id, Code.status == "assigned")
    assert_once_each(await scalars(load_db, query))
