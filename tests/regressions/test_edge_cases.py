"""Edge cases found in review of activities, codes and rewards: each test once showed a bug."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.activities.models import Activity
from core.clock import utcnow
from tests.activities.shop import wheel, window
from tests.factories import coupon_template

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
POSTGRES_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)]
)


# --- activities ---------------------------------------------------------------------------------


@POSTGRES_ONLY
async def test_long_client_seed_is_accepted_on_postgres(shop) -> None:
    activity = await shop.live(wheel())
    response = await shop.play(activity, client_seed="s" * 64)
    assert response.status == 200, response.text


@POSTGRES_ONLY
async def test_large_budget_publishes_on_postgres(shop) -> None:
    created = await shop.created(wheel(budget=3_000_000_000))
    response = await shop.call("post", f"/activities/{created['id']}/publish")
    assert response.status == 200, response.text


@SQLITE_ONLY
async def test_marquee_with_two_prizes_of_one_name_never_fails_a_play(shop) -> None:
    prizes = [
        {"name": "Gold", "weight": 1_000_000, "reward": {"type": "points", "amount": 1}},
        {"name": "Gold", "weight": 1, "reward": {"type": "points", "amount": 2}},
        {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
    ]
    cells = ["Gold", "Thanks"] * 4
    created = await shop.created(wheel(kind="marquee", prizes=prizes, marquee={"cells": cells}))
    published = await shop.call("post", f"/activities/{created['id']}/publish")
    if published.status == 422:  # a fix may refuse duplicate names at publish: fine
        return
    response = await shop.play(published.json)
    assert response.status == 200, response.text


@SQLITE_ONLY
async def test_one_envelope_opening_records_one_opened_event(shop) -> None:
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Pot", **window(), "envelope": envelope}
    )
    assert (await shop.play(activity)).status == 200
    assert await shop.events("envelope.opened") == 1


@SQLITE_ONLY
async def test_activity_whose_seed_was_revealed_cannot_be_played_again(shop) -> None:
    activity = await shop.live(wheel())
    async with shop.db.transaction() as session:  # the window passes
        await session.execute(
            update(Activity)
            .where(Activity.id == uuid.UUID(activity["id"]))
            .values(ends_at=utcnow() - timedelta(seconds=1))
        )
    _, report = await shop.client.get(f"/a/{activity['slug']}/fairness")
    assert report.json["server_seed"]  # revealed to everyone
    later = (utcnow() + timedelta(hours=1)).isoformat()
    await shop.call("patch", f"/activities/{activity['id']}", {"ends_at": later})
    response = await shop.play(activity)
    assert response.status == 409, response.text


@SQLITE_ONLY
async def test_prize_whose_coupon_ran_out_falls_back_to_consolation(shop) -> None:
    template = await coupon_template(shop.db, shop.merchant, total_stock=1)
    prizes = [
        {
            "name": "Coupon",
            "weight": 1_000_000,
            "reward": {"type": "coupon", "template_id": str(template.id)},
        },
        {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
    ]
    activity = await shop.live(wheel(prizes=prizes))
    assert (await shop.play(activity, "alice")).status == 200
    second = await shop.play(activity, "bob")
    assert second.status == 200, second.text
    assert second.json["prize"]["consolation"] is True


@POSTGRES_ONLY
async def test_nul_in_activity_name_is_a_clear_error(shop) -> None:
    response = await shop.call("post", "/activities", wheel(name="Spring\x00wheel"))
    assert response.status in (201, 422), response.text


@SQLITE_ONLY
async def test_prize_refused_for_budget_keeps_its_stock(shop) -> None:
    gold = {
        "name": "Gold",
        "weight": 1_000_000,
        "stock": 5,
        "cost": 1000,
        "reward": {"type": "points", "amount": 1},
    }
    thanks = {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}}
    activity = await shop.live(wheel(budget=1500, prizes=[gold, thanks]))
    names = [(await shop.play(activity, who)).json["prize"]["name"] for who in ("alice", "bob")]
    assert names == ["Gold", "Thanks"]
    view = (await shop.call("get", f"/activities/{activity['id']}")).json
    assert view["prizes"][0]["remaining"] == 4  # one Gold won, four left


def group_pot(**rules) -> dict:
    envelope = {"pot": 1000, "shares": 10, "min_share": 1, "group_friends": 1}
    return {
        "kind": "red_envelope",
        "name": "Open together",
        **window(),
        "envelope": envelope,
        "rules": rules,
    }


@SQLITE_ONLY
async def test_a_customer_cannot_fill_their_own_group_envelope(shop) -> None:
    activity = await shop.live(group_pot(referral={"friends_per_unlock": 1, "extra_tries": 1}))
    group = (await shop.play(activity, "alice")).json["group"]
    assert (await shop.play(activity, "bob", referrer="alice")).status == 200  # alice: +1 try
    again = await shop.play(activity, "alice", group=group["id"])
    assert again.status == 409, again.text


@SQLITE_ONLY
async def test_winners_ticker_leaves_out_unpaid_group_members(shop) -> None:
    activity = await shop.live(group_pot())
    started = (await shop.play(activity, "alice")).json
    assert started["reward"]["type"] == "none"
    winners = (await shop.call("get", f"/activities/{activity['id']}/winners")).json["items"]
    assert winners == []


# --- codes --------------------------------------------------------------------------------------


@POSTGRES_ONLY
async def test_nul_in_redeemed_code_is_a_clear_error(shop) -> None:
    response = await shop.call("post", "/codes/redeem", {"customer": "alice", "code": "AB\x00C"})
    assert response.status in (404, 422), response.text


@SQLITE_ONLY
async def test_huge_csv_field_is_rejected_not_a_server_error(shop) -> None:
    batch = await shop.call("post", "/code-batches", {"name": "StreamCo", "kind": "imported"})
    response = await shop.call(
        "post",
        f"/code-batches/{batch.json['id']}/import",
        None,
        headers={"Content-Type": "text/csv"},
        content=b"A" * 200_000,
    )
    assert response.status == 422, response.text


@SQLITE_ONLY
async def test_generating_more_codes_than_are_left_free_is_refused(shop) -> None:
    from core.codes.schemas import CodeBatchCreate
    from core.codes.service import create_batch
    from core.errors import ConfettiError

    async def make() -> None:
        body = {
            "name": "Tiny",
            "kind": "generated",
            "count": 7,  # 29 possible codes: 4 x 7 fit, a fifth batch cannot
            "pattern": "#",
            "allow_low_entropy": True,
            "reward": {"type": "points", "amount": 1},
        }
        async with shop.db.transaction() as session:
            await create_batch(session, shop.merchant, CodeBatchCreate.model_validate(body))

    # 29 possible codes: batches of 7 run out of free codes within five batches, and the
    # one that cannot be filled is refused instead of searching forever.
    with pytest.raises(ConfettiError):
        async with asyncio.timeout(20):
            for _ in range(5):
                await make()


@POSTGRES_ONLY
async def test_concurrent_imports_of_one_file_add_stock_once(shop) -> None:
    from core.codes.models import Code
    from core.codes.service import get_batch, import_codes
    from core.stock.service import remaining_stock

    batch = await shop.call("post", "/code-batches", {"name": "StreamCo", "kind": "imported"})
    merchant_id, batch_id = shop.merchant.id, batch.json["id"]
    data = b"code\nAAA-1\nAAA-2\nAAA-3\n"
    first = shop.db.session()
    await first.begin()
    await import_codes(first, merchant_id, batch_id, data)

    async def second() -> tuple:
        async with shop.db.transaction() as session:
            return await import_codes(session, merchant_id, batch_id, data)

    task = asyncio.create_task(second())
    await asyncio.sleep(0.5)  # it counts 0 codes, then waits on the first one's rows
    await first.commit()
    await first.close()
    _, imported, _ = await task
    async with shop.db.transaction(write=False) as session:
        owner = (await get_batch(session, merchant_id, batch_id)).stock_owner
        stock = await remaining_stock(session, owner)
        codes = (
            await session.execute(select(func.count()).where(Code.batch_id == batch_id))
        ).scalar_one()
    assert (imported, stock, codes) == (0, 3, 3)
