"""What reaches a customer's chat from outside it: prizes won elsewhere, reminders, and the
WhatsApp 24-hour window."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.channels.models import ChannelAccount, OutgoingMessage
from core.clock import utcnow
from core.customers.models import ChannelIdentity
from core.customers.service import get_customer
from core.points.models import PointsLot
from tests.activities.shop import wheel
from tests.waiting import wait_until
from workers.reminders import remind_expiring_coupons, remind_expiring_points


def sure_win() -> dict:
    return wheel(
        prizes=[
            {"name": "Mug", "weight": 10**6, "reward": {"type": "points", "amount": 5}},
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ]
    )


async def test_a_prize_won_through_the_api_is_announced_in_the_chat_once(chat, shop):
    if chat.channel == "web":
        pytest.skip("the web chat cannot reach a customer who is not on its page")
    activity = await shop.live(sure_win())
    await chat.start(activity["slug"], activity["slug"])
    external_id = f"{chat.channel}:{chat.user_id if chat.channel == 'telegram' else chat.wa_id}"
    played = await shop.play(activity, external_id)
    assert played.status == 200, played.text

    await wait_until(lambda: any("You won Mug" in seen.text for seen in chat._received()))
    await chat.press("m")
    announced = [seen for seen in chat._received() if "You won Mug" in seen.text]
    assert len(announced) == 1


async def test_reminders_for_expiring_coupons_and_points_are_sent_once(chat, shop):
    if chat.channel == "web":
        pytest.skip("the web chat cannot reach a customer who is not on its page")
    activity = await shop.live(sure_win())
    await chat.start(activity["slug"], activity["slug"])
    external_id = f"{chat.channel}:{chat.user_id if chat.channel == 'telegram' else chat.wa_id}"
    template = await shop.call(
        "post",
        "/coupon-templates",
        {
            "name": "Last call",
            "kind": "fixed",
            "amount_off": 300,
            "valid_until": (utcnow() + timedelta(hours=5)).isoformat(),
        },
    )
    assert template.status == 201, template.text
    claimed = await shop.call(
        "post", f"/coupon-templates/{template.json['id']}/claim", {"customer": external_id}
    )
    assert claimed.status == 201, claimed.text
    async with shop.db.transaction() as session:
        customer = await get_customer(session, shop.merchant.id, external_id)
        await session.execute(
            update(PointsLot)
            .where(PointsLot.customer_id == customer.id)
            .values(expires_at=utcnow() + timedelta(minutes=30))
        )
    for _ in range(2):
        await remind_expiring_coupons(shop.db)
        await remind_expiring_points(shop.db)

    async def reminded() -> bool:
        texts = [seen.text for seen in chat._received()]
        return any("expires soon" in t for t in texts)

    await wait_until(reminded)
    async with shop.db.transaction(write=False) as session:
        keys = list(
            (
                await session.execute(
                    select(OutgoingMessage.dedupe_key).where(
                        OutgoingMessage.purpose == "notification"
                    )
                )
            ).scalars()
        )
    assert sum(key.startswith("reminder:coupon:") for key in keys) == 1
    assert sum(key.startswith("reminder:points:") for key in keys) <= 1


async def test_outside_the_whatsapp_window_only_the_template_goes(shop, fake_whatsapp, chat):
    if chat.channel != "whatsapp":
        pytest.skip("only WhatsApp has a 24-hour window")
    activity = await shop.live(sure_win())
    await chat.start(activity["slug"], activity["slug"])
    async with shop.db.transaction() as session:
        await session.execute(
            update(ChannelIdentity).values(last_inbound_at=utcnow() - timedelta(hours=25))
        )
    played = await shop.play(activity, f"whatsapp:{chat.wa_id}")
    assert played.status == 200

    async def skipped() -> bool:
        async with shop.db.transaction(write=False) as session:
            rows = (
                await session.execute(
                    select(OutgoingMessage).where(OutgoingMessage.purpose == "notification")
                )
            ).scalars()
            return any(row.status == "skipped" and "24-hour" in row.reason for row in rows)

    await wait_until(skipped)
    assert not fake_whatsapp.sent(type="template")

    async with shop.db.transaction() as session:
        await session.execute(
            update(ChannelAccount).values(
                settings={"template": {"name": "confetti_update", "language": "en"}}
            )
        )
    assert (await shop.play(activity, f"whatsapp:{chat.wa_id}")).status == 200
    await wait_until(lambda: fake_whatsapp.sent(type="template"))
    template = fake_whatsapp.sent(type="template")[0].body["template"]
    assert template["name"] == "confetti_update"
    assert "You won Mug" in json.dumps(template["components"])
