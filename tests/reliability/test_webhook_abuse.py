"""The chat webhooks under abuse: a wrong Telegram secret or WhatsApp signature, invalid JSON,
1 MB bodies and replayed updates, sent concurrently. Each gets its own status as a JSON error;
nothing is recorded twice, nothing answers 500, and the webhook still serves a real customer
afterwards."""

import asyncio
import hashlib
import hmac
import itertools
import json

import pytest
from sqlalchemy import func, select

from core.channels.models import InboundUpdate
from core.events.models import Event
from tests.channels.chats import APP_SECRET, PHONE_NUMBER_ID, Chat, TelegramChat, WhatsAppChat
from tests.channels.conftest import settings, worker  # noqa: F401  (the fake platforms)
from tests.waiting import wait_until

MEGABYTE = 1_000_000
REPLAYS = 10
_update_ids = itertools.count(900_001)


class Webhook:
    """One channel's webhook as a platform (or an attacker) posts to it: raw bytes, authentic
    or not."""

    def __init__(self, chat: Chat) -> None:
        self.chat = chat

    async def post(self, raw: bytes, *, authentic: bool = True):
        raise NotImplementedError

    def message(self, text: str, update_id: int) -> bytes:
        raise NotImplementedError

    def sent_to_customer(self) -> int:
        raise NotImplementedError


class TelegramWebhook(Webhook):
    async def post(self, raw: bytes, *, authentic: bool = True):
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.chat.secret if authentic else "nope"}
        _, response = await self.chat.shop.client.post(
            f"/webhooks/telegram/{self.chat.account['external_id']}", content=raw, headers=headers
        )
        return response

    def message(self, text: str, update_id: int) -> bytes:
        user = {"id": self.chat.user_id, "is_bot": False, "first_name": "Ana"}
        message = {
            "message_id": update_id,
            "date": 1,
            "chat": {"id": self.chat.user_id, "type": "private"},
            "from": user,
            "text": text,
        }
        return json.dumps({"update_id": update_id, "message": message}).encode()

    def sent_to_customer(self) -> int:
        return len(self.chat.fake.sent(method="sendMessage", chat_id=self.chat.user_id))


class WhatsAppWebhook(Webhook):
    async def post(self, raw: bytes, *, authentic: bool = True):
        secret = APP_SECRET if authentic else "not-the-app-secret"
        signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        return await self.chat.post_body(raw, f"sha256={signature}")

    def message(self, text: str, update_id: int) -> bytes:
        message = {
            "from": self.chat.wa_id,
            "id": f"wamid.abuse{update_id}",
            "timestamp": "1",
            "type": "text",
            "text": {"body": text},
        }
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_NUMBER_ID},
            "messages": [message],
        }
        change = {"field": "messages", "value": value}
        body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
        return json.dumps(body).encode()

    def sent_to_customer(self) -> int:
        return len(self.chat.fake.sent(to=self.chat.wa_id))


@pytest.fixture(params=["telegram", "whatsapp"])
async def webhook(request, shop, fake_telegram, fake_whatsapp) -> Webhook:
    if request.param == "telegram":
        chat = TelegramChat(shop, fake_telegram)
        hook = TelegramWebhook(chat)
    else:
        chat = WhatsAppChat(shop, fake_whatsapp)
        hook = WhatsAppWebhook(chat)
    await chat.connect()
    return hook


async def recorded(webhook: Webhook) -> tuple[int, int]:
    """(updates marked seen, chat.received events)."""
    async with webhook.chat.shop.db.transaction(write=False) as session:
        seen = await session.execute(select(func.count()).select_from(InboundUpdate))
        events = await session.execute(
            select(func.count()).select_from(Event).where(Event.type == "chat.received")
        )
        return seen.scalar_one(), events.scalar_one()


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status == status, response.text
    assert response.json["error"]["code"] == code or code is None, response.text


async def test_unauthenticated_bodies_are_401_and_record_nothing(webhook: Webhook) -> None:
    small = webhook.message("hi", next(_update_ids))
    large = webhook.message("x" * MEGABYTE, next(_update_ids))
    for raw in (small, large, b"{not json", b"\x00" * MEGABYTE):
        assert_error(await webhook.post(raw, authentic=False), 401)
    assert await recorded(webhook) == (0, 0)


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[" * 100_000, b'{"a": "' + b"x" * MEGABYTE, b"\xff\xfe" * (MEGABYTE // 2)],
    ids=["garbage", "deep", "1MB-unterminated", "1MB-not-utf8"],
)
async def test_authentic_invalid_json_is_400_and_records_nothing(
    webhook: Webhook, raw: bytes
) -> None:
    response = await webhook.post(raw)
    assert response.status == 400, response.text
    assert response.json["error"]["code"] in ("malformed_json", "json_too_deep")
    assert await recorded(webhook) == (0, 0)


async def test_an_authentic_1_mb_message_is_taken_once_and_answered(webhook, worker) -> None:  # noqa: F811
    raw = webhook.message("x" * MEGABYTE, next(_update_ids))
    assert len(raw) > MEGABYTE
    assert (await webhook.post(raw)).status == 200
    assert await recorded(webhook) == (1, 1)
    await wait_until(lambda: webhook.sent_to_customer() >= 1, within=15)


async def test_an_update_replayed_concurrently_is_taken_once_and_answered_once(
    webhook: Webhook,
    worker,  # noqa: F811
) -> None:
    raw = webhook.message("menu", next(_update_ids))
    answers = await asyncio.gather(*(webhook.post(raw) for _ in range(REPLAYS)))
    assert [answer.status for answer in answers] == [200] * REPLAYS
    assert await recorded(webhook) == (1, 1)
    await wait_until(lambda: webhook.sent_to_customer() >= 1, within=15)
    replies = webhook.sent_to_customer()
    # A later replay, once the reply went, is still a replay.
    assert (await webhook.post(raw)).status == 200
    assert await recorded(webhook) == (1, 1)
    assert webhook.sent_to_customer() == replies
