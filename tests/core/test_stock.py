"""The one stock mechanism never oversells, on either database, under real concurrency."""

import asyncio
import uuid

from core.stock import service as stock
from core.stock.models import StockOwner
from tests.factories import merchant_with_key


async def _take_concurrently(db, owner: StockOwner, attempts: int) -> int:
    async def attempt() -> bool:
        async with db.transaction() as session:
            return await stock.take_stock(session, owner)

    results = await asyncio.gather(*(attempt() for _ in range(attempts)))
    return sum(results)


async def test_stock_never_goes_below_zero_under_200_concurrent_takes(db) -> None:
    merchant, _ = await merchant_with_key(db)
    owner = StockOwner("test", uuid.uuid4(), merchant.id)
    async with db.transaction() as session:
        await stock.create_stock(session, owner, merchant_id=merchant.id, quantity=25)
    assert await _take_concurrently(db, owner, 200) == 25
    async with db.transaction(write=False) as session:
        assert await stock.remaining_stock(session, owner) == 0


async def test_sharded_stock_sells_exactly_its_total(db) -> None:
    merchant, _ = await merchant_with_key(db)
    owner = StockOwner("test", uuid.uuid4(), merchant.id, shards=4)
    async with db.transaction() as session:
        await stock.create_stock(session, owner, merchant_id=merchant.id, quantity=30)
        assert await stock.remaining_stock(session, owner) == 30
    assert await _take_concurrently(db, owner, 120) == 30


async def test_rolled_back_take_gives_the_unit_back(db) -> None:
    merchant, _ = await merchant_with_key(db)
    owner = StockOwner("test", uuid.uuid4(), merchant.id)
    async with db.transaction() as session:
        await stock.create_stock(session, owner, merchant_id=merchant.id, quantity=1)
    try:
        async with db.transaction() as session:
            assert await stock.take_stock(session, owner)
            raise RuntimeError("what came after the take failed")
    except RuntimeError:
        pass
    async with db.transaction(write=False) as session:
        assert await stock.remaining_stock(session, owner) == 1


async def test_quota_holds_per_holder_under_concurrency(db) -> None:
    merchant, _ = await merchant_with_key(db)
    owner = StockOwner("test", uuid.uuid4(), merchant.id)
    holders = [uuid.uuid4() for _ in range(5)]

    async def attempt(holder: uuid.UUID) -> int | None:
        async with db.transaction() as session:
            return await stock.take_quota(session, owner, holder, merchant_id=merchant.id, limit=2)

    results = await asyncio.gather(*(attempt(h) for h in holders for _ in range(8)))
    # Each take that counted says how many are used now: 1, then 2, for every holder.
    assert sorted(used for used in results if used is not None) == [1] * 5 + [2] * 5
    async with db.transaction(write=False) as session:
        for holder in holders:
            assert await stock.quota_used(session, owner, holder) == 2


async def test_adjusting_stock_down_never_takes_more_than_remains(db) -> None:
    merchant, _ = await merchant_with_key(db)
    owner = StockOwner("test", uuid.uuid4(), merchant.id, shards=3)
    async with db.transaction() as session:
        await stock.create_stock(session, owner, merchant_id=merchant.id, quantity=10)
        assert await stock.adjust_stock(session, owner, -7)
        assert await stock.remaining_stock(session, owner) == 3
        assert not await stock.adjust_stock(session, owner, -4)
