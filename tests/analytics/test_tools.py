"""The per-tool reports on hand-made data: coupon templates, codes refused at checkout by
reason, points and their liability, and partner codes by batch."""

import asyncio

from tests.analytics.store import coupon_template, created, open_store, order, redeem, report

QUOTES = 40


async def _claimed(shop, template: dict, who: str) -> str:
    claim = await created(shop, f"/coupon-templates/{template['id']}/claim", {"customer": who})
    return claim["code"]


async def test_coupon_templates_claimed_redeemed_and_average_orders(client, db) -> None:
    shop = await open_store(client, db)
    five, idle = await coupon_template(shop), await coupon_template(shop, name="Idle")
    codes = [await _claimed(shop, five, who) for who in ("alice", "bob", "carol")]
    await redeem(shop, "alice", [codes[0]], "order-1", 3000)
    await redeem(shop, "bob", [codes[1]], "order-2", 5000)
    refunded = await redeem(shop, "carol", [codes[2]], "order-3", 9000)
    assert (await shop.call("post", f"/redemptions/{refunded['id']}/rollback")).status == 200
    await redeem(shop, "dave", [], "order-4", 2000)
    coupons = await report(shop, "/coupons")
    rows = {row["name"]: row for row in coupons["rows"]}
    assert (rows["Five off"]["claimed"], rows["Five off"]["redeemed"]) == (3, 2)
    assert rows["Five off"]["redemption_rate"] == 0.6667
    assert rows["Five off"]["discount_given"] == 1000
    assert (rows["Five off"]["orders"], rows["Five off"]["average_order"]) == (2, 4000)
    assert rows["Idle"] == rows["Idle"] | {"claimed": 0, "redeemed": 0, "redemption_rate": None}
    assert rows["Idle"]["average_order"] is None and idle["id"] == rows["Idle"]["template_id"]
    assert (coupons["orders_without_coupon"], coupons["average_order_without_coupon"]) == (1, 2000)
    refused = await shop.call("get", "/analytics/coupons", params={"channel": "web"})
    assert refused.status == 422 and refused.json["error"]["field"] == "channel"


async def test_refused_codes_are_counted_by_reason_and_a_clean_quote_by_none(client, db) -> None:
    shop = await open_store(client, db)
    five = await coupon_template(shop)
    minimum = await coupon_template(shop, name="Big spenders", min_order_amount=5000)
    used = await _claimed(shop, five, "alice")
    await redeem(shop, "alice", [used], "order-1", 3000)
    fresh, big = await _claimed(shop, five, "bob"), await _claimed(shop, minimum, "bob")
    quotes = [
        ("alice", [used, "NOPE-NOPE"]),
        ("bob", ["NOT-A-CODE", big]),
        ("bob", [fresh]),  # applies: nothing refused, nothing counted
    ]
    for who, codes in quotes:
        body = {"customer": who, "codes": codes, "order": order("quote", 1000)}
        assert (await shop.call("post", "/redemptions/validate", body)).status == 200
    refused = await report(shop, "/validations")
    assert refused["by_reason"] == {"min_order_not_met": 1, "not_found": 2, "used": 1}
    assert sum(row["failed"] for row in refused["rows"]) == 4
    assert (await report(shop, "/validations", channel="web"))["by_reason"] == {}


async def test_points_issued_spent_and_liability_at_the_set_value(client, db) -> None:
    shop = await open_store(client, db)
    settings = {"expiry": "never", "point_value": 0.5}
    assert (await shop.call("put", "/points/settings", settings)).status == 200
    await created(
        shop, "/points/rules", {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100}
    )
    paid = {
        "customer": "alice",
        "order_id": "o-1",
        "amount": 2990,
        "currency": "EUR",
        "status": "paid",
    }
    await created(shop, "/orders", paid)  # 29 points
    spend = await shop.call(
        "post", "/customers/alice/points/spend", {"points": 10}, headers={"Idempotency-Key": "s1"}
    )
    assert spend.status in (200, 201), spend.text
    points = await report(shop, "/points")
    assert (points["issued"], points["spent"], points["expired"]) == (29, 10, 0)
    assert points["outstanding"] == 19
    assert (points["point_value"], points["liability"]) == (0.5, 10)  # 9.5 rounds half up
    spend = next(row for row in points["rows"] if row["kind"] == "spend")
    assert (spend["entries"], spend["points"]) == (1, -10)


async def test_points_liability_is_unknown_until_a_value_is_set(client, db) -> None:
    shop = await open_store(client, db)
    points = await report(shop, "/points")
    assert (points["outstanding"], points["liability"], points["point_value"]) == (0, None, None)


async def test_partner_codes_handed_out_by_batch(client, db) -> None:
    shop = await open_store(client, db)
    batch = await created(shop, "/code-batches", {"name": "StreamCo", "kind": "imported"})
    imported = await shop.call(
        "post",
        f"/code-batches/{batch['id']}/import",
        None,
        content=b"code\nSTREAM-1\nSTREAM-2\nSTREAM-3\n",
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status == 200, imported.text
    await created(shop, f"/code-batches/{batch['id']}/assign", {"customer": "alice"})
    (row,) = (await report(shop, "/code-batches"))["rows"]
    assert (row["name"], row["codes"], row["available"]) == ("StreamCo", 3, 2)
    assert (row["assigned"], row["redeemed"]) == (1, 0)
    later = await report(shop, "/code-batches", **{"from": "2999-01-01T00:00:00Z"})
    assert later["rows"][0]["assigned"] == 0


async def test_bad_filters_are_refused_naming_the_parameter(client, db) -> None:
    shop = await open_store(client, db)
    for params, field in (
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}, "to"),
        ({"channel": "fax"}, "channel"),
        ({"format": "xml"}, "format"),
    ):
        response = await shop.call("get", "/analytics/validations", params=params)
        assert response.status == 422, params
        assert response.json["error"]["field"] == field


async def test_concurrent_refused_quotes_are_each_counted(client, db) -> None:
    shop = await open_store(client, db)
    body = {"customer": "alice", "codes": ["NO-SUCH-CODE"], "order": order("quote", 1000)}
    answers = await asyncio.gather(
        *(shop.call("post", "/redemptions/validate", body) for _ in range(QUOTES))
    )
    assert [answer.status for answer in answers] == [200] * QUOTES
    assert (await report(shop, "/validations"))["by_reason"] == {"not_found": QUOTES}
