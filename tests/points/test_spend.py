"""Spending and adjusting through the API (once per key, never below zero), and what a customer
sees of their points. Concurrent spending: test_ledger.py."""

from datetime import timedelta

from sqlalchemy import update

from core.clock import utcnow
from core.points.models import PointsLot
from tests.points.conftest import sqlite_only

SPEND = "/customers/alice/points/spend"
ADJUST = "/customers/alice/points/adjust"


async def spend(shop, points, key="k-1", reason="free delivery", path=SPEND):
    body = {"points": points, "reason": reason}
    return await shop.call("post", path, body, idempotency_key=key)


async def test_spend_returns_its_entry_and_the_new_balance(shop) -> None:
    await shop.earn("alice", 100)
    response = await spend(shop, 30)
    assert response.status == 201, response.text
    assert response.json["balance"] == 70
    entry = response.json["entry"]
    assert (entry["kind"], entry["points"], entry["reason"]) == ("spend", -30, "free delivery")


@sqlite_only
async def test_spending_more_than_the_balance_is_409_and_spends_nothing(shop) -> None:
    await shop.earn("alice", 20)
    response = await spend(shop, 21)
    assert (response.status, response.json["error"]["code"]) == (409, "insufficient_points")
    assert await shop.balance() == 20


async def test_a_retry_with_the_same_key_replays_the_answer_and_spends_once(shop) -> None:
    await shop.earn("alice", 100)
    first = await spend(shop, 30, key="checkout-9")
    again = await spend(shop, 30, key="checkout-9")
    assert first.json == again.json
    assert await shop.balance() == 70
    other_body = await spend(shop, 31, key="checkout-9")
    assert (other_body.status, other_body.json["error"]["code"]) == (409, "idempotency_key_reused")


@sqlite_only
async def test_the_same_key_for_another_customer_is_refused(shop) -> None:
    await shop.earn("alice", 100)
    await shop.earn("bob", 100)
    await spend(shop, 30, key="k")
    response = await spend(shop, 30, key="k", path="/customers/bob/points/spend")
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert await shop.balance("bob") == 100


@sqlite_only
async def test_spend_without_idempotency_key_is_400_and_spends_nothing(shop) -> None:
    await shop.earn("alice", 100)
    response = await shop.call("post", SPEND, {"points": 5})
    assert (response.status, response.json["error"]["field"]) == (400, "Idempotency-Key")
    assert await shop.balance() == 100


@sqlite_only
async def test_spend_for_an_unknown_customer_is_404(shop) -> None:
    response = await spend(shop, 5, path="/customers/nobody/points/spend")
    assert (response.status, response.json["error"]["code"]) == (404, "customer_not_found")


BAD_SPENDS = [
    ({"points": -5}, "points"),
    ({"points": 0}, "points"),
    ({"points": 2.5}, "points"),
    ({"points": "5"}, "points"),
    ({"points": 10**10}, "points"),
    ({}, "points"),
    ({"points": 5, "reason": "x" * 201}, "reason"),
    ({"points": 5, "note": "?"}, "note"),
]


@sqlite_only
async def test_each_bad_spend_is_422_naming_its_field(shop) -> None:
    await shop.earn("alice", 100)
    for n, (body, field) in enumerate(BAD_SPENDS):
        response = await shop.call("post", SPEND, body, idempotency_key=f"bad-{n}")
        assert (response.status, response.json["error"]["field"]) == (422, field), body
    assert await shop.balance() == 100


@sqlite_only
async def test_adjust_credits_and_debits_but_not_below_zero(shop) -> None:
    up = await shop.call("post", ADJUST, {"points": 40, "reason": "goodwill"}, idempotency_key="a")
    down = await shop.call("post", ADJUST, {"points": -15, "reason": "typo"}, idempotency_key="b")
    too_far = await shop.call("post", ADJUST, {"points": -26, "reason": "x"}, idempotency_key="c")
    assert (up.json["entry"]["kind"], up.json["balance"]) == ("adjust", 40)
    assert (down.json["entry"]["points"], down.json["balance"]) == (-15, 25)
    assert (too_far.status, too_far.json["error"]["code"]) == (409, "insufficient_points")


@sqlite_only
async def test_each_bad_adjustment_is_422_naming_its_field(shop) -> None:
    bodies = [({"points": 0, "reason": "x"}, "points"), ({"points": 5}, "reason")]
    for n, (body, field) in enumerate(bodies):
        response = await shop.call("post", ADJUST, body, idempotency_key=f"bad-{n}")
        assert (response.status, response.json["error"]["field"]) == (422, field), body


async def test_customer_points_show_balance_expiring_soon_and_ledger_newest_first(shop) -> None:
    for points in (10, 20, 30):
        await shop.earn("alice", points)
    async with shop.db.transaction() as session:  # the 20 expire within 30 days, the 30 later
        for points, days in ((20, 10), (30, 40)):
            await session.execute(
                update(PointsLot)
                .where(PointsLot.points == points)
                .values(expires_at=utcnow() + timedelta(days=days))
            )
    await spend(shop, 5)  # from the 20, which expire first
    first = (await shop.call("get", "/customers/alice/points?limit=3")).json
    assert (first["balance"], first["expiring_soon"]) == (55, 15)
    second = (await shop.call("get", f"/customers/alice/points?cursor={first['next_cursor']}")).json
    points = [entry["points"] for entry in first["entries"] + second["entries"]]
    assert points == [-5, 30, 20, 10]
    assert second["next_cursor"] is None


@sqlite_only
async def test_points_of_an_unknown_customer_are_404(shop) -> None:
    response = await shop.call("get", "/customers/nobody/points")
    assert (response.status, response.json["error"]["field"]) == (404, "customer")
