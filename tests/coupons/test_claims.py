"""Claiming coupons: windows, limits and stock hold, under real concurrency on both databases."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.clock import utcnow
from core.coupons.errors import LimitReached, OutOfStock
from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.stock.service import remaining_stock
from tests.factories import bearer, coupon_template, customer, merchant_with_key


async def test_500_concurrent_claims_never_exceed_stock_or_limit(db) -> None:
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=40, per_customer_limit=1)
    customers = [f"c{n}" for n in range(50)]
    for external_id in customers:
        await customer(db, merchant, external_id)

    async def claim(external_id: str) -> str:
        try:
            async with db.transaction() as session:
                await claim_coupon(session, merchant.id, template.id, external_id)
        except (OutOfStock, LimitReached) as refusal:
            return refusal.code
        return "claimed"

    outcomes = await asyncio.gather(*(claim(c) for c in customers for _ in range(10)))
    assert outcomes.count("claimed") == 40
    assert set(outcomes) == {"claimed", "out_of_stock", "limit_reached"}
    async with db.transaction(write=False) as session:
        per_customer = (
            await session.execute(
                select(Coupon.customer_id, func.count()).group_by(Coupon.customer_id)
            )
        ).all()
    assert sum(count for _, count in per_customer) == 40
    assert max(count for _, count in per_customer) == 1


async def test_claim_returns_a_coupon_with_a_readable_code(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant, valid_days=7)
    await customer(db, merchant, "alice")
    _, response = await client.post(
        f"/api/v1/coupon-templates/{template.id}/claim",
        headers=bearer(key),
        json={"customer": "alice"},
    )
    assert response.status == 201, response.text
    coupon = response.json
    assert coupon["status"] == "available"
    assert len(coupon["code"]) == 11 and coupon["code"][5] == "-"
    assert not set(coupon["code"].replace("-", "")) & set("01OIL")
    assert coupon["valid_until"] is not None


async def _claim(client, key, template_id, external_id="alice"):
    _, response = await client.post(
        f"/api/v1/coupon-templates/{template_id}/claim",
        headers=bearer(key),
        json={"customer": external_id},
    )
    return response


async def test_claim_refusals_have_their_codes(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    now = utcnow()
    later = await coupon_template(
        db, merchant, claim_starts_at=(now + timedelta(hours=1)).isoformat()
    )
    closed = await coupon_template(
        db,
        merchant,
        claim_starts_at=(now - timedelta(hours=2)).isoformat(),
        claim_ends_at=(now - timedelta(hours=1)).isoformat(),
    )
    sold_out = await coupon_template(db, merchant, total_stock=0)
    limited = await coupon_template(db, merchant, per_customer_limit=1)
    draft = await coupon_template(db, merchant, status="draft")
    promotion = await coupon_template(db, merchant, auto_apply=True)

    expectations = {
        later.id: "claim_not_open",
        closed.id: "claim_closed",
        sold_out.id: "out_of_stock",
        draft.id: "template_inactive",
        promotion.id: "promotion_not_claimable",
    }
    for template_id, code in expectations.items():
        response = await _claim(client, key, template_id)
        assert (response.status, response.json["error"]["code"]) == (409, code)
    assert (await _claim(client, key, limited.id)).status == 201
    second = await _claim(client, key, limited.id)
    assert (second.status, second.json["error"]["code"]) == (409, "limit_reached")


async def test_flash_sale_reports_seconds_until_it_opens(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    opens = utcnow() + timedelta(minutes=10)
    template = await coupon_template(db, merchant, total_stock=5, claim_starts_at=opens.isoformat())
    _, response = await client.get(f"/api/v1/coupon-templates/{template.id}", headers=bearer(key))
    assert 590 <= response.json["seconds_until_open"] <= 600
    assert response.json["remaining_stock"] == 5
    claimed = await _claim(client, key, template.id)
    assert "opens in" in claimed.json["error"]["message"]


async def test_unknown_customer_or_other_merchants_template_is_404(client, db) -> None:
    merchant_a, key_a = await merchant_with_key(db, name="A")
    merchant_b, _ = await merchant_with_key(db, name="B")
    await customer(db, merchant_a, "alice")
    theirs = await coupon_template(db, merchant_b)
    ours = await coupon_template(db, merchant_a)
    response = await _claim(client, key_a, theirs.id)
    assert (response.status, response.json["error"]["code"]) == (404, "template_not_found")
    response = await _claim(client, key_a, ours.id, "nobody")
    assert (response.status, response.json["error"]["field"]) == (404, "customer")


async def test_bulk_issue_reports_each_customer_and_respects_stock(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=2)
    for external_id in ("a", "b", "c"):
        await customer(db, merchant, external_id)
    _, response = await client.post(
        "/api/v1/coupons/issue",
        headers=bearer(key),
        json={"template_id": str(template.id), "customers": ["a", "b", "c", "ghost"]},
    )
    assert response.status == 200, response.text
    result = response.json
    assert (result["issued"], result["refused"]) == (2, 2)
    reasons = {o["customer"]: o["reason"] for o in result["outcomes"]}
    assert reasons == {"a": None, "b": None, "c": "out_of_stock", "ghost": "customer_not_found"}


async def test_customer_coupons_filter_by_status_including_unswept_expiry(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    fresh = await coupon_template(db, merchant)
    now = utcnow()
    ending = await coupon_template(
        db,
        merchant,
        valid_from=(now - timedelta(days=2)).isoformat(),
        valid_until=(now + timedelta(seconds=1)).isoformat(),
    )
    await _claim(client, key, fresh.id)
    await _claim(client, key, ending.id)
    async with db.transaction() as session:
        coupon = (
            await session.execute(select(Coupon).where(Coupon.template_id == ending.id))
        ).scalar_one()
        coupon.valid_until = now - timedelta(seconds=1)  # expired, and no job has run
    base = "/api/v1/customers/alice/coupons"
    _, available = await client.get(f"{base}?status=available", headers=bearer(key))
    _, expired = await client.get(f"{base}?status=expired", headers=bearer(key))
    _, everything = await client.get(base, headers=bearer(key))
    assert [c["template_id"] for c in available.json["items"]] == [str(fresh.id)]
    assert [c["status"] for c in expired.json["items"]] == ["expired"]
    assert len(everything.json["items"]) == 2
    _, bad = await client.get(f"{base}?status=lost", headers=bearer(key))
    assert (bad.status, bad.json["error"]["field"]) == (422, "status")


async def test_stock_edits_during_claims_never_answer_500_and_keep_stock_exact(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=100, stock_shards=2)
    for n in range(30):
        await customer(db, merchant, f"c{n}")
    path = f"/api/v1/coupon-templates/{template.id}"

    async def edit(total: int):
        _, response = await client.patch(path, headers=bearer(key), json={"total_stock": total})
        return response

    async def claim(external_id: str):
        _, response = await client.post(
            f"{path}/claim", headers=bearer(key), json={"customer": external_id}
        )
        return response

    responses = await asyncio.gather(
        *(edit(100 + n) for n in range(30)), *(claim(f"c{n}") for n in range(30))
    )
    assert [r.status for r in responses if r.status >= 500] == []
    assert {r.status for r in responses[30:]} == {201}
    final = (await client.get(path, headers=bearer(key)))[1].json
    assert final["issued_count"] == 30
    assert final["remaining_stock"] == final["total_stock"] - 30


async def _redeem(client, key, code: str, external_id: str = "alice") -> None:
    order = {
        "id": f"o-{code}",
        "currency": "EUR",
        "items": [{"sku": "A", "unit_amount": 5000, "quantity": 1}],
    }
    body = {"customer": external_id, "codes": [code], "order": order}
    headers = {**bearer(key), "Idempotency-Key": f"k-{code}"}
    _, response = await client.post("/api/v1/redemptions", headers=headers, json=body)
    assert response.status == 201, response.text


async def test_a_limit_reached_by_a_used_coupon_says_used_coupons_count(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    template = await coupon_template(db, merchant, per_customer_limit=1)
    first = await _claim(client, key, template.id)
    await _redeem(client, key, first.json["code"])

    again = await _claim(client, key, template.id)

    assert (again.status, again.json["error"]["code"]) == (409, "limit_reached")
    assert again.json["error"]["message"] == (
        "This customer has already had 1 coupon of this template, the most one customer may "
        "have; used and expired coupons count too."
    )


async def test_every_coupon_view_carries_the_terms_of_its_kind(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    kinds = {
        "percent": {"percent_off": 15, "max_discount": 2000, "amount_off": None},
        "threshold": {"threshold": 3000, "amount_off": 500, "min_order_amount": 1000},
        "free_order": {"max_discount": 4000, "amount_off": None},
        "fixed": {"amount_off": 500, "scope": {"categories": ["tea"], "skus": []}},
    }
    claimed = {}
    for kind, terms in kinds.items():
        template = await coupon_template(db, merchant, kind=kind, **terms)
        claimed[kind] = (await _claim(client, key, template.id)).json
    _, listed = await client.get("/api/v1/customers/alice/coupons", headers=bearer(key))

    assert (claimed["percent"]["percent_off"], claimed["percent"]["max_discount"]) == (15, 2000)
    assert (claimed["threshold"]["threshold"], claimed["threshold"]["amount_off"]) == (3000, 500)
    assert claimed["threshold"]["min_order_amount"] == 1000
    assert claimed["free_order"]["max_discount"] == 4000
    assert claimed["fixed"]["scope"] == {"skus": [], "categories": ["tea"]}
    assert {c["currency"] for c in claimed.values()} == {"EUR"}
    assert sorted(listed.json["items"], key=lambda c: c["code"]) == sorted(
        claimed.values(), key=lambda c: c["code"]
    )


async def test_last_units_of_a_sharded_template_still_sell_when_the_picked_shard_is_empty(db):
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=3, stock_shards=16)
    for n in range(4):
        await customer(db, merchant, f"last-{n}")
    for n in range(3):  # 13 of the 16 shards are empty: most picks land on an empty one
        async with db.transaction() as session:
            await claim_coupon(session, merchant.id, template.id, f"last-{n}")
    with pytest.raises(OutOfStock):
        async with db.transaction() as session:
            await claim_coupon(session, merchant.id, template.id, "last-3")
    async with db.transaction(write=False) as session:
        assert await remaining_stock(session, template.stock_owner) == 0
