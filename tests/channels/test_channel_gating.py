"""An activity for members of the merchant's Telegram channel only."""

from tests.activities.shop import wheel
from tests.channels.chats import BOT_TOKEN, option


def gated() -> dict:
    return wheel(rules={"telegram_channel": "@shopnews"})


async def test_a_telegram_customer_joins_the_channel_then_plays(chat, shop, fake_telegram):
    if chat.channel != "telegram":
        return await _others_are_sent_to_telegram(chat, shop, fake_telegram)
    activity = await shop.live(gated())
    card = await chat.start(activity["slug"], activity["slug"])
    spin = option(card[-1], "p:")

    unknown = await chat.press(spin)
    assert "can't check" in unknown[-1].text, "the bot is not the channel's admin yet"

    fake_telegram.make_admin(BOT_TOKEN, "@shopnews")
    outside = await chat.press(spin)
    assert "members of @shopnews" in outside[-1].text
    buttons = fake_telegram.sent(chat_id=chat.user_id)[-1].params["reply_markup"]
    assert buttons["inline_keyboard"][0][0]["url"] == "https://t.me/shopnews"

    fake_telegram.set_member("@shopnews", chat.user_id, "member")
    played = await chat.press(option(outside[-1], "p:"))
    assert "You won" in played[-1].text or "No prize" in played[-1].text


async def _others_are_sent_to_telegram(chat, shop, fake_telegram):
    activity = await shop.live(gated())
    card = await chat.start(activity["slug"], activity["slug"])
    refused = await chat.press(option(card[-1], "p:"))
    assert "only for members" in refused[-1].text
    fake_telegram.add_bot(BOT_TOKEN, username="shop_bot")
    assert (await shop.call("post", "/channels/telegram", {"token": BOT_TOKEN})).status == 201
    redirected = await chat.press(option(card[-1], "p:"))
    assert any("continue in Telegram" in seen.text for seen in redirected)
