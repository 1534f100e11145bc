"""An activity for members of the merchant's Telegram channel only."""

import asyncio

from sqlalchemy import update

from core.customers.models import ChannelIdentity
from tests.activities.shop import wheel
from tests.channels.chats import BOT_TOKEN, TelegramChat, option


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


async def test_no_transaction_waits_on_telegram_while_membership_is_checked(
    shop, fake_telegram, worker
):
    """While Telegram answers getChatMember, the customer's own chat state can be written: the
    check runs outside the conversation's transaction (on SQLite that transaction would hold
    the database's one write lock, stopping every write in the app for as long as Telegram
    takes)."""
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    fake_telegram.make_admin(BOT_TOKEN, "@shopnews")
    activity = await shop.live(gated())
    card = await chat.start(activity["slug"], activity["slug"])
    written = []

    async def write_meanwhile(params: dict) -> None:
        async def write() -> None:
            async with shop.db.transaction() as session:
                await session.execute(
                    update(ChannelIdentity)
                    .where(ChannelIdentity.address == str(params["user_id"]))
                    .values(locale="es")
                )

        # A lock held by the conversation would keep this waiting: the call below never
        # returns while the write waits, so the wait can only end by the timeout.
        await asyncio.wait_for(write(), timeout=10)
        written.append(params["chat_id"])

    fake_telegram.before_answer["getChatMember"] = write_meanwhile
    outside = await chat.press(option(card[-1], "p:"))
    assert written == ["@shopnews"]
    assert "@shopnews" in outside[-1].text


async def test_a_customer_hears_the_check_failed_when_telegram_refuses_or_breaks(
    shop, fake_telegram, worker
):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    fake_telegram.make_admin(BOT_TOKEN, "@shopnews")
    activity = await shop.live(gated())
    card = await chat.start(activity["slug"], activity["slug"])
    for status, description in (
        (403, "Forbidden: bot was kicked from the channel chat"),
        (500, "Internal Server Error"),
    ):
        fake_telegram.fail_next("getChatMember", status=status, description=description)
        answer = await chat.press(option(card[-1], "p:"))
        assert "can't check" in answer[-1].text, status
