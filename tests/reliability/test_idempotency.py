"""Idempotency by the Stripe rules, on every request that takes an Idempotency-Key and spends
something (a coupon redemption, a points spend, a points exchange): a replay returns the
identical answer, byte for byte, and takes nothing more; 20 concurrent requests with one key
have exactly the effect of one; the key with another body is refused and takes nothing."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from core.db import Database
from core.migrations import load_all_models
from tests.activities.shop import Shop
from tests.factories import template_body

CONCURRENT = 20


# Puts in place what a customer's request spends; returns the request: (path, body).
Prepare = Callable[[Shop, str], Awaitable[tuple[str, dict]]]


async def send(shop: Shop, path: str, body: dict, key: str):
    return await shop.call("post", path, body, headers={"Idempotency-Key": key})


async def created(shop: Shop, path: str, body: dict, **kwargs) -> dict:
    response = await shop.call("post", path, body, **kwargs)
    assert response.status == 201, response.text
    return response.json


async def give_points(shop: Shop, who: str, points: int = 100) -> None:
    body = {"points": points, "reason": "welcome"}
    path = f"/customers/{who}/points/adjust"
    await created(shop, path, body, headers={"Idempotency-Key": f"welcome-{who}"})


async def redemption(shop: Shop, who: str) -> tuple[str, dict]:
    template = await created(shop, "/coupon-templates", template_body(stackable=True))
    claim = f"/coupon-templates/{template['id']}/claim"
    codes = [(await created(shop, claim, {"customer": who}))["code"] for _ in range(2)]
    line = {"sku": "TEA", "unit_amount": 2000, "quantity": 1}
    order = {"id": f"order-of-{who}", "currency": "EUR", "items": [line]}
    return "/redemptions", {"customer": who, "codes": codes, "order": order}


async def points_spend(shop: Shop, who: str) -> tuple[str, dict]:
    await give_points(shop, who)
    return f"/customers/{who}/points/spend", {"points": 30, "reason": "free delivery"}


async def points_exchange(shop: Shop, who: str) -> tuple[str, dict]:
    await give_points(shop, who)
    template = await created(shop, "/coupon-templates", template_body())
    reward = {"type": "coupon", "template_id": template["id"]}
    item = await created(shop, "/points/catalogue", {"name": "Tea", "cost": 60, "reward": reward})
    return f"/customers/{who}/points/exchange", {"item": item["id"]}


EFFECTS = {
    "redemption": redemption,
    "points-spend": points_spend,
    "points-exchange": points_exchange,
}


@pytest.fixture(params=sorted(EFFECTS))
def prepare(request) -> Prepare:
    return EFFECTS[request.param]


async def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table: what an effect added, whatever the tables it touches."""
    async with db.transaction(write=False) as session:
        return {
            table.name: (
                await session.execute(select(func.count()).select_from(table))
            ).scalar_one()
            for table in load_all_models().metadata.sorted_tables
        }


async def added_by(db: Database, work: Callable[[], Awaitable]) -> tuple[object, dict[str, int]]:
    """What `work` added. It is started only once the rows are counted: a gather of tasks
    would start running during the count, and commit half into "before"."""
    before = await row_counts(db)
    outcome = await work()
    after = await row_counts(db)
    return outcome, {
        name: count - before[name] for name, count in after.items() if count != before[name]
    }


def same_answer(first, other) -> bool:
    return (first.status, first.body, first.headers["content-type"]) == (
        other.status,
        other.body,
        other.headers["content-type"],
    )


async def test_a_replay_returns_the_identical_answer_and_takes_nothing_more(
    shop: Shop, prepare: Prepare
) -> None:
    path, body = await prepare(shop, "alice")
    first = await send(shop, path, body, "replayed")
    assert first.status == 201, first.text
    replays, added = await added_by(
        shop.db, lambda: asyncio.gather(*(send(shop, path, body, "replayed") for _ in range(3)))
    )
    assert all(same_answer(first, replay) for replay in replays)
    assert added == {}


async def test_concurrent_requests_with_one_key_have_the_effect_of_one(
    shop: Shop, prepare: Prepare
) -> None:
    path, body = await prepare(shop, "alice")
    single, one_effect = await added_by(shop.db, lambda: send(shop, path, body, "single"))
    assert single.status == 201, single.text
    path, body = await prepare(shop, "bob")
    answers, added = await added_by(
        shop.db,
        lambda: asyncio.gather(*(send(shop, path, body, "shared") for _ in range(CONCURRENT))),
    )
    assert answers[0].status == 201, answers[0].text
    assert all(same_answer(answers[0], answer) for answer in answers)
    assert added == one_effect


async def test_the_key_with_another_body_is_refused_and_takes_nothing(
    shop: Shop, prepare: Prepare
) -> None:
    path, body = await prepare(shop, "alice")
    assert (await send(shop, path, body, "reused")).status == 201
    other_path, other_body = await prepare(shop, "bob")
    refused, added = await added_by(shop.db, lambda: send(shop, other_path, other_body, "reused"))
    assert (refused.status, refused.json["error"]["code"]) == (409, "idempotency_key_reused")
    assert added == {}
