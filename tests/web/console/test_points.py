"""Earning rules in the console: added through core.points.rules (a rule that pays the same
occasion twice is refused), amounts typed in the merchant's currency, and retired."""

from sqlalchemy import select

from core.points.models import EarningRule
from core.staff.models import Role
from tests.web.console.staff import log_in, staff


async def _rules(db) -> list[EarningRule]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(select(EarningRule))).scalars())


async def _add(client, token: str, **fields: str):
    form = {"csrf_token": token, "kind": "per_amount", **fields}
    _, response = await client.post("/console/points/rules", data=form)
    return response


async def test_an_order_rule_earns_by_the_amount_typed_in_minor_units(client, db, token) -> None:
    response = await _add(client, token, points_per_unit="2", unit_amount="1.50", points="9")
    assert response.status == 303
    [rule] = await _rules(db)
    # The bonus points typed for another kind are not this rule's.
    assert (rule.points_per_unit, rule.unit_amount, rule.points) == (2, 150, None)
    _, page = await client.get("/console/points/")
    assert "2 per €1.50" in page.text


async def test_a_bad_amount_is_shown_beside_its_field_and_nothing_typed_is_lost(
    client, db, token
) -> None:
    response = await _add(client, token, points_per_unit="2", unit_amount="1.555")
    assert response.status == 422
    assert 'id="unit_amount-error"' in response.text and 'value="1.555"' in response.text
    assert 'value="2"' in response.text
    assert await _rules(db) == []


async def test_a_missing_bonus_is_asked_for_beside_its_field(client, db, token) -> None:
    response = await _add(client, token, kind="signup")
    assert response.status == 422
    assert 'id="points-error"' in response.text
    assert await _rules(db) == []


async def test_a_second_signup_bonus_is_refused_beside_the_kind(client, db, token) -> None:
    assert (await _add(client, token, kind="signup", points="50")).status == 303
    response = await _add(client, token, kind="signup", points="70")
    assert response.status == 409
    assert 'id="kind-error"' in response.text and "retire it first" in response.text
    assert 'value="70"' in response.text
    assert [rule.points for rule in await _rules(db)] == [50]


async def test_a_retired_rule_is_gone_and_its_terms_can_be_added_again(client, db, token) -> None:
    await _add(client, token, kind="signup", points="50")
    [rule] = await _rules(db)
    _, response = await client.post(
        f"/console/points/rules/{rule.id}/retire", data={"csrf_token": token}
    )
    assert response.status == 303
    assert await _rules(db) == []
    assert (await _add(client, token, kind="signup", points="70")).status == 303


async def test_a_rule_without_the_csrf_token_is_refused(client, db, token) -> None:
    _, response = await client.post(
        "/console/points/rules", data={"kind": "signup", "points": "50"}
    )
    assert response.status == 403
    assert await _rules(db) == []


async def test_a_cashier_is_refused_the_points_screen(client, db, merchant) -> None:
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    _, response = await client.get("/console/points/")
    assert response.status == 403
