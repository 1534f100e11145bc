"""The cashier screen: a coupon's code looked up, what it grants shown, and redeemed once
against the amount typed, through core.redemptions; a code batch's code looked up and redeemed
for a customer through core.codes, as the API does."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.clock import utcnow
from core.codes.models import Code
from core.codes.schemas import CodeBatchCreate
from core.codes.service import create_batch, import_codes
from core.coupons.models import Coupon
from core.coupons.service import claim_coupon
from core.customers.service import get_customer
from core.points.balances import points_balance
from core.staff.models import Role
from tests.factories import coupon_template, customer
from tests.web.console.staff import csrf_token, log_in, owner, staff


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
    assert again.status == 409 and "has already been used" in again.text


async def test_an_order_below_the_minimum_is_refused_and_the_coupon_stays_available(
    client, db, code, till
) -> None:
    response = await _redeem(client, await _look_up(client, code), code, "10")
    assert response.status == 409
    assert "needs a larger order" in response.text and 'value="10"' in response.text
    assert (await _coupon(db)).status == "available"


async def test_a_spanish_cashier_reads_the_refusal_in_spanish(client, db, code, till) -> None:
    spanish = {"accept-language": "es"}
    _, page = await client.get(f"/console/cashier/?code={code}", headers=spanish)
    form = {"csrf_token": csrf_token(page.text), "code": code, "amount": "10"}
    form["order_id"] = page.text.split('name="order_id" value="')[1].split('"')[0]
    _, response = await client.post("/console/cashier/redeem", data=form, headers=spanish)
    assert response.status == 409 and "necesita un pedido mayor" in response.text


async def test_an_unknown_code_and_a_bad_amount_are_shown_beside_their_fields(
    client, code, till
) -> None:
    page = await _look_up(client, "NOPE-NOPE")
    assert 'id="code-error"' in page.text and "No coupon and no code of this shop" in page.text
    response = await _redeem(client, await _look_up(client, code), code, "ten")
    assert response.status == 422 and 'id="amount-error"' in response.text


async def _batch(db, merchant, **fields) -> list[Code]:
    data = {"name": "Flyer", "kind": "generated", "count": 3, "pattern": "FLY-#####-#####"}
    data.setdefault("reward", {"type": "points", "amount": 150})
    async with db.transaction() as session:
        batch, _ = await create_batch(session, merchant, CodeBatchCreate(**data | fields))
    async with db.transaction(write=False) as session:
        return list(await session.scalars(select(Code).where(Code.batch_id == batch.id)))


async def _redeem_code(client, page, code: str, customer_id: str):
    form = {"csrf_token": csrf_token(page.text), "code": code, "customer": customer_id}
    _, response = await client.post("/console/cashier/redeem-code", data=form)
    return response


async def _points(db, merchant, external_id: str) -> int:
    async with db.transaction(write=False) as session:
        held = await get_customer(session, merchant.id, external_id)
        return await points_balance(session, merchant.id, held.id)


async def test_a_batch_code_shows_what_it_grants_and_is_redeemed_for_the_customer_once(
    client, db, merchant, till
) -> None:
    await customer(db, merchant, "shop-user-2")
    code = (await _batch(db, merchant))[0]
    page = await _look_up(client, code.raw.lower().replace("-", ""))
    assert page.status == 200
    assert "Flyer" in page.text and "150 points" in page.text and "Available" in page.text
    assert 'action="/console/cashier/redeem-code"' in page.text
    response = await _redeem_code(client, page, code.raw, "shop-user-2")
    assert response.status == 200, response.text
    assert "Code redeemed." in response.text and "got 150 points" in response.text
    assert await _points(db, merchant, "shop-user-2") == 150
    again = await _redeem_code(client, page, code.raw, "shop-user-2")
    assert again.status == 409 and "already been used" in again.text
    assert await _points(db, merchant, "shop-user-2") == 150
    used = await _look_up(client, code.raw)
    assert "already been used" in used.text and "redeem-code" not in used.text


async def test_a_batch_code_granting_a_coupon_gives_the_customer_that_coupon(
    client, db, merchant, till
) -> None:
    await customer(db, merchant, "shop-user-2")
    template = await coupon_template(db, merchant, name="Counter gift")
    code = (await _batch(db, merchant, reward={"type": "coupon", "template_id": template.id}))[0]
    page = await _look_up(client, code.raw)
    assert "A coupon: Counter gift" in page.text
    response = await _redeem_code(client, page, code.raw, "shop-user-2")
    assert response.status == 200 and "got a coupon: Counter gift" in response.text
    assert (await _coupon(db)).template_id == template.id


async def test_an_expired_or_partner_code_says_why_and_offers_no_redeeming(
    client, db, merchant, till
) -> None:
    past = utcnow() - timedelta(days=1)
    expired = (await _batch(db, merchant, valid_until=past, valid_from=past - timedelta(days=9)))[0]
    page = await _look_up(client, expired.raw)
    assert "no longer valid" in page.text or "has expired" in page.text
    assert "redeem-code" not in page.text
    async with db.transaction() as session:
        partner, _ = await create_batch(
            session, merchant, CodeBatchCreate(name="StreamCo", kind="imported")
        )
        await import_codes(session, merchant.id, partner.id, b"STREAM-ABC-123\n")
    page = await _look_up(client, "stream-abc-123")
    assert "A partner&#39;s code" in page.text and "redeem-code" not in page.text
    await customer(db, merchant, "shop-user-2")
    refused = await _redeem_code(client, page, "STREAM-ABC-123", "shop-user-2")
    assert refused.status == 409 and "can&#39;t be redeemed here" in refused.text


async def test_another_merchants_code_is_as_unknown_as_a_typo(client, db, merchant, till) -> None:
    other = await owner(db, "other@shop.example", name="Other Shop")
    theirs = (await _batch(db, other))[0]
    page = await _look_up(client, theirs.raw)
    assert 'id="code-error"' in page.text and "Flyer" not in page.text
    await customer(db, merchant, "shop-user-2")
    response = await _redeem_code(client, page, theirs.raw, "shop-user-2")
    assert response.status == 404 and "No coupon and no code of this shop" in response.text
    async with db.transaction(write=False) as session:
        assert (await session.get(Code, theirs.id)).status == "available"


async def test_an_unknown_or_missing_customer_is_said_beside_the_field_and_keeps_the_code(
    client, db, merchant, till
) -> None:
    code = (await _batch(db, merchant))[0]
    page = await _look_up(client, code.raw)
    for typed, status in (("", 422), ("nobody-here", 404)):
        response = await _redeem_code(client, page, code.raw, typed)
        assert response.status == status and 'id="customer-error"' in response.text
        assert f'value="{typed}"' in response.text and "redeem-code" in response.text
    async with db.transaction(write=False) as session:
        assert (await session.get(Code, code.id)).status == "available"
