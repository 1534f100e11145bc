"""The customer flows, written once, on Telegram, WhatsApp and the web chat alike."""

import uuid

from sqlalchemy import func, select

from bots.conversation.ids import short_id, start_payload
from core.activities.models import Referral
from core.customers.service import get_customer
from tests.activities.shop import wheel


def coupon_wheel() -> dict:
    return wheel(
        prizes=[
            {"name": "Ten off", "weight": 10**6, "reward": {"type": "points", "amount": 50}},
            {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
        ],
        rules={"tries_per_customer_total": 2},
    )


async def test_a_referred_customer_arrives_by_deep_link_plays_and_sees_points(chat, shop):
    activity = await shop.live(coupon_wheel())
    async with shop.db.transaction(write=False) as session:
        alice = await get_customer(session, shop.merchant.id, "alice")
    card = await chat.start(start_payload(activity["slug"], referrer=alice.id), activity["slug"])
    assert "Spring wheel" in card[-1].text
    spin = next(option for option in card[-1].options if option.startswith("p:"))

    result = await chat.press(spin)

    assert "Ten off" in result[-1].text
    assert any(option.startswith("p:") for option in result[-1].options), "a try is left"
    async with shop.db.transaction(write=False) as session:
        referrals = (await session.execute(select(func.count()).select_from(Referral))).scalar_one()
    assert referrals == 1
    points = await chat.press("pt")
    assert "50 points" in points[-1].text
    await chat.press(spin)
    refused = await chat.press(spin)
    assert "no tries left" in refused[-1].text.lower()
    assert "m" in refused[-1].options


async def test_an_unknown_payload_falls_back_to_the_menu_and_language_can_change(chat, shop):
    activity = await shop.live(coupon_wheel())
    menu = await chat.start(activity["slug"] + "-rnotreal", activity["slug"])
    assert menu, "a card or the menu, never silence"
    spanish = await chat.press("l:es")
    assert "Bienvenido" in spanish[-1].text
    coupons = await chat.press("cp")
    assert "cupones" in coupons[-1].text.lower()


async def test_a_forged_option_gets_a_friendly_answer(chat, shop):
    activity = await shop.live(coupon_wheel())
    await chat.start(activity["slug"], activity["slug"])
    nobody_knows = short_id(uuid.uuid4())
    answer = await chat.press(f"p:{nobody_knows}")
    assert "doesn't exist" in answer[-1].text
    assert "m" in answer[-1].options
    garbage = await chat.press("p:not-an-id")
    assert "acts" in garbage[-1].options, "unparsable: the menu"


async def test_the_card_no_longer_offers_a_prize_whose_stock_is_gone(chat, shop):
    last_one = {
        "name": "Gold",
        "weight": 10**6,
        "stock": 1,
        "reward": {"type": "points", "amount": 5},
    }
    activity = await shop.live(coupon_wheel() | {"prizes": [last_one, coupon_wheel()["prizes"][1]]})
    won = await shop.play(activity, "bob")
    assert won.json["prize"]["name"] == "Gold"
    card = await chat.start(activity["slug"], activity["slug"])
    assert "Spring wheel" in card[-1].text and "Gold" not in card[-1].text
