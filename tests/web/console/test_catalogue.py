"""The rewards catalogue in the console: items that cost points and grant a coupon of a
template or a partner code, added, repriced and retired through core.points.catalogue."""

import pytest
from sqlalchemy import select

from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.customers.schemas import CustomerUpsert
from core.customers.service import upsert_customer
from core.points.catalogue import list_items
from core.points.errors import ItemRetired
from core.points.flows import exchange
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


async def test_an_item_is_renamed_and_repriced_with_a_bad_cost_kept_beside_its_field(
    client, db, merchant, token
) -> None:
    await _add(client, token, reward=await _template_choice(db, merchant))
    [item] = await _items(db)
    _, form = await client.get(f"/console/points/catalogue/{item.id}")
    assert 'value="100"' in form.text
    path = f"/console/points/catalogue/{item.id}"
    _, bad = await client.post(path, data={"csrf_token": token, "name": "Tea", "cost": "0"})
    assert bad.status == 422
    assert 'id="cost-error"' in bad.text and 'value="0"' in bad.text and 'value="Tea"' in bad.text
    _, good = await client.post(path, data={"csrf_token": token, "name": "Tea", "cost": "80"})
    assert good.status == 303
    [changed] = await _items(db)
    assert (changed.name, changed.cost) == ("Tea", 80)


async def test_a_retired_item_is_no_longer_offered_nor_exchanged(
    client, db, merchant, token
) -> None:
    await _add(client, token, reward=await _template_choice(db, merchant))
    [item] = await _items(db)
    _, response = await client.post(
        f"/console/points/catalogue/{item.id}/retire", data={"csrf_token": token}
    )
    assert response.status == 303
    _, page = await client.get("/console/points/catalogue/")
    assert "Retired" in page.text
    async with db.transaction() as session:
        offered = await list_items(session, merchant.id, limit=10, cursor=None)
        assert offered.items == []
        await upsert_customer(session, merchant.id, "shop-1", CustomerUpsert())
    with pytest.raises(ItemRetired):
        async with db.transaction() as session:
            await exchange(session, merchant.id, "shop-1", item.id)


async def test_an_item_can_grant_a_partner_code_of_an_imported_batch(client, db, token) -> None:
    _, created = await client.post(
        "/console/codes/", data={"csrf_token": token, "name": "StreamCo", "kind": "imported"}
    )
    batch_id = created.headers["location"].rsplit("/", 1)[1]
    _, form = await client.get("/console/points/catalogue/")
    assert f'value="code:{batch_id}"' in form.text
    assert (await _add(client, token, reward=f"code:{batch_id}")).status == 303
    [item] = await _items(db)
    assert item.reward == {"type": "code", "batch_id": batch_id}
