"""The cashier screen: a coupon's code looked up, what it grants shown, and redeemed once
against the amount typed, through core.redemptions."""

import pytest
from sqlalchemy import select

from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.staff.models import Role
from tests.factories import coupon_template, customer
from tests.web.console.staff import csrf_token, log_in, staff


@pytest.fixture
async def code(db, merchant) -> str:
    """A coupon of 5.00 off orders of 20.00 or more, held by a customer."""
    template = await coupon_template(db, merchant, min_order_amount=2000)
    await customer(db, merchant, "shop-user-1")
    async with db.transaction() as session:
        coupon, _, _ = await claim_coupon(session, merchant.id, template.id, "shop-user-1")
    return coupon.code


@pytest.fixture
async def till(client, db, merchant) -> None:
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")


async def _coupon(db) -> Coupon:
    async with db.transaction(write=False) as session:
        return (await session.execute(select(Coupon))).scalar_one()


async def _look_up(client, code: str):
    _, page = await client.get(f"/console/cashier/?code={code}")
    return page


async def _redeem(client, page, code: str, amount: str):
    order_id = page.text.split('name="order_id" value="')[1].split('"')[0]
    form = {
        "csrf_token": csrf_token(page.text),
        "code": code,
        "amount": amount,
        "order_id": order_id,
    }
    _, response = await client.post("/console/cashier/redeem", data=form)
    return response


async def test_a_cashier_lands_on_the_cashier_screen(client, db, till) -> None:
    _, home = await client.get("/console/")
    assert home.status == 303 and home.headers["location"] == "/console/cashier/"
    _, page = await client.get("/console/cashier/")
    assert page.status == 200 and 'href="/console/coupons"' not in page.text


async def test_a_code_typed_in_lower_case_without_dashes_shows_what_it_grants(
    client, code, till
) -> None:
    page = await _look_up(client, code.lower())
    assert page.status == 200
    assert "Five off" in page.text and "€5.00 off" in page.text and "€20.00" in page.text
    assert "Available" in page.text and "Redeem" in page.text


async def test_redeeming_uses_the_coupon_once_and_says_what_the_customer_pays(
    client, db, code, till
) -> None:
    page = await _look_up(client, code)
    response = await _redeem(client, page, code, "30")
    assert response.status == 200
    assert "Redeemed: €5.00 off." in response.text and "The customer pays €25.00." in response.text
    assert (await _coupon(db)).status == "used"
    again = await _redeem(client, page, code, "30")
    assert again.status == 409 and "cannot be used" in again.text


async def test_an_order_below_the_minimum_is_refused_and_the_coupon_stays_available(
    client, db, code, till
) -> None:
    response = await _redeem(client, await _look_up(client, code), code, "10")
    assert response.status == 409
    assert "cannot be used" in response.text and 'value="10"' in response.text
    assert (await _coupon(db)).status == "available"


async def test_an_unknown_code_and_a_bad_amount_are_shown_beside_their_fields(
    client, code, till
) -> None:
    page = await _look_up(client, "NOPE-NOPE")
    assert 'id="code-error"' in page.text and "No coupon of this shop" in page.text
    response = await _redeem(client, await _look_up(client, code), code, "ten")
    assert response.status == 422 and 'id="amount-error"' in response.text
