"""The rewards catalogue: items cost points and grant a coupon or a partner code, all or
nothing; an item's stock holds under concurrency on both databases."""

import asyncio
import uuid

from sqlalchemy import func, select

from core.codes.schemas import CodeBatchCreate
from core.codes.service import create_batch, import_codes
from core.coupons.models import Coupon
from core.points.errors import ItemOutOfStock
from core.points.flows import exchange as exchange_item
from core.points.models import PointsEntry
from tests.factories import coupon_template
from tests.points.conftest import sqlite_only


async def coupon_item(shop, cost=100, stock=None) -> dict:
    template = await coupon_template(shop.db, shop.merchant)
    reward = {"type": "coupon", "template_id": str(template.id)}
    body = {"name": "5 off", "cost": cost, "stock": stock, "reward": reward}
    response = await shop.call("post", "/points/catalogue", body)
    assert response.status == 201, response.text
    return response.json


async def exchange(shop, item_id, holder="alice", key="x-1"):
    path = f"/customers/{holder}/points/exchange"
    return await shop.call("post", path, {"item": str(item_id)}, idempotency_key=key)


async def test_items_are_created_with_their_stock_and_listed(shop) -> None:
    item = await coupon_item(shop, cost=250, stock=20)
    assert (item["cost"], item["stock"], item["remaining_stock"]) == (250, 20, 20)
    assert item["reward"]["type"] == "coupon"
    listed = (await shop.call("get", "/points/catalogue")).json
    assert [i["id"] for i in listed["items"]] == [item["id"]]
    assert (await shop.call("get", f"/points/catalogue/{item['id']}")).json == item


async def test_exchange_spends_the_cost_and_grants_the_coupon(shop) -> None:
    await shop.earn("alice", 120)
    item = await coupon_item(shop, cost=100, stock=3)
    response = await exchange(shop, item["id"])
    assert response.status == 201, response.text
    assert (response.json["balance"], response.json["entry"]["points"]) == (20, -100)
    assert response.json["reward"]["coupon"]["status"] == "available"
    coupons = (await shop.call("get", "/customers/alice/coupons")).json["items"]
    assert [c["code"] for c in coupons] == [response.json["reward"]["coupon"]["code"]]
    remaining = (await shop.call("get", f"/points/catalogue/{item['id']}")).json
    assert remaining["remaining_stock"] == 2


async def test_exchange_hands_out_a_partner_code(shop) -> None:
    async with shop.db.transaction() as session:
        batch, _ = await create_batch(
            session, shop.merchant, CodeBatchCreate(name="StreamCo", kind="imported")
        )
        await import_codes(session, shop.merchant.id, batch.id, b"code\nSTREAM-AAAA-0001\n")
    body = {"name": "1 month", "cost": 50, "reward": {"type": "code", "batch_id": str(batch.id)}}
    item = (await shop.call("post", "/points/catalogue", body)).json
    await shop.earn("alice", 50)
    response = await exchange(shop, item["id"])
    assert response.status == 201, response.text
    assert response.json["reward"] == {
        "type": "code",
        "coupon": None,
        "points": None,
        "code": "STREAM-AAAA-0001",
    }


async def test_exchange_without_enough_points_is_409_and_grants_nothing(shop) -> None:
    await shop.earn("alice", 99)
    item = await coupon_item(shop, cost=100, stock=3)
    response = await exchange(shop, item["id"])
    assert (response.status, response.json["error"]["code"]) == (409, "insufficient_points")
    assert (await shop.call("get", "/customers/alice/coupons")).json["items"] == []
    remaining = (await shop.call("get", f"/points/catalogue/{item['id']}")).json
    assert remaining["remaining_stock"] == 3


async def test_exchange_of_a_sold_out_item_is_409_and_keeps_the_points(shop) -> None:
    await shop.earn("alice", 100)
    item = await coupon_item(shop, cost=100, stock=0)
    response = await exchange(shop, item["id"])
    assert (response.status, response.json["error"]["code"]) == (409, "out_of_stock")
    assert await shop.balance() == 100


@sqlite_only
async def test_exchange_of_an_unknown_or_another_merchants_item_is_404(shop, open_shop) -> None:
    await shop.earn("alice", 500)
    theirs = await coupon_item(await open_shop(name="Other"))
    for n, item_id in enumerate((uuid.uuid4(), theirs["id"])):
        response = await exchange(shop, item_id, key=f"x-{n}")
        assert (response.status, response.json["error"]["code"]) == (404, "item_not_found")
        assert response.json["error"]["field"] == "item"
    assert await shop.balance() == 500


@sqlite_only
async def test_exchange_without_idempotency_key_is_400(shop) -> None:
    item = await coupon_item(shop)
    path = "/customers/alice/points/exchange"
    response = await shop.call("post", path, {"item": item["id"]})
    assert (response.status, response.json["error"]["code"]) == (400, "idempotency_key_required")


@sqlite_only
async def test_item_for_another_merchants_template_is_refused(shop, open_shop) -> None:
    other = await open_shop(name="Other")
    template = await coupon_template(other.db, other.merchant)
    reward = {"type": "coupon", "template_id": str(template.id)}
    response = await shop.call(
        "post", "/points/catalogue", {"name": "x", "cost": 1, "reward": reward}
    )
    assert (response.status, response.json["error"]["code"]) == (404, "template_not_found")


@sqlite_only
async def test_each_bad_item_is_422_naming_its_field(shop) -> None:
    coupon = {"type": "coupon", "template_id": str(uuid.uuid4())}
    bad = [
        ({"reward": {"type": "points", "amount": 10}}, "reward.type"),
        ({"reward": {"type": "none"}}, "reward.type"),
        ({"cost": 0}, "cost"),
        ({"cost": -5}, "cost"),
        ({"cost": 1.5}, "cost"),
        ({"stock": -1}, "stock"),
        ({"name": ""}, "name"),
    ]
    for change, field in bad:
        body = {"name": "x", "cost": 10, "reward": coupon, **change}
        response = await shop.call("post", "/points/catalogue", body)
        assert (response.status, response.json["error"]["field"]) == (422, field), change


async def test_item_stock_holds_under_20_concurrent_exchanges(shop) -> None:
    item = await coupon_item(shop, cost=10, stock=5)
    holders = [f"rich-{n}" for n in range(20)]
    for holder in holders:
        await shop.earn(holder, 100)

    async def try_exchange(holder: str) -> str:
        try:
            async with shop.db.transaction() as session:
                await exchange_item(session, shop.merchant.id, holder, uuid.UUID(item["id"]))
        except ItemOutOfStock as refusal:
            return refusal.code
        return "granted"

    outcomes = await asyncio.gather(*(try_exchange(holder) for holder in holders))
    assert (outcomes.count("granted"), outcomes.count("out_of_stock")) == (5, 15)
    async with shop.db.transaction(write=False) as session:
        spent = await session.scalar(select(func.count()).where(PointsEntry.kind == "spend"))
        coupons = await session.scalar(select(func.count()).select_from(Coupon))
    assert spent == coupons == 5
