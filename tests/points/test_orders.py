"""Orders earn by the per_amount rules and refunds take back what is left; once per order."""

import pytest

from tests.points.conftest import Shop, sqlite_only


def order(status: str = "paid", **overrides) -> dict:
    return {
        "customer": "alice",
        "order_id": "o-1",
        "amount": 2599,
        "currency": "EUR",
        "status": status,
        **overrides,
    }


@pytest.fixture
async def ruled_shop(shop: Shop) -> Shop:
    rule = {"kind": "per_amount", "points_per_unit": 1, "unit_amount": 100}
    assert (await shop.call("post", "/points/rules", rule)).status == 201
    return shop


async def test_paid_order_earns_a_point_per_whole_currency_unit(ruled_shop) -> None:
    response = await ruled_shop.call("post", "/orders", order(amount=2599))
    assert response.status == 200, response.text
    assert response.json == {
        "order_id": "o-1",
        "customer": "alice",
        "status": "paid",
        "points_earned": 25,
        "points_reversed": 0,
        "balance": 25,
    }


async def test_order_reported_paid_twice_earns_once(ruled_shop) -> None:
    first = await ruled_shop.call("post", "/orders", order())
    again = await ruled_shop.call("post", "/orders", order(amount=99_999))
    assert first.json == again.json
    assert await ruled_shop.balance() == 25


async def test_refund_reverses_what_the_order_earned(ruled_shop) -> None:
    await ruled_shop.call("post", "/orders", order())
    response = await ruled_shop.call("post", "/orders", order("refunded"))
    assert (response.json["points_reversed"], response.json["balance"]) == (25, 0)
    assert response.json["status"] == "refunded"


async def test_refund_after_partial_spending_reverses_only_what_is_left(ruled_shop) -> None:
    await ruled_shop.earn("alice", 10)  # older, never-expiring points of another cause
    await ruled_shop.call("post", "/orders", order(amount=5000))
    spent = await ruled_shop.call(
        "post", "/customers/alice/points/spend", {"points": 45}, idempotency_key="s"
    )
    assert spent.json["balance"] == 15
    response = await ruled_shop.call("post", "/orders", order("refunded", amount=5000))
    assert response.json["points_earned"] == 50
    assert response.json["points_reversed"] == 15
    assert response.json["balance"] == 0


async def test_refund_is_reversed_once_and_a_late_paid_report_earns_nothing(ruled_shop) -> None:
    refunded = await ruled_shop.call("post", "/orders", order("refunded"))
    again = await ruled_shop.call("post", "/orders", order("refunded"))
    late_paid = await ruled_shop.call("post", "/orders", order())
    assert refunded.json == again.json == late_paid.json
    assert (late_paid.json["points_earned"], late_paid.json["status"]) == (0, "refunded")
    ledger = (await ruled_shop.call("get", "/customers/alice/points")).json["entries"]
    assert [(entry["kind"], entry["points"]) for entry in ledger] == [("reverse", 0)]


@sqlite_only
async def test_order_without_rules_earns_nothing(shop) -> None:
    response = await shop.call("post", "/orders", order())
    assert (response.status, response.json["points_earned"]) == (200, 0)


@sqlite_only
async def test_order_in_another_currency_is_currency_mismatch(ruled_shop) -> None:
    response = await ruled_shop.call("post", "/orders", order(currency="USD"))
    assert response.status == 422
    assert response.json["error"]["code"] == "currency_mismatch"
    assert response.json["error"]["field"] == "currency"
    assert await ruled_shop.balance() == 0


async def test_order_of_another_customer_is_refused(ruled_shop) -> None:
    await ruled_shop.call("post", "/orders", order())
    response = await ruled_shop.call("post", "/orders", order("refunded", customer="bob"))
    assert (response.status, response.json["error"]["field"]) == (422, "customer")
    assert await ruled_shop.balance() == 25


@sqlite_only
async def test_order_for_an_unknown_customer_is_404(ruled_shop) -> None:
    response = await ruled_shop.call("post", "/orders", order(customer="nobody"))
    assert (response.status, response.json["error"]["field"]) == (404, "customer")


BAD_ORDERS = [
    ({"amount": -1}, "amount"),
    ({"amount": 10.5}, "amount"),
    ({"amount": "100"}, "amount"),
    ({"currency": "EURO"}, "currency"),
    ({"status": "shipped"}, "status"),
    ({"order_id": ""}, "order_id"),
    ({"customer": "no spaces"}, "customer"),
]


@sqlite_only
async def test_each_bad_order_is_422_naming_its_field(ruled_shop) -> None:
    for change, field in BAD_ORDERS:
        response = await ruled_shop.call("post", "/orders", order(**change))
        assert (response.status, response.json["error"]["field"]) == (422, field), change
    assert await ruled_shop.balance() == 0
