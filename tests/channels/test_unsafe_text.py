"""What a chat app may send that a database or a parser cannot take: control characters, lone
surrogates, bodies nested absurdly deep. A customer still gets their reply (PostgreSQL refuses a
NUL where SQLite does not, so both run); only a body too deep to be any platform's is refused."""

import json
import time

import pytest
from sqlalchemy import select

from core.customers.models import ChannelIdentity, Customer
from tests.activities.shop import wheel
from tests.channels.chats import TelegramChat, WhatsAppChat
from tests.waiting import wait_until

UNSAFE = "\x00\x07\x1b\x7f\x85\ud800"  # NUL, BEL, ESC, DEL, a C1 control, half an emoji


async def name_of(shop, address: str) -> str | None:
    async with shop.db.transaction(write=False) as session:
        query = (
            select(Customer.name)
            .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
            .where(ChannelIdentity.address == address)
        )
        return (await session.execute(query)).scalar_one()


def telegram_message(user_id: int, update_id: int, **content) -> dict:
    sender = {
        "id": user_id,
        "is_bot": False,
        "first_name": f"E{UNSAFE}ve",
        "last_name": "Smi\x00th\t",
        "username": f"eve{UNSAFE}",
        "language_code": "en",
    }
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": f"E{UNSAFE}ve"},
        "from": sender,
        **content,
    }
    return {"update_id": update_id, "message": message}


@pytest.mark.parametrize(
    "content",
    [
        {"text": f"hel{UNSAFE}lo\nthere"},
        {
            "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}],
            "caption": f"look{UNSAFE}",
        },
    ],
    ids=["text", "caption"],
)
async def test_a_telegram_customer_with_unsafe_characters_in_every_text_gets_a_reply(
    shop, fake_telegram, worker, content
) -> None:
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()

    response = await chat.post_update(telegram_message(chat.user_id, 501, **content))

    assert response.status == 200, response.text
    await wait_until(lambda: fake_telegram.sent(method="sendMessage", chat_id=chat.user_id))
    assert await name_of(shop, str(chat.user_id)) == "Eve Smith"


async def test_a_telegram_button_payload_with_a_nul_gets_a_reply(shop, fake_telegram, worker):
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    press = {
        "update_id": 502,
        "callback_query": {
            "id": "cq\x00502",
            "from": {"id": chat.user_id, "is_bot": False, "first_name": "E\x00ve"},
            "chat_instance": "1",
            "data": "m\x00",
        },
    }

    response = await chat.post_update(press)

    assert response.status == 200, response.text
    await wait_until(lambda: fake_telegram.sent(method="sendMessage", chat_id=chat.user_id))


async def test_a_whatsapp_customer_with_a_nul_in_name_and_text_gets_a_reply(
    shop, fake_whatsapp, worker
) -> None:
    chat = WhatsAppChat(shop, fake_whatsapp)
    await chat.connect()
    message = {
        "from": chat.wa_id,
        "id": "wamid.unsafe\x00text",
        "timestamp": "1",
        "type": "text",
        "text": {"body": f"hel{UNSAFE}lo"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": chat.account["external_id"]},
        "contacts": [{"profile": {"name": f"E{UNSAFE}ve"}, "wa_id": chat.wa_id}],
        "messages": [message],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }

    response = await chat.post_body(json.dumps(body).encode())

    assert response.status == 200, response.text
    await wait_until(lambda: fake_whatsapp.sent(to=chat.wa_id))
    assert await name_of(shop, chat.wa_id) == "Eve"


async def test_a_web_chat_text_with_unsafe_characters_gets_replies(shop) -> None:
    activity = await shop.live(wheel())
    body = json.dumps({"kind": "text", "text": f"hel{UNSAFE}lo", "option": None})

    _, response = await shop.client.post(
        f"/webchat/{activity['slug']}/messages",
        content=body,
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 200, response.text
    assert response.json["replies"]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_a_telegram_update_nested_too_deep_is_400(shop, fake_telegram) -> None:
    chat = TelegramChat(shop, fake_telegram)
    await chat.connect()
    _, response = await shop.client.post(
        f"/webhooks/telegram/{chat.account['external_id']}",
        content=b'{"update_id": 1, "message": ' + nested(5000) + b"}",
        headers={"X-Telegram-Bot-Api-Secret-Token": chat.secret},
    )
    assert (response.status, response.json["error"]["code"]) == (400, "json_too_deep")


async def test_a_whatsapp_webhook_nested_too_deep_is_400(shop, fake_whatsapp) -> None:
    chat = WhatsAppChat(shop, fake_whatsapp)
    await chat.connect()
    response = await chat.post_body(
        b'{"object": "whatsapp_business_account", "entry": ' + nested(5000) + b"}"
    )
    assert (response.status, response.json["error"]["code"]) == (400, "json_too_deep")


async def test_a_web_chat_message_nested_too_deep_is_400(shop) -> None:
    activity = await shop.live(wheel())
    _, response = await shop.client.post(
        f"/webchat/{activity['slug']}/messages",
        content=b'{"kind": "text", "text": ' + nested(5000) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert (response.status, response.json["error"]["code"]) == (400, "json_too_deep")
