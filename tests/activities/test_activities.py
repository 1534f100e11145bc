"""Activities through the API and the service: every kind playable, limits and stock hold,
draws are provably fair, on both databases."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.activities.flows import play
from core.activities.models import EnvelopeShare
from core.activities.schemas import PlayRequest
from core.clock import utcnow
from core.coupons.errors import OutOfStock
from core.merchants.models import Merchant
from tests.activities.shop import wheel, window
from tests.factories import bearer, coupon_template, customer, merchant_with_key

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def test_lucky_draw_plays_with_a_proof_and_limits_tries(shop) -> None:
    rules = {"tries_per_customer_per_day": 2, "tries_per_customer_total": 3}
    activity = await shop.live(wheel(rules=rules))
    assert activity["status"] == "live"
    assert activity["share_url"].endswith(f"/a/{activity['slug']}")
    first = await shop.play(activity, client_seed="lucky-7")
    assert first.status == 200, first.text
    result = first.json
    assert result["prize"]["name"] in {"Gold", "Thanks"}
    assert result["tries_left"] == 1
    assert result["proof"]["server_seed_hash"] == activity["server_seed_hash"]
    assert result["proof"]["client_seed"].endswith(":lucky-7")
    assert result["proof"]["nonce"] == 0
    assert (await shop.play(activity)).json["proof"]["nonce"] == 1
    third = await shop.play(activity)
    assert (third.status, third.json["error"]["code"]) == (409, "no_tries_left")


async def test_ended_activity_reveals_its_seed_and_every_try_checks_out(shop) -> None:
    activity = await shop.live(wheel())
    for who in ("alice", "bob", "carol", "dave"):
        assert (await shop.play(activity, who)).status == 200
    _, before = await shop.client.get(f"/a/{activity['slug']}/fairness")
    assert before.json["server_seed"] is None
    ended = await shop.call("post", f"/activities/{activity['id']}/end")
    assert ended.json["status"] == "ended" and ended.json["server_seed"]
    _, report = await shop.client.get(f"/a/{activity['slug']}/fairness")
    assert report.status == 200
    assert report.json["seed_matches_hash"] is True
    assert (report.json["tries_checked"], report.json["mismatches"]) == (4, [])
    refused = await shop.play(activity)
    assert (refused.status, refused.json["error"]["code"]) == (409, "not_live")


@SQLITE_ONLY
async def test_not_started_activity_refuses_tries(shop) -> None:
    activity = await shop.live(wheel(**window(start_minutes=30)))
    assert activity["status"] == "scheduled"
    response = await shop.play(activity)
    assert (response.status, response.json["error"]["code"]) == (409, "not_live")


@SQLITE_ONLY
async def test_publishing_an_invalid_activity_lists_every_problem(shop) -> None:
    body = wheel(prizes=[{"name": "Gold", "weight": 0, "reward": {"type": "none"}}])
    created = await shop.call("post", "/activities", body)
    response = await shop.call("post", f"/activities/{created.json['id']}/publish")
    assert (response.status, response.json["error"]["code"]) == (422, "activity_invalid")
    message = response.json["error"]["message"]
    assert "consolation" in message and "prizes.0.weight" in message
    marquee = await shop.call(
        "post", "/activities", wheel(kind="marquee", marquee={"cells": ["Gold"] * 7})
    )
    problems = (await shop.call("post", f"/activities/{marquee.json['id']}/publish")).json
    assert "exactly 8 cells" in problems["error"]["message"]
    assert "'Thanks' is on no cell" in problems["error"]["message"]


async def test_1000_concurrent_tries_never_give_more_prizes_than_stock(db) -> None:
    merchant, _ = await merchant_with_key(db)
    people = [f"p{n}" for n in range(100)]
    for person in people:
        await customer(db, merchant, person)
    from core.activities.schemas import ActivityCreate
    from core.activities.service import create_activity, publish

    body = wheel(
        prizes=[
            {"name": "Gold", "weight": 50, "stock": 7, "reward": {"type": "points", "amount": 5}},
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ]
    )
    async with db.transaction() as session:
        activity = await create_activity(session, merchant, ActivityCreate.model_validate(body))
        await publish(session, merchant.id, activity.id)

    async def attempt(person: str) -> str:
        async with db.transaction() as session:
            shop = await session.get(Merchant, merchant.id)
            result = await play(session, shop, activity.id, PlayRequest(customer=person))
            return result.prize.name

    prizes = await asyncio.gather(*(attempt(p) for p in people for _ in range(10)))
    assert prizes.count("Gold") == 7
    assert prizes.count("Thanks") == 993


@SQLITE_ONLY
async def test_budget_stops_costly_prizes(shop) -> None:
    body = wheel(
        budget=2500,
        prizes=[
            {
                "name": "Gold",
                "weight": 1000,
                "cost": 1000,
                "reward": {"type": "points", "amount": 1},
            },
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ],
    )
    activity = await shop.live(body)
    names = [
        (await shop.play(activity, who)).json["prize"]["name"]
        for who in ("alice", "bob", "carol", "dave")
    ]
    assert names.count("Gold") == 2
    _, view = await shop.client.get(
        f"/api/v1/activities/{activity['id']}", headers=bearer(shop.key)
    )
    assert view.json["budget_remaining"] == 500


@SQLITE_ONLY
async def test_marquee_result_names_a_cell_holding_the_prize(shop) -> None:
    cells = ["Gold", "Thanks", "Thanks", "Thanks", "Gold", "Thanks", "Thanks", "Thanks"]
    activity = await shop.live(wheel(kind="marquee", marquee={"cells": cells}))
    for who in ("alice", "bob", "carol"):
        result = (await shop.play(activity, who)).json
        assert cells[result["cell"]] == result["prize"]["name"]


async def test_red_envelope_shares_sum_to_the_pot_one_per_customer(shop) -> None:
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": envelope}
    )
    shares = []
    for who in ("alice", "bob", "carol", "dave"):
        result = (await shop.play(activity, who)).json
        assert result["reward"] == {
            "type": "points",
            "coupon": None,
            "points": result["share"],
            "code": None,
        }
        shares.append(result["share"])
    assert sum(shares) == 1000 and min(shares) >= 10
    again = await shop.play(activity, "alice")
    assert (again.status, again.json["error"]["code"]) == (409, "no_tries_left")
    _, view = await shop.client.get(
        f"/api/v1/activities/{activity['id']}", headers=bearer(shop.key)
    )
    assert (view.json["envelope"]["opened"], view.json["envelope"]["left"]) == (4, 0)


@SQLITE_ONLY
async def test_referred_friends_unlock_another_envelope_but_not_oneself(shop) -> None:
    envelope = {"pot": 1000, "shares": 10, "min_share": 1}
    rules = {"referral": {"friends_per_unlock": 2, "extra_tries": 1}}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Pot", **window(), "envelope": envelope, "rules": rules}
    )
    assert (await shop.play(activity, "alice", referrer="alice")).status == 200
    assert (await shop.play(activity, "alice")).status == 409
    assert (await shop.play(activity, "bob", referrer="alice")).status == 200
    assert (await shop.play(activity, "carol", referrer="alice")).status == 200
    assert (await shop.play(activity, "alice")).status == 200
    assert (await shop.play(activity, "alice")).status == 409


async def test_concurrent_envelope_openers_never_take_more_than_the_shares(db) -> None:
    merchant, _ = await merchant_with_key(db)
    people = [f"e{n}" for n in range(40)]
    for person in people:
        await customer(db, merchant, person)
    from core.activities.schemas import ActivityCreate
    from core.activities.service import create_activity, publish

    body = {
        "kind": "red_envelope",
        "name": "Pot",
        **window(),
        "envelope": {"pot": 500, "shares": 15, "min_share": 5},
    }
    async with db.transaction() as session:
        activity = await create_activity(session, merchant, ActivityCreate.model_validate(body))
        await publish(session, merchant.id, activity.id)

    async def attempt(person: str) -> int | None:
        try:
            async with db.transaction() as session:
                shop = await session.get(Merchant, merchant.id)
                return (await play(session, shop, activity.id, PlayRequest(customer=person))).share
        except OutOfStock:
            return None

    shares = [s for s in await asyncio.gather(*(attempt(p) for p in people)) if s is not None]
    assert len(shares) == 15 and sum(shares) == 500
    async with db.transaction(write=False) as session:
        opened = (await session.execute(select(EnvelopeShare.opened_by))).scalars().all()
    assert len(set(opened)) == 15


@SQLITE_ONLY
async def test_collection_page_claims_through_the_coupon_rules(shop) -> None:
    template = await coupon_template(shop.db, shop.merchant, total_stock=1)
    other = await coupon_template(shop.db, shop.merchant)
    activity = await shop.live(
        {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    )
    got = await shop.play(activity, template_id=str(template.id))
    assert got.json["reward"]["coupon"]["template_id"] == str(template.id)
    sold_out = await shop.play(activity, "bob", template_id=str(template.id))
    assert (sold_out.status, sold_out.json["error"]["code"]) == (409, "out_of_stock")
    elsewhere = await shop.play(activity, template_id=str(other.id))
    assert (elsewhere.status, elsewhere.json["error"]["field"]) == (422, "template_id")
    page = (await shop.call("get", f"/activities/{activity['id']}/collection?customer=alice")).json
    assert [(i["template"]["id"], i["held"]) for i in page["items"]] == [(str(template.id), 1)]
    assert page["items"][0]["template"]["remaining_stock"] == 0


async def test_a_prize_its_winner_may_not_have_takes_no_stock_and_publish_warns(shop) -> None:
    template = await coupon_template(shop.db, shop.merchant, per_customer_limit=1)
    main = {
        "name": "Main",
        "weight": 10**6,  # a consolation draw instead: one in a million
        "stock": 3,
        "reward": {"type": "coupon", "template_id": str(template.id)},
    }
    consolation = {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}}
    activity = await shop.live(wheel(prizes=[main, consolation]))
    assert "prizes.0.reward" in activity["warnings"][0]
    claimed = await shop.call(
        "post", f"/coupon-templates/{template.id}/claim", {"customer": "alice"}
    )
    assert claimed.status == 201, claimed.text
    tries = [(await shop.play(activity)).json for _ in range(3)]
    assert [t["prize"]["name"] for t in tries] == ["Thanks"] * 3
    view = (await shop.call("get", f"/activities/{activity['id']}")).json
    assert next(p for p in view["prizes"] if p["name"] == "Main")["remaining"] == 3
    won = (await shop.play(activity, "bob")).json
    assert won["prize"]["name"] == "Main" and won["reward"]["coupon"] is not None


@SQLITE_ONLY
async def test_points_cost_is_spent_with_the_try(shop) -> None:
    activity = await shop.live(wheel(rules={"points_cost": 10}))
    broke = await shop.play(activity)
    assert (broke.status, broke.json["error"]["code"]) == (409, "insufficient_points")
    from core.points.balances import points_balance
    from core.points.service import earn_points

    async with shop.db.transaction() as session:
        from core.customers.service import get_customer

        alice = await get_customer(session, shop.merchant.id, "alice")
        await earn_points(
            session, merchant_id=shop.merchant.id, customer_id=alice.id, points=15, reason="test"
        )
    assert (await shop.play(activity)).status == 200
    async with shop.db.transaction(write=False) as session:
        balance = await points_balance(session, shop.merchant.id, alice.id)
    assert balance in (5, 105)  # 15 - 10, plus 100 if Gold was won


@SQLITE_ONLY
async def test_winners_ticker_masks_names(shop) -> None:
    activity = await shop.live(
        wheel(
            prizes=[
                # Gold all but surely: the test is about masking, not about luck.
                {"name": "Gold", "weight": 10**6, "reward": {"type": "points", "amount": 1}},
                {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
            ]
        )
    )
    for who in ("alice", "bob", "carol", "dave"):
        await shop.play(activity, who)
    winners = (await shop.call("get", f"/activities/{activity['id']}/winners")).json["items"]
    assert winners and all(w["prize"] == "Gold" for w in winners)
    assert all(w["name"][1:4] == "***" for w in winners)


@SQLITE_ONLY
async def test_confetti_verify_rechecks_an_ended_activity(shop, settings, monkeypatch) -> None:
    from click.testing import CliRunner

    from web.cli import main

    activity = await shop.live(wheel())
    await shop.play(activity)
    monkeypatch.setenv("CONFETTI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONFETTI_SECRET_KEY", settings.secret_key)
    runner = CliRunner()
    args = ["verify", "--activity", activity["id"]]
    running = await asyncio.to_thread(runner.invoke, main, args)
    assert running.exit_code == 1 and "revealed when the activity ends" in running.output
    await shop.call("post", f"/activities/{activity['id']}/end")
    checked = await asyncio.to_thread(runner.invoke, main, args)
    assert checked.exit_code == 0, checked.output
    assert "Tries checked: 1; mismatches: 0" in checked.output


async def test_money_envelope_pays_each_share_as_a_fixed_coupon_worth_it(shop) -> None:
    envelope = {"pot": 2000, "pot_type": "money", "shares": 2, "min_share": 100}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Cash pot", **window(), "envelope": envelope}
    )
    result = (await shop.play(activity, "alice")).json
    coupon = result["reward"]["coupon"]
    assert coupon["kind"] == "fixed" and coupon["amount_off"] == result["share"]
    order = {
        "id": "o-1",
        "currency": "EUR",
        "items": [{"sku": "A", "unit_amount": 5000, "quantity": 1}],
    }
    quote = await shop.call(
        "post",
        "/redemptions/validate",
        {"customer": "alice", "codes": [coupon["code"]], "order": order},
    )
    assert quote.json["total_discount"] == result["share"], quote.text


def group_pot(friends: int = 2) -> dict:
    envelope = {"pot": 900, "shares": 9, "min_share": 10, "group_friends": friends}
    return {"kind": "red_envelope", "name": "Open together", **window(), "envelope": envelope}


async def test_group_envelope_pays_nobody_until_it_fills_then_everyone(shop) -> None:
    activity = await shop.live(group_pot(friends=2))
    started = (await shop.play(activity, "alice")).json
    assert started["reward"]["type"] == "none" and started["share"] is None
    group = started["group"]
    assert (group["status"], group["members"], group["needed"]) == ("open", 1, 3)
    joined = (await shop.play(activity, "bob", group=group["id"])).json
    assert joined["group"]["members"] == 2 and joined["reward"]["type"] == "none"
    last = (await shop.play(activity, "carol", group=group["id"])).json
    assert last["group"]["status"] == "paid"
    assert last["reward"]["type"] == "points" and last["share"] >= 10
    late = await shop.play(activity, "dave", group=group["id"])
    assert (late.status, late.json["error"]["code"]) == (409, "group_closed")
    from core.customers.service import get_customer
    from core.points.balances import points_balance

    async with shop.db.transaction(write=False) as session:
        alice = await get_customer(session, shop.merchant.id, "alice")
        assert await points_balance(session, shop.merchant.id, alice.id) >= 10


async def test_group_envelope_that_does_not_fill_expires_and_gives_back(shop) -> None:
    from core.activities.groups import expire_groups
    from core.activities.models import EnvelopeGroup

    activity = await shop.live(group_pot(friends=2))
    group = (await shop.play(activity, "alice")).json["group"]
    await shop.play(activity, "bob", group=group["id"])
    async with shop.db.transaction() as session:
        row = await session.get(EnvelopeGroup, __import__("uuid").UUID(group["id"]))
        row.deadline = utcnow() - timedelta(seconds=1)
    late = await shop.play(activity, "carol", group=group["id"])
    assert (late.status, late.json["error"]["code"]) == (409, "group_closed")
    async with shop.db.transaction() as session:
        assert await expire_groups(session) == 1
    _, view = await shop.client.get(
        f"/api/v1/activities/{activity['id']}", headers=bearer(shop.key)
    )
    assert view.json["envelope"]["left"] == 9
    again = (await shop.play(activity, "alice")).json
    assert again["group"]["status"] == "open"


@SQLITE_ONLY
async def test_patch_refuses_nulls_and_lowering_stock_once_live(shop) -> None:
    activity = await shop.live(wheel())
    path = f"/activities/{activity['id']}"
    null_name = await shop.call("patch", path, {"name": None})
    assert (null_name.status, null_name.json["error"]["field"]) == (422, "name")
    lowered = await shop.call("patch", path, {"prize_stock": {"Gold": 2}})
    assert (lowered.status, lowered.json["error"]["code"]) == (409, "fixed_once_published")
    raised = await shop.call("patch", path, {"prize_stock": {"Gold": 9}, "name": "Bigger"})
    assert raised.status == 200, raised.text
    gold = next(p for p in raised.json["prizes"] if p["name"] == "Gold")
    assert (gold["stock"], gold["remaining"], raised.json["name"]) == (9, 9, "Bigger")


async def test_restocking_a_prize_during_plays_never_answers_500(shop) -> None:
    activity = await shop.live(wheel(budget=None))
    path = f"/activities/{activity['id']}"
    players = ("alice", "bob", "carol", "dave") * 5
    responses = await asyncio.gather(
        *(shop.call("patch", path, {"prize_stock": {"Gold": 6 + n}}) for n in range(20)),
        *(shop.play(activity, who) for who in players),
    )
    assert [r.status for r in responses if r.status >= 500] == []
    assert {r.status for r in responses[20:]} == {200}
    gold = next(p for p in (await shop.call("get", path)).json["prizes"] if p["name"] == "Gold")
    won = sum(1 for r in responses[20:] if r.json["prize"]["name"] == "Gold")
    assert gold["remaining"] == gold["stock"] - won


@SQLITE_ONLY
async def test_draft_prizes_can_be_replaced_but_not_once_published(shop) -> None:
    created = (await shop.call("post", "/activities", wheel())).json
    path = f"/activities/{created['id']}"
    prizes = [{"name": "Only thanks", "consolation": True, "reward": {"type": "none"}}]
    replaced = await shop.call("patch", path, {"prizes": prizes})
    assert [p["name"] for p in replaced.json["prizes"]] == ["Only thanks"]
    await shop.call("post", f"{path}/publish")
    refused = await shop.call("patch", path, {"prizes": prizes})
    assert (refused.status, refused.json["error"]["code"]) == (409, "fixed_once_published")


@SQLITE_ONLY
async def test_new_customers_only_refuses_customers_seen_before(shop) -> None:
    activity = await shop.live(wheel(rules={"new_customers_only": True}))
    old = await shop.play(activity, "alice")
    assert (old.status, old.json["error"]["code"]) == (409, "not_eligible")
    await customer(shop.db, shop.merchant, "newcomer")
    assert (await shop.play(activity, "newcomer")).status == 200


@SQLITE_ONLY
async def test_views_are_recorded_as_events(shop) -> None:
    from core.events.models import Event

    activity = await shop.live(wheel())
    path = f"/activities/{activity['id']}/views"
    seen = await shop.call("post", path, {"customer": "alice", "channel": "telegram"})
    assert (seen.status, seen.json) == (202, {"recorded": True})
    anonymous = await shop.call("post", path, {})
    assert anonymous.status == 202
    async with shop.db.transaction(write=False) as session:
        views = (
            (await session.execute(select(Event.payload).where(Event.type == "activity.viewed")))
            .scalars()
            .all()
        )
    assert [v["channel"] for v in views] == ["telegram", "web"]
