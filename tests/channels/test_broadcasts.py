"""Broadcasts: one message to a segment, once per customer, with final counts."""

import pytest
from sqlalchemy import func, select

from core.broadcasts.schemas import BroadcastCreate
from core.broadcasts.service import start_broadcast
from core.channels.models import OutgoingMessage
from tests.activities.shop import wheel
from tests.channels.chats import TelegramChat
from tests.waiting import wait_until
from workers.broadcasts import broadcast_chunk


@pytest.fixture
async def telegram_customers(shop, fake_telegram, worker):
    """Three customers who wrote to the merchant's bot."""
    chats = []
    for who in range(3):
        chat = TelegramChat(shop, fake_telegram, who)
        await chat.connect()
        await chat.type("hi")
        chats.append(chat)
    return chats


def broadcasts_received(fake, chat) -> list:
    return [c for c in fake.sent(chat_id=chat.user_id) if c.params.get("text") == "Spring sale!"]


async def test_a_broadcast_reaches_each_customer_once_and_reports_what_happened(
    shop, fake_telegram, telegram_customers
):
    blocked = telegram_customers[2]
    fake_telegram.block(blocked.user_id)

    response = await shop.call("post", "/broadcasts", {"text": "Spring sale!"})
    assert response.status == 202, response.text
    assert response.json["total"] == 3
    location = response.headers["location"].removeprefix("/api/v1")

    async def finished() -> bool:
        view = (await shop.call("get", location.replace("/jobs/", "/broadcasts/"))).json
        done = view["job"]["status"] == "succeeded" and view["deliveries"]["pending"] == 0
        return done and sum(view["deliveries"].values()) == 3

    await wait_until(finished, within=20)
    view = (await shop.call("get", location.replace("/jobs/", "/broadcasts/"))).json
    assert view["deliveries"]["sent"] == 2 and view["deliveries"]["unreachable"] == 1
    for chat in telegram_customers[:2]:
        assert len(broadcasts_received(fake_telegram, chat)) == 1


async def test_running_a_chunk_again_after_a_crash_queues_nothing_twice(shop, telegram_customers):
    async with shop.db.transaction() as session:
        job = await start_broadcast(session, shop.merchant.id, BroadcastCreate(text="Again"))
    for _ in range(2):
        async with shop.db.transaction() as session:
            await broadcast_chunk(session, job, 0, job.total)
    async with shop.db.transaction(write=False) as session:
        query = select(func.count()).where(OutgoingMessage.purpose == "broadcast")
        assert (await session.execute(query)).scalar_one() == 3


async def test_segments_pick_players_of_an_activity_and_holders_of_unused_coupons(
    shop, telegram_customers
):
    activity = await shop.live(wheel())
    player = telegram_customers[0]
    assert (await shop.play(activity, f"telegram:{player.user_id}")).status == 200
    template = await shop.call(
        "post", "/coupon-templates", {"name": "Hold", "kind": "fixed", "amount_off": 100}
    )
    holder = telegram_customers[1]
    claim = await shop.call(
        "post",
        f"/coupon-templates/{template.json['id']}/claim",
        {"customer": f"telegram:{holder.user_id}"},
    )
    assert claim.status == 201
    for segment, expected in (
        ({"played_activity": activity["id"]}, 1),
        ({"holding_unused_coupon": True}, 1),
        ({"channel": "whatsapp"}, 0),
        ({}, 3),
    ):
        response = await shop.call("post", "/broadcasts", {"text": "x", "segment": segment})
        assert response.json["total"] == expected, segment


async def test_bad_broadcasts_are_refused_clearly(shop):
    draft = await shop.created(wheel())
    for body, field in (
        ({"text": "x", "activity": draft["id"]}, "activity"),
        ({"text": ""}, "text"),
        ({"text": "x", "image_url": "http://insecure.example/a.png"}, "image_url"),
        ({"text": "x", "segment": {"channel": "fax"}}, "segment.channel"),
        ({"text": "x", "activity": "00000000-0000-0000-0000-000000000000"}, "activity"),
    ):
        response = await shop.call("post", "/broadcasts", body)
        assert (response.status, response.json["error"]["field"]) == (422, field)
    other = await shop.call("get", "/broadcasts/00000000-0000-0000-0000-000000000000")
    assert other.status == 404


async def test_a_broadcast_can_carry_a_button_into_an_activity(
    shop, fake_telegram, telegram_customers
):
    activity = await shop.live(wheel())
    body = {"text": "Spring sale!", "activity": activity["id"]}
    assert (await shop.call("post", "/broadcasts", body)).status == 202
    chat = telegram_customers[0]
    await wait_until(lambda: broadcasts_received(fake_telegram, chat), within=20)
    [received] = broadcasts_received(fake_telegram, chat)
    keyboard = received.params["reply_markup"]["inline_keyboard"]
    take_part = keyboard[0][0]
    assert take_part["text"] == "Take part"
    card = await chat.press(take_part["callback_data"])
    assert any("Spring wheel" in seen.text for seen in card)
