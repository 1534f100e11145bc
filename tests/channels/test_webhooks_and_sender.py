"""Webhook authentication, duplicate deliveries, bad payloads, and the sender's manners."""

import json

from sqlalchemy import func, select

from core.channels.models import OutgoingMessage
from core.crypto import Sealer
from core.customers.models import ChannelIdentity
from core.events.models import Event
from tests.activities.shop import wheel
from tests.channels.chats import TelegramChat, WhatsAppChat
from tests.waiting import wait_until


async def received_events(shop) -> int:
    async with shop.db.transaction(write=False) as session:
        query = select(func.count()).select_from(Event).where(Event.type == "chat.received")
        return (await session.execute(query)).scalar_one()


async def test_telegram_webhook_refuses_a_wrong_or_missing_secret_before_parsing(
    shop, fake_telegram
):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    wrong = await chat.post_update({"update_id": 1}, secret="not-the-secret")
    assert wrong.status == 401
    _, missing = await shop.client.post(
        f"/webhooks/telegram/{chat.account['external_id']}", content="{not json"
    )
    assert missing.status == 401
    assert await received_events(shop) == 0


async def test_telegram_bad_payloads_are_400_and_unknown_bots_404(shop, fake_telegram):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    _, garbage = await shop.client.post(
        f"/webhooks/telegram/{chat.account['external_id']}",
        content="{not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": chat.secret},
    )
    assert garbage.status == 400
    no_id = await chat.post_update({"message": {}})
    assert no_id.status == 400
    _, unknown = await shop.client.post("/webhooks/telegram/999", content="{}")
    assert unknown.status == 404


async def test_the_same_update_twice_has_one_effect(shop, fake_telegram, worker):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    update = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "Bo"},
            "text": "hi",
        },
    }
    for _ in range(2):
        assert (await chat.post_update(update)).status == 200
    assert await received_events(shop) == 1
    await wait_until(lambda: fake_telegram.sent(chat_id=5))
    assert len(fake_telegram.sent(method="sendMessage", chat_id=5)) == 1


async def test_the_token_never_comes_back_in_answers(shop, fake_telegram):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    listed = await shop.call("get", "/channels")
    assert listed.status == 200
    assert "AAH-fake-token" not in listed.text
    assert "AAH-fake-token" not in json.dumps(chat.account)


async def test_a_429_is_retried_after_its_wait_and_a_block_marks_the_customer_unreachable(
    shop, fake_telegram, worker
):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    activity = await shop.live(wheel())
    fake_telegram.fail_next("sendMessage", status=429, retry_after=1)
    card = await chat.start(activity["slug"], activity["slug"])
    assert "Spring wheel" in card[-1].text
    failed = [c for c in fake_telegram.calls if c.status == 429]
    assert len(failed) == 1, "asked to wait once, then delivered"

    fake_telegram.block(chat.user_id)
    await chat._deliver({"kind": "text", "text": "menu"})

    async def marked_unreachable() -> bool:
        async with shop.db.transaction(write=False) as session:
            identity = (await session.execute(select(ChannelIdentity))).scalar_one()
            statuses = set((await session.execute(select(OutgoingMessage.status))).scalars())
        return identity.unreachable_at is not None and "unreachable" in statuses

    await wait_until(marked_unreachable, within=15)


async def test_whatsapp_signature_is_checked_and_duplicates_have_one_effect(
    shop, fake_whatsapp, worker
):
    chat = WhatsAppChat(shop, fake_whatsapp)
    await chat.connect()
    bad = await chat.post_body(b'{"object": "whatsapp_business_account"}', "sha256=00")
    assert bad.status == 401
    await chat.type("hi")
    before = await received_events(shop)
    message = {
        "from": chat.wa_id,
        "id": "wamid.same",
        "timestamp": "1",
        "type": "text",
        "text": {"body": "hi"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "1", "phone_number_id": "106540352242922"},
        "messages": [message],
    }
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
    )
    for _ in range(2):
        assert (await chat.post_body(body.encode())).status == 200
    assert await received_events(shop) == before + 1


async def test_credentials_that_cannot_travel_in_a_header_are_refused_clearly(shop):
    body = {
        "phone_number_id": "106540352242922",
        "access_token": "EAAG-token-with-é-inside",
        "app_secret": "app-secret-for-tests",
        "verify_token": "verify-token-for-tests",
    }
    response = await shop.call("post", "/channels/whatsapp", body)
    assert (response.status, response.json["error"]["field"]) == (422, "access_token")


async def test_a_webhook_url_with_control_characters_is_refused(shop):
    response = await shop.call(
        "post", "/webhook-endpoints", {"url": "https://\x01shop.example/hook", "events": ["*"]}
    )
    assert (response.status, response.json["error"]["field"]) == (422, "url")


async def test_a_token_sealed_under_another_key_is_a_503_not_a_crash(shop, app, fake_telegram):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    app.ctx.channels.sealer = Sealer("another-secret-key-" + "y" * 32)
    response = await chat.post_update({"update_id": 9, "message": {}})
    assert (response.status, response.json["error"]["code"]) == (503, "credentials_unreadable")
    assert await received_events(shop) == 0


async def test_a_pressed_button_is_acknowledged_in_the_webhooks_own_answer(shop, fake_telegram):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    user = {"id": 5, "is_bot": False, "first_name": "Bo"}
    update = {
        "update_id": 3,
        "callback_query": {"id": "cq-3", "from": user, "chat_instance": "1", "data": "m"},
    }
    response = await chat.post_update(update)
    assert response.json == {"method": "answerCallbackQuery", "callback_query_id": "cq-3"}
    message = {
        "update_id": 4,
        "message": {
            "message_id": 1,
            "date": 1,
            "from": user,
            "chat": {"id": 5, "type": "private"},
            "text": "hi",
        },
    }
    assert (await chat.post_update(message)).json == {}
