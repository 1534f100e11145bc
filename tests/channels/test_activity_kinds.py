"""Every kind of activity, played in each chat: marquee, red envelope (alone and together),
coupon collection; then the coupons held, with their QR code, and a code redeemed by typing it."""

import re

from tests.activities.shop import wheel, window
from tests.channels.chats import option
from tests.channels.conftest import another_customer
from tests.factories import coupon_template
from tests.waiting import wait_until


async def test_the_marquee_spins_then_shows_the_prize(chat, shop):
    cells = ["Gold", "Thanks"] * 4
    activity = await shop.live(
        wheel(
            kind="marquee",
            marquee={"cells": cells},
            prizes=[
                {"name": "Gold", "weight": 10**6, "reward": {"type": "points", "amount": 5}},
                {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
            ],
        )
    )
    card = await chat.start(activity["slug"], activity["slug"])
    result = await chat.press(option(card[-1], "p:"))
    texts = [seen.text for seen in result]
    assert any("Spinning" in text for text in texts) or chat.channel == "telegram"
    assert "Gold" in result[-1].text


async def test_a_red_envelope_opens_once_with_a_share_of_the_pot(chat, shop):
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": envelope}
    )
    card = await chat.start(activity["slug"], activity["slug"])
    opened = await chat.press(option(card[-1], "p:"))
    assert "red envelope" in opened[-1].text and "points" in opened[-1].text
    assert "3 of 4 envelopes" in opened[-1].text
    again = await chat.press(option(card[-1], "p:"))
    assert "no tries left" in again[-1].text.lower()


async def test_a_group_envelope_is_shared_and_fills_with_friends(chat, shop):
    envelope = {"pot": 900, "shares": 9, "min_share": 10, "group_friends": 1}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Together", **window(), "envelope": envelope}
    )
    card = await chat.start(activity["slug"], activity["slug"])
    started = await chat.press(option(card[-1], "p:"))
    waiting = next(seen for seen in started if "1 of 2" in seen.text)
    assert waiting
    share = next(seen for seen in started if "Invite friends" in seen.text)
    payload = re.findall(r"(?:start=|%23|#)([A-Za-z0-9_-]+)", share.text)[-1]

    friend = await another_customer(chat, who=1)
    invited = await friend.start(payload, activity["slug"])
    joined = await friend.press(option(invited[-1], "j:"))

    assert "red envelope" in joined[-1].text and "points" in joined[-1].text
    if chat.channel != "web":  # the starter, away from the chat, hears of their share there
        await wait_until(lambda: any("filled up" in seen.text for seen in chat._received()))


async def test_coupons_are_collected_shown_with_a_qr_and_a_typed_code_redeemed(chat, shop):
    template = await coupon_template(shop.db, shop.merchant, name="Five off")
    activity = await shop.live(
        {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    )
    card = await chat.start(activity["slug"], activity["slug"])
    collected = await chat.press(option(card[-1], "c:"))
    assert "Five off" in collected[0].text
    qr = collected[-1]
    assert qr.image and qr.image.endswith(".png") and "/qr/" in qr.image

    mine = await chat.press("cp")
    assert "Five off" in mine[-1].text and "€5.00" in mine[-1].text
    shown = await chat.press(option(mine[-1], "q:"))
    assert shown[-1].image == qr.image

    batch = await shop.call(
        "post",
        "/code-batches",
        {
            "name": "Flyer",
            "kind": "generated",
            "count": 1,
            "reward": {"type": "points", "amount": 7},
        },
    )
    assert batch.status == 201, batch.text
    export = await shop.call("get", f"/code-batches/{batch.json['id']}/export")
    code = export.text.splitlines()[1].split(",")[0]
    await chat.press("code")
    wrong = await chat.type("NOT-A-REAL-CODE")
    assert "doesn't exist" in wrong[-1].text
    redeemed = await chat.type(code)
    assert "Code redeemed" in redeemed[-1].text and "7 points" in redeemed[-1].text


async def test_points_won_are_exchanged_for_a_coupon_from_the_catalogue(chat, shop):
    activity = await shop.live(
        wheel(
            prizes=[
                {"name": "Points", "weight": 10**6, "reward": {"type": "points", "amount": 150}},
                {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
            ]
        )
    )
    template = await coupon_template(shop.db, shop.merchant, name="Tea voucher")
    item = await shop.call(
        "post",
        "/points/catalogue",
        {
            "name": "Tea voucher",
            "cost": 100,
            "reward": {"type": "coupon", "template_id": str(template.id)},
        },
    )
    assert item.status == 201, item.text
    card = await chat.start(activity["slug"], activity["slug"])
    await chat.press(option(card[-1], "p:"))

    points = await chat.press("pt")
    assert "150 points" in points[-1].text
    exchanged = await chat.press(option(points[-1], "x:"))
    assert "Tea voucher" in exchanged[-1].text and "50 points" in exchanged[-1].text
    poorer = await chat.press(option(points[-1], "x:"))
    assert "enough points" in poorer[-1].text
