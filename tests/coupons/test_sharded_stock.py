"""Sharded stock chosen by stock size: a big flash sale is spread over rows by itself, and its
last units still sell however the claims land, on both databases."""

import asyncio

from sqlalchemy import func, select

from core.coupons.errors import OutOfStock
from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.stock.models import MAX_AUTO_SHARDS, StockBucket
from core.stock.service import remaining_stock, shards_for
from tests.factories import coupon_template, customer, merchant_with_key


def test_stock_is_sharded_only_above_the_threshold_one_row_per_threshold_at_most_16() -> None:
    assert [shards_for(n, above=100) for n in (0, 100, 101, 250, 10**6)] == [
        1,
        1,
        2,
        3,
        MAX_AUTO_SHARDS,
    ]


async def test_a_template_above_the_threshold_gets_shard_rows_by_itself(db) -> None:
    merchant, _ = await merchant_with_key(db)
    big = await coupon_template(db, merchant, total_stock=35, shard_above=10)
    small = await coupon_template(db, merchant, total_stock=10, shard_above=10)
    chosen = await coupon_template(db, merchant, total_stock=35, stock_shards=1, shard_above=10)
    async with db.transaction(write=False) as session:
        rows = dict(
            (
                await session.execute(
                    select(StockBucket.owner_id, func.count()).group_by(StockBucket.owner_id)
                )
            ).all()
        )
        assert await remaining_stock(session, big.stock_owner) == 35
    assert (big.stock_shards, rows[big.id]) == (4, 4)
    assert (small.stock_shards, rows[small.id]) == (1, 1)
    assert (chosen.stock_shards, rows[chosen.id]) == (1, 1)


async def test_every_unit_of_an_auto_sharded_template_sells_under_concurrent_claims(db) -> None:
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=30, shard_above=4)
    assert template.stock_shards == 8
    customers = [f"c{n}" for n in range(90)]
    for external_id in customers:
        await customer(db, merchant, external_id)

    async def claim(external_id: str) -> bool:
        try:
            async with db.transaction() as session:
                await claim_coupon(session, merchant.id, template.id, external_id)
        except OutOfStock:
            return False
        return True

    # Three claimants a unit: as shards empty, most claims land on an empty one first.
    outcomes = await asyncio.gather(*(claim(c) for c in customers))
    assert outcomes.count(True) == 30
    async with db.transaction(write=False) as session:
        assert await remaining_stock(session, template.stock_owner) == 0
        issued = await session.execute(
            select(func.count()).where(Coupon.template_id == template.id)
        )
        assert issued.scalar_one() == 30
