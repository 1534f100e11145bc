"""Try it in the console (manager and up): an activity played as the staff member's own test
customer, through the web chat's conversation, with no bot token."""

from sqlalchemy import select

from core.customers.models import ChannelIdentity
from core.merchants.service import issue_api_key
from core.staff.models import Role
from tests.activities.shop import wheel
from tests.factories import bearer
from tests.web.console.staff import log_in, staff
from tests.webchat.test_webchat import spin_option


async def _live_wheel(client, db, merchant) -> dict:
    """A wheel published through the API, as the shop system would."""
    async with db.transaction() as session:
        _, key = await issue_api_key(session, merchant.id, name="tests")
    _, created = await client.post("/api/v1/activities", json=wheel(), headers=bearer(key))
    activity_id = created.json["id"]
    _, published = await client.post(
        f"/api/v1/activities/{activity_id}/publish", headers=bearer(key)
    )
    assert published.status == 200, published.text
    return published.json


async def _say(client, token: str, activity: dict, body: dict):
    _, response = await client.post(
        f"/console/try/{activity['id']}/messages", json=body, headers={"X-CSRF-Token": token}
    )
    return response


async def test_the_panel_carries_the_chat_for_the_chosen_activity(
    client, db, merchant, token
) -> None:
    activity = await _live_wheel(client, db, merchant)
    _, page = await client.get(f"/console/try/?activity={activity['id']}")
    assert f'data-post-url="/console/try/{activity["id"]}/messages"' in page.text
    assert f'data-start="{activity["slug"]}"' in page.text
    assert f'data-csrf-token="{token}"' in page.text


async def test_a_spin_plays_the_wheel_as_the_staff_members_test_customer(
    client, db, merchant, token
) -> None:
    activity = await _live_wheel(client, db, merchant)
    first = await _say(client, token, activity, {"kind": "start", "text": activity["slug"]})
    assert first.status == 200, first.text
    card = first.json["replies"][0]
    assert card["text"].startswith("Spring wheel")
    spun = await _say(client, token, activity, {"kind": "button", "option": spin_option(card)})
    assert spun.status == 200 and spun.json["replies"][-1]["replaces"] == "spin"
    async with db.transaction(write=False) as session:
        [identity] = await session.scalars(select(ChannelIdentity))
    assert (identity.channel, identity.address.startswith("console-")) == ("web", True)


async def test_a_message_needs_the_csrf_token(client, db, merchant, token) -> None:
    activity = await _live_wheel(client, db, merchant)
    response = await _say(client, "forged", activity, {"kind": "start", "text": activity["slug"]})
    assert response.status == 403


async def test_a_bad_message_is_refused_and_a_cashier_may_not_try(
    client, db, merchant, token
) -> None:
    activity = await _live_wheel(client, db, merchant)
    assert (await _say(client, token, activity, {"kind": "shout"})).status == 422
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    _, response = await client.get("/console/try/")
    assert response.status == 403
