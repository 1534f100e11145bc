"""The ledger and its lots: FIFO spending, expiry read at once and swept once, exactly-once
earning by source_ref; on both databases."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.clock import utcnow
from core.events.models import Event
from core.points.balances import points_balance
from core.points.errors import InsufficientPoints
from core.points.models import PointsEntry, PointsLot
from core.points.policy import set_settings
from core.points.schemas import PointsSettingsIn
from core.points.service import adjust_points, earn_points, expire_points, spend_points
from tests.factories import customer, merchant_with_key


@pytest.fixture
async def alice(db):
    merchant, _ = await merchant_with_key(db)
    return merchant, await customer(db, merchant, "alice")


async def earn(db, merchant, holder, points: int, source_ref: str | None = None) -> PointsEntry:
    async with db.transaction() as session:
        return await earn_points(
            session,
            merchant_id=merchant.id,
            customer_id=holder.id,
            points=points,
            reason="test",
            source_ref=source_ref,
        )


async def spend(db, merchant, holder, points: int) -> PointsEntry:
    async with db.transaction() as session:
        return await spend_points(
            session, merchant_id=merchant.id, customer_id=holder.id, points=points, reason="test"
        )


async def balance(db, merchant, holder) -> int:
    async with db.transaction(write=False) as session:
        return await points_balance(session, merchant.id, holder.id)


async def set_lot_expiry(db, entry: PointsEntry, expires_at) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(PointsLot).where(PointsLot.id == entry.lot_id).values(expires_at=expires_at)
        )


async def remaining_by_lot(db) -> dict:
    async with db.transaction(write=False) as session:
        return dict((await session.execute(select(PointsLot.id, PointsLot.remaining))).all())


async def test_spending_takes_the_soonest_expiring_lot_first_and_never_expiring_last(
    db, alice
) -> None:
    merchant, holder = alice
    forever = await earn(db, merchant, holder, 50)
    late = await earn(db, merchant, holder, 30)
    soon = await earn(db, merchant, holder, 20)
    await set_lot_expiry(db, late, utcnow() + timedelta(days=60))
    await set_lot_expiry(db, soon, utcnow() + timedelta(days=5))
    await spend(db, merchant, holder, 40)
    remaining = await remaining_by_lot(db)
    assert (remaining[soon.lot_id], remaining[late.lot_id], remaining[forever.lot_id]) == (
        0,
        10,
        50,
    )
    assert await balance(db, merchant, holder) == 60


async def test_balance_excludes_expired_lots_before_the_expiry_job_runs(db, alice) -> None:
    merchant, holder = alice
    await earn(db, merchant, holder, 70)
    expired = await earn(db, merchant, holder, 30)
    await set_lot_expiry(db, expired, utcnow() - timedelta(seconds=1))
    assert await balance(db, merchant, holder) == 70
    with pytest.raises(InsufficientPoints):
        await spend(db, merchant, holder, 71)


async def test_expiry_job_writes_one_expire_entry_per_lot_once_with_an_event(db, alice) -> None:
    merchant, holder = alice
    kept = await earn(db, merchant, holder, 10)
    expired = await earn(db, merchant, holder, 30)
    await set_lot_expiry(db, expired, utcnow() - timedelta(seconds=1))
    async with db.transaction() as session:
        assert await expire_points(session) == 1
    async with db.transaction() as session:
        assert await expire_points(session) == 0
        entries = (
            await session.execute(select(PointsEntry.kind, PointsEntry.points, PointsEntry.lot_id))
        ).all()
        events = (
            (await session.execute(select(Event.payload).where(Event.type == "points.expired")))
            .scalars()
            .all()
        )
    assert ("expire", -30, expired.lot_id) in entries
    assert [event["points"] for event in events] == [-30]
    assert await remaining_by_lot(db) == {kept.lot_id: 10, expired.lot_id: 0}


async def test_concurrent_expiry_jobs_expire_each_lot_once(db, alice) -> None:
    merchant, holder = alice
    for _ in range(12):
        entry = await earn(db, merchant, holder, 5)
        await set_lot_expiry(db, entry, utcnow() - timedelta(seconds=1))

    async def sweep() -> int:
        async with db.transaction() as session:
            return await expire_points(session, batch_size=3)

    swept = 0
    while batch := sum(await asyncio.gather(*(sweep() for _ in range(4)))):
        swept += batch
    assert swept == 12
    async with db.transaction(write=False) as session:
        expired = await session.scalar(
            select(func.sum(PointsEntry.points)).where(PointsEntry.kind == "expire")
        )
    assert expired == -60


async def test_earning_with_a_source_ref_happens_once_even_when_concurrent(db, alice) -> None:
    merchant, holder = alice
    entries = await asyncio.gather(
        *(earn(db, merchant, holder, 25, source_ref="grant:42") for _ in range(10))
    )
    assert len({entry.id for entry in entries}) == 1
    assert await balance(db, merchant, holder) == 25


async def test_balance_never_goes_negative_under_50_concurrent_spends(db, alice) -> None:
    merchant, holder = alice
    await earn(db, merchant, holder, 100)

    async def try_spend() -> str:
        try:
            await spend(db, merchant, holder, 7)
        except InsufficientPoints as refusal:
            return refusal.code
        return "spent"

    outcomes = await asyncio.gather(*(try_spend() for _ in range(50)))
    assert (outcomes.count("spent"), outcomes.count("insufficient_points")) == (14, 36)
    assert await balance(db, merchant, holder) == 2


async def test_adjust_may_credit_or_debit_but_never_below_zero(db, alice) -> None:
    merchant, holder = alice

    async def adjust(points: int) -> PointsEntry:
        async with db.transaction() as session:
            return await adjust_points(
                session, merchant_id=merchant.id, customer_id=holder.id, points=points, reason="x"
            )

    assert (await adjust(40)).points == 40
    assert (await adjust(-15)).points == -15
    with pytest.raises(InsufficientPoints):
        await adjust(-26)
    assert await balance(db, merchant, holder) == 25


async def test_earned_lots_expire_by_the_merchants_policy(db, alice) -> None:
    merchant, holder = alice
    async with db.transaction() as session:
        await set_settings(session, merchant.id, PointsSettingsIn(expiry="days", expiry_days=7))
    before = utcnow()
    entry = await earn(db, merchant, holder, 10)
    async with db.transaction(write=False) as session:
        lot = await session.get(PointsLot, entry.lot_id)
    assert before + timedelta(days=7) <= lot.expires_at <= utcnow() + timedelta(days=7)


async def test_every_change_records_its_event(db, alice) -> None:
    merchant, holder = alice
    await earn(db, merchant, holder, 10)
    await spend(db, merchant, holder, 4)
    async with db.transaction(write=False) as session:
        types = await session.scalars(
            select(Event.type).where(Event.type.like("points.%")).order_by(Event.occurred_at)
        )
        assert list(types) == ["points.earned", "points.spent"]
