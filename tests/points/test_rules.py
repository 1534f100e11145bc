"""Earning rules through the API, and the bonuses they award: once per occasion. A rule that
duplicates one in force is refused, so nothing is paid twice."""

import asyncio
from datetime import date

from core import demo
from core.points.balances import points_balance
from core.points.rules import award_birthdays, award_for_activity, award_signup, create_rule
from core.points.schemas import RuleCreate
from tests.factories import customer
from tests.points.conftest import Shop, sqlite_only


async def add_rule(db, merchant, **rule) -> None:
    async with db.transaction() as session:
        await create_rule(session, merchant.id, RuleCreate(**rule))


async def balance(db, merchant, holder) -> int:
    async with db.transaction(write=False) as session:
        return await points_balance(session, merchant.id, holder.id)


async def test_rules_are_added_listed_and_deleted(shop) -> None:
    per_amount = {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100}
    created = await shop.call("post", "/points/rules", per_amount)
    await shop.call("post", "/points/rules", {"kind": "signup", "points": 50})
    assert created.status == 201, created.text
    assert created.json["points_per_unit"] == 1 and created.json["points"] is None
    deleted = await shop.call("delete", f"/points/rules/{created.json['id']}")
    assert deleted.json == created.json
    listed = (await shop.call("get", "/points/rules")).json["items"]
    assert [(rule["kind"], rule["points"]) for rule in listed] == [("signup", 50)]


@sqlite_only
async def test_deleting_another_merchants_rule_is_404(shop, open_shop) -> None:
    theirs = await open_shop(name="Other")
    rule = await theirs.call("post", "/points/rules", {"kind": "signup", "points": 5})
    response = await shop.call("delete", f"/points/rules/{rule.json['id']}")
    assert (response.status, response.json["error"]["code"]) == (404, "rule_not_found")
    assert len((await theirs.call("get", "/points/rules")).json["items"]) == 1


BAD_RULES = [
    ({"kind": "per_amount", "points_per_unit": 1}, "unit_amount"),
    ({"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100, "points": 3}, "points"),
    ({"kind": "signup"}, "points"),
    ({"kind": "signup", "points": 0}, "points"),
    ({"kind": "signup", "points": -5}, "points"),
    ({"kind": "birthday", "points": 2.5}, "points"),
    ({"kind": "activity", "points": 5, "unit_amount": 100}, "unit_amount"),
    ({"kind": "per_amount", "points_per_unit": 1, "unit_amount": 0}, "unit_amount"),
    ({"kind": "referral", "points": 5}, "kind"),
]


@sqlite_only
async def test_each_bad_rule_is_422_naming_its_field(shop) -> None:
    for body, field in BAD_RULES:
        response = await shop.call("post", "/points/rules", body)
        assert (response.status, response.json["error"]["field"]) == (422, field), body
    assert (await shop.call("get", "/points/rules")).json["items"] == []


async def test_signup_bonus_is_awarded_once(db, shop) -> None:
    await add_rule(db, shop.merchant, kind="signup", points=50)
    holder = await customer(db, shop.merchant, "carol")
    for _ in range(2):
        async with db.transaction() as session:
            assert await award_signup(session, shop.merchant.id, holder) == 50
    assert await balance(db, shop.merchant, holder) == 50


async def test_without_a_rule_there_is_no_bonus(db, shop) -> None:
    holder = await customer(db, shop.merchant, "carol")
    async with db.transaction() as session:
        assert await award_signup(session, shop.merchant.id, holder) == 0


async def test_activity_points_are_awarded_once_per_customer_and_activity_ref(db, shop) -> None:
    await add_rule(db, shop.merchant, kind="activity", points=10)
    alice = await customer(db, shop.merchant, "alice")
    bob = await customer(db, shop.merchant, "bob")
    async with db.transaction() as session:
        for holder, ref in (
            (alice, "draw-1"),
            (alice, "draw-1"),
            (alice, "draw-2"),
            (bob, "draw-1"),
        ):
            assert (
                await award_for_activity(session, shop.merchant.id, holder, activity_ref=ref) == 10
            )
    assert await balance(db, shop.merchant, alice) == 20
    assert await balance(db, shop.merchant, bob) == 10


async def test_birthday_bonus_is_awarded_once_a_year(db, shop) -> None:
    await add_rule(db, shop.merchant, kind="birthday", points=100)
    born = await customer(db, shop.merchant, "carol", birthday=date(1990, 6, 3))
    await customer(db, shop.merchant, "dave", birthday=date(1990, 6, 4))
    for today, credited in ((date(2026, 6, 3), 1), (date(2026, 6, 3), 0), (date(2027, 6, 3), 1)):
        async with db.transaction() as session:
            assert await award_birthdays(session, shop.merchant, today) == credited
    assert await balance(db, shop.merchant, born) == 200


@sqlite_only
async def test_29_february_birthdays_are_celebrated_on_28_february_in_other_years(db, shop) -> None:
    await add_rule(db, shop.merchant, kind="birthday", points=100)
    await customer(db, shop.merchant, "leap", birthday=date(2000, 2, 29))
    async with db.transaction() as session:
        assert await award_birthdays(session, shop.merchant, date(2027, 2, 28)) == 1
        assert await award_birthdays(session, shop.merchant, date(2028, 2, 28)) == 0
        assert await award_birthdays(session, shop.merchant, date(2028, 2, 29)) == 1


GUIDE_RULE = {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100}  # docs/api.md's


async def test_the_guides_rule_on_the_demo_shop_is_refused_and_orders_earn_once(client, db) -> None:
    async with db.transaction() as session:
        merchant, key = await demo.ensure_demo_merchant(session, db.settings.secret_key)
    demo_shop = Shop(client, db, merchant, key)
    listed = (await demo_shop.call("get", "/points/rules")).json["items"]
    in_force = next(rule for rule in listed if rule["kind"] == "per_amount")

    refused = await demo_shop.call("post", "/points/rules", GUIDE_RULE)

    assert (refused.status, refused.json["error"]["code"]) == (409, "duplicate_rule")
    assert in_force["id"] in refused.json["error"]["message"]
    await customer(db, merchant, "shop-user-1042")
    paid = {"customer": "shop-user-1042", "order_id": "o-1", "amount": 2990, "status": "paid"}
    earned = await demo_shop.call("post", "/orders", {**paid, "currency": merchant.currency})
    assert earned.json["points_earned"] == 29


@sqlite_only
async def test_a_second_bonus_rule_of_a_kind_is_refused_whatever_its_points(shop) -> None:
    for kind in ("signup", "birthday", "activity"):
        first = await shop.call("post", "/points/rules", {"kind": kind, "points": 50})
        second = await shop.call("post", "/points/rules", {"kind": kind, "points": 80})
        assert (second.status, second.json["error"]["code"]) == (409, "duplicate_rule"), kind
        assert first.json["id"] in second.json["error"]["message"]
    assert len((await shop.call("get", "/points/rules")).json["items"]) == 3


@sqlite_only
async def test_a_per_amount_rule_at_the_same_rate_in_other_numbers_is_refused(shop) -> None:
    assert (await shop.call("post", "/points/rules", GUIDE_RULE)).status == 201
    same_rate = {"kind": "per_amount", "points_per_unit": 2, "unit_amount": 200}
    refused = await shop.call("post", "/points/rules", same_rate)
    assert (refused.status, refused.json["error"]["code"]) == (409, "duplicate_rule")


@sqlite_only
async def test_per_amount_rules_at_different_rates_add_up_and_the_answer_says_so(shop) -> None:
    base = await shop.call("post", "/points/rules", GUIDE_RULE)
    bonus_rate = {"kind": "per_amount", "points_per_unit": 5, "unit_amount": 1000}
    bonus = await shop.call("post", "/points/rules", bonus_rate)
    assert (base.json["warnings"], bonus.status) == ([], 201)
    assert len(bonus.json["warnings"]) == 1 and base.json["id"] in bonus.json["warnings"][0]
    paid = {"customer": "alice", "order_id": "o-1", "amount": 2990, "currency": "EUR"}
    earned = await shop.call("post", "/orders", {**paid, "status": "paid"})
    assert earned.json["points_earned"] == 29 + 10


async def test_ten_identical_rules_sent_at_once_make_one_rule(shop) -> None:
    answers = await asyncio.gather(
        *(shop.call("post", "/points/rules", GUIDE_RULE) for _ in range(10))
    )
    assert sorted(answer.status for answer in answers) == [201] + [409] * 9
    assert len((await shop.call("get", "/points/rules")).json["items"]) == 1
