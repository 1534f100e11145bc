"""Lucky draws in the console: the prize table editor, its probability preview, publishing
and the status changes, through core.activities."""

from sqlalchemy import select

from core.activities.models import Activity, Prize
from tests.factories import coupon_template

THREE_PRIZES = {
    "prizes.0.name": "Gold",
    "prizes.0.weight": "1",
    "prizes.0.stock": "5",
    "prizes.0.reward": "points",
    "prizes.0.points": "100",
    "prizes.1.name": "Silver",
    "prizes.1.weight": "3",
    "prizes.1.stock": "20",
    "prizes.1.reward": "none",
    "prizes.2.name": "Thanks",
    "prizes.2.weight": "6",
    "prizes.2.reward": "none",
    "prizes.2.consolation": "on",
}


def _draw_form(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "name": "Spring wheel",
        "starts_at": "2026-01-01T10:00",
        "ends_at": "2099-01-01T10:00",
        "rules.tries_per_customer_per_day": "1",
        "budget": "50",
        **THREE_PRIZES,
        **fields,
    }


async def _activities(db) -> list[Activity]:
    async with db.transaction(write=False) as session:
        return list((await session.execute(select(Activity))).scalars())


async def _prizes(db) -> list[Prize]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(select(Prize).order_by(Prize.position))
        return list(rows.scalars())


async def test_a_lucky_draw_with_three_prizes_is_created_in_the_merchants_timezone(
    client, db, token
) -> None:
    _, response = await client.post("/console/activities/", data=_draw_form(token))
    assert response.status == 303
    [activity] = await _activities(db)
    assert (activity.kind, activity.status, activity.budget) == ("lucky_draw", "draft", 5000)
    assert activity.starts_at.isoformat() == "2026-01-01T09:00:00+00:00"  # Madrid is UTC+1
    assert activity.rules["tries_per_customer_per_day"] == 1
    prizes = await _prizes(db)
    assert [(p.name, p.weight, p.stock, p.consolation) for p in prizes] == [
        ("Gold", 1, 5, False),
        ("Silver", 3, 20, False),
        ("Thanks", 6, None, True),
    ]
    assert prizes[0].reward == {"type": "points", "amount": 100}


async def test_the_activity_page_shows_its_share_link_a_qr_code_and_the_chances(
    client, db, token
) -> None:
    _, response = await client.post("/console/activities/", data=_draw_form(token))
    _, page = await client.get(response.headers["location"])
    [activity] = await _activities(db)
    assert f"/a/{activity.slug}" in page.text
    assert 'src="data:image/png;base64,' in page.text and 'alt="QR code' in page.text
    assert "10.0 %" in page.text and "30.0 %" in page.text and "60.0 %" in page.text


async def test_bad_prize_values_are_shown_beside_their_row_and_kept(client, db, token) -> None:
    form = _draw_form(token, **{"prizes.1.weight": "lots", "prizes.0.reward": "points"})
    form["prizes.0.points"] = ""
    _, response = await client.post("/console/activities/", data=form)
    assert response.status == 422
    assert 'id="prizes-1-weight-error"' in response.text and 'value="lots"' in response.text
    assert 'id="prizes-0-points-error"' in response.text
    assert 'value="Silver"' in response.text and 'value="Spring wheel"' in response.text
    assert await _activities(db) == []


async def test_blank_rows_are_dropped_and_the_rest_keep_their_order(client, db, token) -> None:
    form = _draw_form(token)
    form |= {"prizes.5.name": "Bronze", "prizes.5.weight": "2", "prizes.4.reward": "none"}
    await client.post("/console/activities/", data=form)
    assert [p.name for p in await _prizes(db)] == ["Gold", "Silver", "Thanks", "Bronze"]


async def test_a_coupon_prize_grants_a_coupon_of_the_chosen_template(
    client, db, merchant, token
) -> None:
    template = await coupon_template(db, merchant)
    form = _draw_form(token, **{"prizes.1.reward": f"coupon:{template.id}"})
    _, new_form = await client.get("/console/activities/new")
    assert f'value="coupon:{template.id}"' in new_form.text
    await client.post("/console/activities/", data=form)
    assert (await _prizes(db))[1].reward == {"type": "coupon", "template_id": str(template.id)}


async def test_the_odds_preview_recomputes_from_the_rows_as_typed(client, token) -> None:
    _, response = await client.post(
        "/console/activities/odds",
        data={
            "prizes.0.name": "Gold",
            "prizes.0.weight": "1",
            "prizes.1.name": "Thanks",
            "prizes.1.weight": "3",
            "prizes.2.name": "Gone",
            "prizes.2.stock": "0",
        },
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status == 200
    assert response.text.lstrip().startswith('<div id="odds"')
    assert "25.0 %" in response.text and "75.0 %" in response.text and "0.0 %" in response.text


async def test_add_a_prize_returns_the_next_row_and_a_button_for_the_one_after(
    client, token
) -> None:
    _, response = await client.get("/console/activities/prize-row?index=3")
    assert response.status == 200
    assert 'name="prizes.3.name"' in response.text
    assert 'hx-swap-oob="true"' in response.text and "index=4" in response.text
    _, refused = await client.get("/console/activities/prize-row?index=x")
    assert refused.status == 422


async def test_publish_pause_resume_and_end(client, db, token) -> None:
    _, created = await client.post("/console/activities/", data=_draw_form(token))
    path = created.headers["location"]
    for action, status in (
        ("publish", "live"),
        ("pause", "paused"),
        ("resume", "live"),
        ("end", "ended"),
    ):
        _, response = await client.post(f"{path}/{action}", data={"csrf_token": token})
        assert response.status == 303, (action, response.text)
        [activity] = await _activities(db)
        assert activity.status == status


async def test_publishing_a_draw_without_a_consolation_prize_lists_the_problem(
    client, db, token
) -> None:
    form = _draw_form(token)
    del form["prizes.2.consolation"]
    _, created = await client.post("/console/activities/", data=form)
    _, response = await client.post(
        f"{created.headers['location']}/publish", data={"csrf_token": token}
    )
    assert response.status == 422
    assert "exactly one prize must be the consolation prize" in response.text
    assert (await _activities(db))[0].status == "draft"


async def test_editing_a_draft_replaces_its_prizes_and_a_published_one_keeps_them(
    client, db, token
) -> None:
    _, created = await client.post("/console/activities/", data=_draw_form(token))
    path = created.headers["location"]
    _, form_page = await client.get(f"{path}/edit")
    assert 'value="Gold"' in form_page.text and 'value="2026-01-01T10:00"' in form_page.text
    changed = _draw_form(token, name="Summer wheel", **{"prizes.0.name": "Platinum"})
    del changed["budget"]
    assert (await client.post(path, data=changed))[1].status == 303
    assert (await _prizes(db))[0].name == "Platinum"
    await client.post(f"{path}/publish", data={"csrf_token": token})
    renamed = _draw_form(token, name="Autumn wheel", **{"prizes.0.name": "Ignored"})
    del renamed["budget"]
    assert (await client.post(path, data=renamed))[1].status == 303
    assert (await _activities(db))[0].name == "Autumn wheel"
    assert (await _prizes(db))[0].name == "Platinum"
