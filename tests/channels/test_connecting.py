"""Connecting a bot or number that another merchant holds is refused before the platform is
asked to change anything: the holder's bot keeps its webhook and secret, and its updates."""

import asyncio

from sqlalchemy import func, select

from bots.telegram.bots import TelegramBots
from bots.telegram.connect import connect_bot
from core.channels.errors import ChannelTaken
from core.channels.models import ChannelAccount
from core.crypto import Sealer, fingerprint
from core.events.models import Event
from tests.activities.shop import Shop
from tests.channels.chats import (
    BOT_TOKEN,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WA_TOKEN,
    Chat,
    TelegramChat,
    WhatsAppChat,
)
from tests.factories import bearer, merchant_with_key


async def received_by(shop, merchant_id) -> int:
    async with shop.db.transaction(write=False) as session:
        query = (
            select(func.count())
            .select_from(Event)
            .where(Event.type == "chat.received", Event.merchant_id == merchant_id)
        )
        return (await session.execute(query)).scalar_one()


async def connected_and_another_shop(chat: Chat) -> tuple[int, Shop]:
    """The holder's bot or number connected, the calls its platform had so far, and another
    merchant about to connect the same."""
    await chat.connect()
    return len(chat.fake.calls), await Shop(chat.shop.client, chat.shop.db).open()


async def test_a_refused_telegram_connect_calls_only_getme_and_the_holder_keeps_receiving(
    shop, fake_telegram, worker
) -> None:
    holder = TelegramChat(shop, fake_telegram)
    before, other = await connected_and_another_shop(holder)

    refused = await other.call("post", "/channels/telegram", {"token": BOT_TOKEN})

    assert (refused.status, refused.json["error"]["code"]) == (409, "channel_taken")
    assert [call.method for call in fake_telegram.calls[before:]] == ["getMe"]
    assert fake_telegram.webhooks[BOT_TOKEN]["secret_token"] == holder.secret
    replies = await holder.type("hi")
    assert replies, "the holder's bot still answers its customers"
    assert await received_by(shop, shop.merchant.id) == 1
    assert (await other.call("get", "/channels")).json["items"] == []


async def test_a_refused_whatsapp_connect_changes_nothing_of_the_holders_number(
    shop, fake_whatsapp
) -> None:
    holder = WhatsAppChat(shop, fake_whatsapp)
    before, other = await connected_and_another_shop(holder)
    body = {
        "phone_number_id": PHONE_NUMBER_ID,
        "access_token": WA_TOKEN,
        "app_secret": "another-app-secret",
        "verify_token": "another-verify-token",
    }

    refused = await other.call("post", "/channels/whatsapp", body)

    assert (refused.status, refused.json["error"]["code"]) == (409, "channel_taken")
    assert [call.http_method for call in fake_whatsapp.calls[before:]] == ["GET"]
    webhook = holder.account["webhook_url"].replace("https://confetti.test", "")
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    _, verified = await shop.client.get(webhook, params=query)
    assert (verified.status, verified.text) == (200, "42")
    assert (
        await holder.post_body(b'{"object": "whatsapp_business_account", "entry": []}')
    ).status == 200


async def test_of_eight_merchants_connecting_one_bot_at_once_only_the_winner_sets_its_webhook(
    db, settings, fake_telegram
) -> None:
    fake_telegram.add_bot(BOT_TOKEN, username="shop_bot")
    merchants = [(await merchant_with_key(db, name=f"Shop {n}"))[0] for n in range(8)]
    bots = TelegramBots(fake_telegram.base_url)
    sealer = Sealer(settings.secret_key)
    try:
        outcomes = await asyncio.gather(
            *(
                connect_bot(
                    bots,
                    db,
                    sealer,
                    merchant_id=merchant.id,
                    token=BOT_TOKEN,
                    webhook_base="https://confetti.test",
                )
                for merchant in merchants
            ),
            return_exceptions=True,
        )
    finally:
        await bots.close()
    winners = [outcome for outcome in outcomes if isinstance(outcome, ChannelAccount)]
    assert len(winners) == 1
    assert all(isinstance(o, ChannelTaken) for o in outcomes if o is not winners[0]), outcomes
    assert len(fake_telegram.sent("setWebhook")) == 1
    async with db.transaction(write=False) as session:
        (stored,) = (await session.execute(select(ChannelAccount))).scalars()
    assert stored.merchant_id == winners[0].merchant_id
    secret = fake_telegram.webhooks[BOT_TOKEN]["secret_token"]
    assert stored.webhook_secret_fingerprint == fingerprint(secret)


async def test_a_connect_that_telegram_refuses_at_setwebhook_leaves_the_bot_free(
    shop, fake_telegram
) -> None:
    fake_telegram.add_bot(BOT_TOKEN, username="shop_bot")
    fake_telegram.fail_next("setWebhook", status=400, description="Bad Request: bad webhook")

    refused = await shop.call("post", "/channels/telegram", {"token": BOT_TOKEN})

    assert (refused.status, refused.json["error"]["code"]) == (400, "channel_rejected")
    assert (await shop.call("get", "/channels")).json["items"] == []
    other = await Shop(shop.client, shop.db).open()
    assert (await other.call("post", "/channels/telegram", {"token": BOT_TOKEN})).status == 201


async def test_a_bot_being_disconnected_is_not_free_until_its_webhook_is_gone(
    shop, db, settings, fake_telegram
) -> None:
    holder = TelegramChat(shop, fake_telegram)
    await holder.connect()
    newcomer, _ = await merchant_with_key(db, name="Newcomer")
    bots = TelegramBots(fake_telegram.base_url)
    sealer = Sealer(settings.secret_key)
    refusals: list[ChannelTaken] = []

    async def newcomer_connects(_params: dict | None = None) -> ChannelAccount | None:
        try:
            return await connect_bot(
                bots,
                db,
                sealer,
                merchant_id=newcomer.id,
                token=BOT_TOKEN,
                webhook_base="https://confetti.test",
            )
        except ChannelTaken as refused:
            refusals.append(refused)
            return None

    fake_telegram.before_answer["deleteWebhook"] = newcomer_connects
    try:
        _, response = await shop.client.delete(
            f"/api/v1/channels/{holder.account['id']}", headers=bearer(shop.key)
        )
        del fake_telegram.before_answer["deleteWebhook"]
        connected = await newcomer_connects()
    finally:
        await bots.close()

    assert response.status == 200
    assert len(refusals) == 1, "refused while the holder's webhook was being removed"
    assert connected is not None and connected.merchant_id == newcomer.id
    secret = fake_telegram.webhooks[BOT_TOKEN]["secret_token"]
    assert connected.webhook_secret_fingerprint == fingerprint(secret)
