"""An activity's prizes and money on a hand-made shop: three coupons won at 8.00 each on the
budget, one used on a 30.00 order, one used and refunded; one order with no coupon at all."""

from tests.analytics.store import (
    coupon_template,
    coupon_wheel,
    open_store,
    redeem,
    report,
    won_code,
)
from tests.factories import customer


async def _money_shop(client, db):
    shop = await open_store(client, db)
    template = await coupon_template(shop)
    wheel = await shop.live(coupon_wheel(template["id"], stock=3, cost=800, budget=10_000))
    await customer(db, shop.merchant, "erin", name="Erin")  # new since the wheel began
    codes = {who: await won_code(shop, wheel, who) for who in ("alice", "bob", "erin")}
    assert await won_code(shop, wheel, "dave") is None
    await redeem(shop, "alice", [codes["alice"]], "order-1", 3000)
    refunded = await redeem(shop, "bob", [codes["bob"]], "order-2", 3000)
    assert (await shop.call("post", f"/redemptions/{refunded['id']}/rollback")).status == 200
    await redeem(shop, "carol", [], "order-3", 2000)
    return shop, wheel


async def test_prizes_count_draws_grants_wins_and_stock_left(client, db) -> None:
    shop, wheel = await _money_shop(client, db)
    rows = {
        row["name"]: row
        for row in (await report(shop, f"/activities/{wheel['id']}/prizes"))["rows"]
    }
    coupon, thanks = rows["Five off"], rows["Thanks"]
    # dave's draw landed on the coupon, found it gone and fell back to the consolation prize
    assert (coupon["drawn"], coupon["plays"], coupon["wins"], coupon["winners"]) == (4, 3, 3, 3)
    assert (coupon["stock"], coupon["stock_left"], coupon["wins_last_24h"]) == (3, 0, 3)
    assert coupon["runs_out_before_end"] and coupon["runs_out_at"] is None
    assert (thanks["drawn"], thanks["plays"], thanks["wins"], thanks["winners"]) == (0, 1, 0, 0)
    assert thanks["stock"] is None and not thanks["runs_out_before_end"]
    path = f"/analytics/activities/{wheel['id']}/prizes"
    csv = (await shop.call("get", path, params={"format": "csv"})).text.splitlines()
    assert csv[1] == f"{coupon['prize_id']},Five off,false,1000000,800,4,3,3,3,3,0,3,,true"


async def test_money_weighs_cost_against_budget_and_influenced_revenue(client, db) -> None:
    shop, wheel = await _money_shop(client, db)
    money = await report(shop, f"/activities/{wheel['id']}/money")
    assert (money["budget"], money["budget_used"], money["budget_left"]) == (10_000, 2400, 7600)
    assert money["cost"] == {"discounts": 500, "points": 0, "codes": 0, "total": 500}
    # order-2 was refunded: of the two applied orders, one used the wheel's coupon
    assert (money["orders"], money["influenced_orders"], money["influence_rate"]) == (2, 1, 0.5)
    assert money["influenced_revenue"] == 2500  # 30.00 less the 5.00 off
    assert money["roi"] == 4.0  # (25.00 - 5.00) / 5.00
    new, returning = money["rows"]
    assert (new["customer_kind"], new["winners"], new["influenced_orders"]) == ("new", 1, 0)
    assert (returning["winners"], returning["influenced_revenue"], returning["roi"]) == (
        2,
        2500,
        4.0,
    )


async def test_money_of_a_prize_of_points_counts_its_configured_cost(client, db) -> None:
    shop = await open_store(client, db)
    wheel = coupon_wheel("unused", stock=2, cost=300)
    wheel["prizes"][0]["reward"] = {"type": "points", "amount": 50}
    wheel = await shop.live(wheel)
    for who in ("alice", "bob"):
        assert (await shop.play(wheel, who)).status == 200
    money = await report(shop, f"/activities/{wheel['id']}/money")
    assert money["cost"] == {"discounts": 0, "points": 600, "codes": 0, "total": 600}
    assert money["points_issued"] == 100 and money["roi"] == -1.0
    assert money["budget"] is None and money["budget_used"] is None


async def test_an_activity_of_another_merchant_is_not_found(client, db) -> None:
    _, wheel = await _money_shop(client, db)
    other = await open_store(client, db)
    for part in ("funnel", "prizes", "money"):
        response = await other.call("get", f"/analytics/activities/{wheel['id']}/{part}")
        assert response.status == 404, part
