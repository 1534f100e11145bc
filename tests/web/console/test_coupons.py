"""Coupon templates in the console: created as drafts, edited, published, paused and ended
through core.coupons; amounts typed in the merchant's currency."""

from sqlalchemy import select

from core.coupons.models import CouponTemplate


async def _templates(db) -> list[CouponTemplate]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(select(CouponTemplate))).scalars())


async def _create(client, token: str, **fields: str):
    form = {"csrf_token": token, "name": "Five off", "kind": "fixed", "amount_off": "5", **fields}
    _, response = await client.post("/console/coupons/", data=form)
    return response


async def test_a_new_coupon_is_a_draft_worth_what_was_typed_in_minor_units(
    client, db, token
) -> None:
    response = await _create(client, token, amount_off="5.50", total_stock="100")
    assert response.status == 303
    [template] = await _templates(db)
    assert (template.amount_off, template.total_stock, template.status) == (550, 100, "draft")
    _, listing = await client.get("/console/coupons/")
    assert (
        "Five off" in listing.text and "5.50" in listing.text and "100 of 100 left" in listing.text
    )


async def test_a_bad_amount_is_shown_beside_its_field_and_nothing_typed_is_lost(
    client, db, token
) -> None:
    response = await _create(client, token, amount_off="5.555", total_stock="lots", name="Tea")
    assert response.status == 422
    assert 'id="amount_off-error"' in response.text and "at most 2 decimals" in response.text
    assert 'id="total_stock-error"' in response.text
    assert 'value="5.555"' in response.text and 'value="lots"' in response.text
    assert 'value="Tea"' in response.text
    assert await _templates(db) == []


async def test_a_field_the_kind_needs_is_asked_for_beside_it(client, db, token) -> None:
    response = await _create(client, token, kind="threshold")
    assert response.status == 422
    assert 'id="threshold-error"' in response.text
    assert await _templates(db) == []


async def test_editing_changes_the_template_and_clearing_the_stock_makes_it_unlimited(
    client, db, token
) -> None:
    await _create(client, token, total_stock="10")
    [template] = await _templates(db)
    _, form = await client.get(f"/console/coupons/{template.id}")
    assert 'value="5.00"' in form.text and 'value="10"' in form.text
    _, response = await client.post(
        f"/console/coupons/{template.id}",
        data={"csrf_token": token, "name": "Six off", "amount_off": "6", "total_stock": ""},
    )
    assert response.status == 303
    [changed] = await _templates(db)
    assert (changed.name, changed.amount_off, changed.total_stock) == ("Six off", 600, None)


async def test_publish_pause_resume_and_end_follow_the_templates_life(client, db, token) -> None:
    await _create(client, token)
    [template] = await _templates(db)
    for action, status in (
        ("publish", "active"),
        ("pause", "paused"),
        ("resume", "active"),
        ("end", "archived"),
    ):
        _, response = await client.post(
            f"/console/coupons/{template.id}/{action}", data={"csrf_token": token}
        )
        assert response.status == 303, action
        [changed] = await _templates(db)
        assert changed.status == status


async def test_a_change_the_status_does_not_allow_is_a_proper_page(client, db, token) -> None:
    await _create(client, token)
    [template] = await _templates(db)
    _, response = await client.post(
        f"/console/coupons/{template.id}/pause", data={"csrf_token": token}
    )
    assert response.status == 409
    assert response.headers["content-type"].startswith("text/html")
    assert "Cannot pause" in response.text


async def test_another_merchants_template_is_not_found(client, token) -> None:
    _, response = await client.get("/console/coupons/00000000-0000-0000-0000-000000000001")
    assert response.status == 404
    assert "Nothing here" in response.text
