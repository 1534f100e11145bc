"""Checkout: validate changes nothing, redeem happens once per key and once per coupon, roll back
restores; on both databases."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.coupons.models import Coupon
from tests.factories import bearer, coupon_template, customer, merchant_with_key


def order(*items, currency="EUR", shipping=0, order_id="order-1") -> dict:
    lines = items or ({"sku": "TEA", "category": "drinks", "unit_amount": 1000, "quantity": 3},)
    return {"id": order_id, "currency": currency, "items": list(lines), "shipping_amount": shipping}


def line(**overrides) -> dict:
    return {"sku": "A", "unit_amount": 100, "quantity": 1, **overrides}


class Shop:
    """A merchant with a customer holding coupons, driven through the API."""

    def __init__(self, client, db) -> None:
        self.client, self.db = client, db

    async def open(self, name: str = "Shop") -> "Shop":
        self.merchant, self.key = await merchant_with_key(self.db, name=name)
        await customer(self.db, self.merchant, "alice")
        await customer(self.db, self.merchant, "bob")
        return self

    async def coupon(self, holder: str = "alice", **template) -> str:
        created = await coupon_template(self.db, self.merchant, **template)
        _, response = await self.client.post(
            f"/api/v1/coupon-templates/{created.id}/claim",
            headers=bearer(self.key),
            json={"customer": holder},
        )
        assert response.status == 201, response.text
        return response.json["code"]

    async def post(self, path: str, body: dict, key: str | None = None):
        headers = bearer(self.key)
        if key is not None:
            headers["Idempotency-Key"] = key
        _, response = await self.client.post(f"/api/v1{path}", headers=headers, json=body)
        return response

    async def validate(self, codes, the_order=None, holder="alice"):
        body = {"customer": holder, "codes": codes, "order": the_order or order()}
        return await self.post("/redemptions/validate", body)

    async def redeem(self, codes, key="k-1", the_order=None, holder="alice"):
        body = {"customer": holder, "codes": codes, "order": the_order or order()}
        return await self.post("/redemptions", body, key=key)

    async def coupon_status(self, code: str) -> str:
        _, response = await self.client.get(
            "/api/v1/customers/alice/coupons", headers=bearer(self.key)
        )
        return next(c["status"] for c in response.json["items"] if c["code"] == code)


@pytest.fixture
async def shop(client, db) -> Shop:
    return await Shop(client, db).open()


async def test_validate_quotes_and_changes_nothing(shop) -> None:
    code = await shop.coupon(amount_off=500)
    response = await shop.validate([code])
    assert response.status == 200, response.text
    quote = response.json
    assert (quote["order_total"], quote["total_discount"], quote["payable"]) == (3000, 500, 2500)
    assert quote["discounts"][0]["code"] == code
    assert await shop.coupon_status(code) == "available"


async def test_codes_are_accepted_in_any_case_with_or_without_dashes(shop) -> None:
    code = await shop.coupon()
    for typed in (code.lower(), code.replace("-", ""), f" {code.lower().replace('-', ' ')} "):
        quote = (await shop.validate([typed])).json
        assert quote["total_discount"] == 500, (typed, quote)


async def test_rejections_name_each_reason(shop) -> None:
    theirs = await shop.coupon(holder="bob")
    big_minimum = await shop.coupon(min_order_amount=10_000)
    scoped = await shop.coupon(scope={"categories": ["books"]})
    quote = (await shop.validate(["NOPE-NOPE", theirs, big_minimum, scoped])).json
    reasons = [(r["code"], r["reason"]) for r in quote["rejected"]]
    assert reasons == [
        ("NOPE-NOPE", "not_found"),
        (theirs, "not_owner"),
        (big_minimum, "min_order_not_met"),
        (scoped, "out_of_scope"),
    ]
    assert quote["total_discount"] == 0


async def test_expired_coupon_is_refused_before_any_job_runs(shop) -> None:
    code = await shop.coupon(valid_days=1)
    async with shop.db.transaction() as session:
        coupon = (await session.execute(select(Coupon))).scalars().first()
        coupon.valid_until = utcnow() - timedelta(seconds=1)
    quote = (await shop.validate([code])).json
    assert quote["rejected"] == [{"code": code, "reason": "expired"}]
    response = await shop.redeem([code])
    assert (response.status, response.json["error"]["code"]) == (409, "coupon_rejected")


async def test_promotion_applies_without_a_code_and_percent_comes_after_fixed(shop) -> None:
    await coupon_template(
        shop.db,
        shop.merchant,
        kind="percent",
        amount_off=None,
        percent_off=10,
        auto_apply=True,
        stackable=True,
        name="Autumn 10%",
    )
    code = await shop.coupon(amount_off=500, stackable=True)
    quote = (await shop.validate([code])).json
    kinds = [(d["kind"], d["amount"], d["position"]) for d in quote["discounts"]]
    assert kinds == [("fixed", 500, 1), ("percent", 250, 2)]
    assert quote["discounts"][1]["code"] is None
    assert quote["payable"] == 2250


async def test_second_non_stackable_coupon_is_refused(shop) -> None:
    first = await shop.coupon()
    second = await shop.coupon()
    quote = (await shop.validate([first, second])).json
    assert quote["rejected"] == [{"code": second, "reason": "not_stackable"}]


async def test_redeem_marks_used_and_the_same_key_replays_the_first_answer(shop) -> None:
    code = await shop.coupon()
    first = await shop.redeem([code], key="order-1-attempt")
    again = await shop.redeem([code], key="order-1-attempt")
    assert first.status == again.status == 201
    assert first.json == again.json
    assert await shop.coupon_status(code) == "used"
    reuse = await shop.redeem([code], key="another-key")
    assert (reuse.status, reuse.json["error"]["code"]) == (409, "coupon_rejected")
    assert reuse.json["error"]["field"] == "codes.0"


async def test_same_key_with_another_body_is_refused(shop) -> None:
    code = await shop.coupon()
    await shop.redeem([code], key="k")
    other = await shop.redeem([code], key="k", the_order=order(order_id="order-2"))
    assert (other.status, other.json["error"]["code"]) == (409, "idempotency_key_reused")


async def test_refusal_is_replayed_for_its_key_too(shop) -> None:
    first = await shop.redeem(["NOPE-NOPE"], key="k")
    again = await shop.redeem(["NOPE-NOPE"], key="k")
    assert first.status == again.status == 409
    assert first.json == again.json


async def test_redeem_without_idempotency_key_is_400_and_changes_nothing(shop) -> None:
    code = await shop.coupon()
    response = await shop.redeem([code], key=None)
    assert response.status == 400
    assert response.json["error"] == {
        "code": "idempotency_key_required",
        "message": response.json["error"]["message"],
        "field": "Idempotency-Key",
    }
    assert await shop.coupon_status(code) == "available"


async def test_one_coupon_is_redeemed_once_by_20_concurrent_redemptions(shop) -> None:
    code = await shop.coupon()
    responses = await asyncio.gather(*(shop.redeem([code], key=f"k-{n}") for n in range(20)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [201] + [409] * 19


async def test_concurrent_requests_with_one_key_take_effect_once(shop) -> None:
    codes = [await shop.coupon(stackable=True) for _ in range(2)]
    responses = await asyncio.gather(*(shop.redeem(codes, key="same") for _ in range(10)))
    assert {r.status for r in responses} == {201}
    assert len({r.json["id"] for r in responses}) == 1


async def test_rollback_makes_coupons_available_again_and_is_idempotent(shop) -> None:
    code = await shop.coupon()
    redemption = (await shop.redeem([code])).json
    first = await shop.post(f"/redemptions/{redemption['id']}/rollback", {})
    second = await shop.post(f"/redemptions/{redemption['id']}/rollback", {})
    assert first.status == second.status == 200
    assert first.json["status"] == "rolled_back"
    assert first.json["rolled_back_at"] == second.json["rolled_back_at"]
    assert await shop.coupon_status(code) == "available"
    assert (await shop.redeem([code], key="after-refund")).status == 201


async def test_rollback_of_another_merchants_redemption_is_404(shop, client, db) -> None:
    code = await shop.coupon()
    redemption = (await shop.redeem([code])).json
    other = await Shop(client, db).open(name="Other")
    response = await other.post(f"/redemptions/{redemption['id']}/rollback", {})
    assert (response.status, response.json["error"]["code"]) == (404, "redemption_not_found")
    assert await shop.coupon_status(code) == "used"


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order": order(currency="EURO")}, "order.currency"),
        ({"order": {**order(), "items": []}}, "order.items"),
        (
            {"order": order({"sku": "A", "unit_amount": -1, "quantity": 1})},
            "order.items.0.unit_amount",
        ),
        (
            {"order": order({"sku": "A", "unit_amount": 1.5, "quantity": 1})},
            "order.items.0.unit_amount",
        ),
        (
            {"order": order({"sku": "A", "unit_amount": 100, "quantity": 0})},
            "order.items.0.quantity",
        ),
        ({"order": order(*[{"sku": "A", "unit_amount": 1, "quantity": 1}] * 1001)}, "order.items"),
        ({"codes": ["X"] * 21}, "codes"),
        ({"customer": ""}, "customer"),
    ],
)
async def test_bad_order_is_422_naming_the_field(shop, change, field) -> None:
    body = {"customer": "alice", "codes": [], "order": order(), **change}
    response = await shop.post("/redemptions/validate", body)
    assert response.status == 422, response.text
    assert response.json["error"]["field"] == field


async def test_order_in_another_currency_rejects_codes(shop) -> None:
    code = await shop.coupon()
    quote = (await shop.validate([code], the_order=order(currency="USD"))).json
    assert quote["rejected"] == [{"code": code, "reason": "currency_mismatch"}]


async def promotion(shop, **overrides):
    fields = {"kind": "percent", "amount_off": None, "percent_off": 10, "auto_apply": True}
    return await coupon_template(shop.db, shop.merchant, **{**fields, **overrides})


async def test_a_coupon_that_shuts_the_promotion_out_is_named_in_validate_and_redeem(shop) -> None:
    autumn = await promotion(shop, name="Autumn 10%", stackable=True)
    code = await shop.coupon(amount_off=500)  # stackable is false by default
    left_out = {
        "code": None,
        "promotion_id": str(autumn.id),
        "name": "Autumn 10%",
        "reason": "not_stackable",
        "message": f"Not stackable with {code}, which applies and is used alone.",
        "blocked_by": {"code": code, "promotion_id": None, "name": "Five off"},
    }

    quote = (await shop.validate([code])).json
    redeemed = await shop.redeem([code])

    assert (quote["rejected"], quote["not_applied"]) == ([], [left_out])
    assert redeemed.json["not_applied"] == [left_out]
    _, read_later = await shop.client.get(
        f"/api/v1/redemptions/{redeemed.json['id']}", headers=bearer(shop.key)
    )
    assert read_later.json["not_applied"] == [left_out]


async def test_every_promotion_or_code_left_out_says_why(shop) -> None:
    await promotion(shop, name="Big baskets", min_order_amount=10_000, stackable=True)
    await promotion(shop, name="Books", scope={"categories": ["books"]}, stackable=True)
    ended = await promotion(shop, name="Summer", stackable=True)
    await promotion(shop, name="Winter", claim_starts_at=utcnow() + timedelta(days=9))
    await promotion(shop, name="Draft", status="draft")
    async with shop.db.transaction() as session:
        row = await session.get(type(ended), ended.id)
        row.valid_until = utcnow() - timedelta(minutes=1)
    theirs = await shop.coupon(holder="bob")

    quote = (await shop.validate(["NOPE-NOPE", theirs])).json

    why = {
        left["name"] or left["code"]: (left["reason"], left["message"])
        for left in quote["not_applied"]
    }
    assert why["NOPE-NOPE"] == ("not_found", "No coupon has this code.")
    assert why["Five off"] == ("not_owner", "This coupon belongs to another customer.")
    assert why["Big baskets"] == (
        "min_order_not_met",
        "Needs items worth 100.00 EUR (before discounts, shipping not counted); "
        "the order has 30.00 EUR.",
    )
    assert why["Books"] == (
        "out_of_scope",
        "This promotion applies only to categories books; no item of the order is.",
    )
    assert why["Summer"][0] == "expired" and why["Summer"][1].startswith("The promotion ended at")
    assert why["Winter"][0] == "not_yet_valid"
    assert "Draft" not in why, "a promotion that is not active is off, not left out"
    assert quote["rejected"] == [
        {"code": "NOPE-NOPE", "reason": "not_found"},
        {"code": theirs, "reason": "not_owner"},
    ]
    in_dollars = (await shop.validate([], order(currency="USD"))).json
    assert in_dollars["not_applied"][0]["message"] == (
        "This promotion is in EUR; the order is in USD."
    )


async def test_a_refused_redemption_says_why_in_words(shop) -> None:
    code = await shop.coupon(min_order_amount=10_000)
    response = await shop.redeem([code])
    assert (response.status, response.json["error"]["field"]) == (409, "codes.0")
    assert "Needs items worth 100.00 EUR" in response.json["error"]["message"]
