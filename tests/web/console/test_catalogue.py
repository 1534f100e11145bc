"""The rewards catalogue in the console: items that cost points and grant a coupon of a
template or a partner code, added through core.points.catalogue."""

from sqlalchemy import select

from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.points.models import CatalogueItem
from core.staff.models import Role
from tests.web.console.staff import log_in, staff


async def _items(db) -> list[CatalogueItem]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(select(CatalogueItem))).scalars())


async def _template_choice(db, merchant) -> str:
    terms = CouponTemplateCreate(name="Five off", kind="fixed", amount_off=500, status="active")
    async with db.transaction() as session:
        template = await create_template(session, merchant, terms)
    return f"coupon:{template.id}"


async def _add(client, token: str, **fields: str):
    form = {"csrf_token": token, "name": "5 EUR voucher", "cost": "100", **fields}
    _, response = await client.post("/console/points/catalogue/", data=form)
    return response


async def test_an_item_costs_the_points_typed_and_grants_the_coupon_chosen(
    client, db, merchant, token
) -> None:
    choice = await _template_choice(db, merchant)
    response = await _add(client, token, stock="20", reward=choice)
    assert response.status == 303
    [item] = await _items(db)
    assert (item.cost, item.total_stock, item.reward["type"]) == (100, 20, "coupon")
    _, page = await client.get("/console/points/catalogue/")
    assert "5 EUR voucher" in page.text and "20 of 20" in page.text


async def test_a_bad_cost_is_shown_beside_its_field_and_nothing_typed_is_lost(
    client, db, merchant, token
) -> None:
    choice = await _template_choice(db, merchant)
    response = await _add(client, token, cost="-5", stock="20", reward=choice)
    assert response.status == 422
    assert 'id="cost-error"' in response.text and 'value="-5"' in response.text
    assert 'value="5 EUR voucher"' in response.text and 'value="20"' in response.text
    assert await _items(db) == []


async def test_a_reward_of_no_template_is_refused_beside_the_reward(
    client, db, merchant, token
) -> None:
    await _template_choice(db, merchant)
    response = await _add(client, token, reward="coupon:nonsense")
    assert response.status == 422
    assert 'id="reward-error"' in response.text
    assert await _items(db) == []


async def test_an_item_without_the_csrf_token_is_refused(client, db, merchant, token) -> None:
    choice = await _template_choice(db, merchant)
    _, response = await client.post(
        "/console/points/catalogue/", data={"name": "Tea", "cost": "5", "reward": choice}
    )
    assert response.status == 403
    assert await _items(db) == []


async def test_a_cashier_is_refused_the_catalogue(client, db, merchant) -> None:
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    _, response = await client.get("/console/points/catalogue/")
    assert response.status == 403
