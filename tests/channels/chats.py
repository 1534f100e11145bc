"""One customer's side of a conversation on each channel, driven through the real webhooks (or
the web chat's endpoint) and read back from what the fake platforms received."""

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from core.channels.models import OutgoingMessage
from core.events.models import OutboxEntry
from tests.waiting import wait_until

BOT_TOKEN = "4242424242:AAH-fake-token-for-confetti-tests-0123"
PHONE_NUMBER_ID = "106540352242922"
WA_TOKEN = "EAAG-fake-access-token"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Seen:
    """One message as the customer sees it: its text and the option ids it offers."""

    text: str
    options: tuple[str, ...]
    image: str | None = None


class Chat:
    channel: str

    def __init__(self, shop, fake=None, who: int = 0) -> None:
        """`who` tells customers apart: each number is another person on the channel."""
        self.shop, self.fake, self.who = shop, fake, who

    async def connect(self) -> None:
        """Connect the merchant's bot or number through the API."""

    async def start(self, payload: str, slug: str) -> list[Seen]:
        """Follow a deep link (`slug`: the activity page it came from, for the web chat)."""
        self.slug = slug
        return await self._say({"kind": "start", "text": payload})

    async def type(self, text: str) -> list[Seen]:
        return await self._say({"kind": "text", "text": text})

    async def press(self, option: str) -> list[Seen]:
        return await self._say({"kind": "button", "option": option})

    async def _say(self, what: dict) -> list[Seen]:
        before = len(self._received())
        queued = await self._queued()
        await self._deliver(what)
        await self._settled(queued)
        return self._received()[before:]

    async def _queued(self) -> int:
        async with self.shop.db.transaction(write=False) as session:
            return (await session.execute(select(func.count(OutgoingMessage.id)))).scalar_one()

    async def _settled(self, queued_before: int) -> None:
        """Until the update was answered and every reply left the sender."""

        async def done() -> bool:
            async with self.shop.db.transaction(write=False) as session:
                outbox = (await session.execute(select(func.count(OutboxEntry.id)))).scalar_one()
                total = (await session.execute(select(func.count(OutgoingMessage.id)))).scalar_one()
                pending = (
                    await session.execute(
                        select(func.count(OutgoingMessage.id)).where(
                            OutgoingMessage.status == "pending"
                        )
                    )
                ).scalar_one()
            return outbox == 0 and total > queued_before and pending == 0

        await wait_until(done, within=15)

    async def _deliver(self, what: dict) -> None:
        raise NotImplementedError

    def _received(self) -> list[Seen]:
        raise NotImplementedError


class TelegramChat(Chat):
    channel = "telegram"

    @property
    def user_id(self) -> int:
        return 184729301 + self.who

    async def connect(self) -> None:
        if self.who:  # the merchant connected the bot once; another customer just uses it
            self.account = (await self.shop.call("get", "/channels")).json["items"][0]
        else:
            self.fake.add_bot(BOT_TOKEN, username="shop_bot")
            response = await self.shop.call("post", "/channels/telegram", {"token": BOT_TOKEN})
            assert response.status == 201, response.text
            self.account = response.json
        self.secret = self.fake.webhooks[BOT_TOKEN]["secret_token"]

    async def _deliver(self, what: dict) -> None:
        sender = {"id": self.user_id, "is_bot": False, "first_name": "Ana", "language_code": "en"}
        chat = {"id": self.user_id, "type": "private", "first_name": "Ana"}
        number = next(_ids)
        if what["kind"] == "button":
            update = {
                "callback_query": {
                    "id": f"cq{number}",
                    "from": sender,
                    "chat_instance": "1",
                    "data": what["option"],
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": chat,
                        "text": "…",
                    },
                }
            }
        else:
            text = f"/start {what['text']}" if what["kind"] == "start" else what["text"]
            update = {
                "message": {
                    "message_id": number,
                    "date": int(time.time()),
                    "chat": chat,
                    "from": sender,
                    "text": text,
                }
            }
        response = await self.post_update({"update_id": number, **update})
        assert response.status == 200, response.text

    async def post_update(self, update: dict, secret: str | None = None):
        _, response = await self.shop.client.post(
            f"/webhooks/telegram/{self.account['external_id']}",
            content=json.dumps(update),
            headers={"X-Telegram-Bot-Api-Secret-Token": secret or self.secret},
        )
        return response

    def _received(self) -> list[Seen]:
        seen = []
        for call in self.fake.sent(chat_id=self.user_id):
            if call.method.lower() not in ("sendmessage", "sendphoto", "editmessagetext"):
                continue
            markup = call.params.get("reply_markup") or {}
            options = tuple(
                button["callback_data"]
                for row in markup.get("inline_keyboard", [])
                for button in row
                if "callback_data" in button
            )
            text = call.params.get("text") or call.params.get("caption") or ""
            seen.append(Seen(text, options, call.params.get("photo")))
        return seen


class WhatsAppChat(Chat):
    channel = "whatsapp"

    @property
    def wa_id(self) -> str:
        return str(5215512345678 + self.who)

    async def connect(self) -> None:
        if self.who:
            self.account = (await self.shop.call("get", "/channels")).json["items"][0]
            return
        self.fake.add_number(PHONE_NUMBER_ID, WA_TOKEN)
        body = {
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": WA_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
        }
        response = await self.shop.call("post", "/channels/whatsapp", body)
        assert response.status == 201, response.text
        self.account = response.json

    async def _deliver(self, what: dict) -> None:
        message = {"from": self.wa_id, "id": f"wamid.test{next(_ids)}", "timestamp": "1"}
        if what["kind"] == "button":
            reply = {"id": what["option"], "title": "x"}
            message |= {
                "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": reply},
            }
        else:
            text = f"Let me in! #{what['text']}" if what["kind"] == "start" else what["text"]
            message |= {"type": "text", "text": {"body": text}}
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550100199", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": self.wa_id}],
            "messages": [message],
        }
        body = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
        }
        response = await self.post_body(json.dumps(body).encode())
        assert response.status == 200, response.text

    async def post_body(self, raw: bytes, signature: str | None = None):
        digest = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        _, response = await self.shop.client.post(
            self.account["webhook_url"].replace("https://confetti.test", ""),
            content=raw,
            headers={
                "X-Hub-Signature-256": signature or f"sha256={digest}",
                "Content-Type": "application/json",
            },
        )
        return response

    def _received(self) -> list[Seen]:
        seen = []
        for call in self.fake.sent(to=self.wa_id):
            body = call.body
            if body.get("type") == "text":
                seen.append(Seen(body["text"]["body"], ()))
            elif body.get("type") == "image":
                seen.append(Seen(body["image"].get("caption", ""), (), body["image"]["link"]))
            elif body.get("type") == "interactive":
                interactive = body["interactive"]
                action = interactive.get("action", {})
                options = tuple(b["reply"]["id"] for b in action.get("buttons", []))
                options += tuple(
                    row["id"] for section in action.get("sections", []) for row in section["rows"]
                )
                image = (interactive.get("header") or {}).get("image", {}).get("link")
                seen.append(Seen(interactive["body"]["text"], options, image))
        return seen


class WebChat(Chat):
    channel = "web"

    def __init__(self, shop, fake=None, who: int = 0) -> None:
        super().__init__(shop, fake, who)
        self.cookies: dict[str, str] = {}

    async def _say(self, what: dict) -> list[Seen]:
        _, response = await self.shop.client.post(
            f"/webchat/{self.slug}/messages", json=what, cookies=self.cookies
        )
        assert response.status == 200, response.text
        self.cookies = {**self.cookies, **dict(response.cookies)}
        replies = response.json["replies"]
        return [
            Seen(r["text"], tuple(o["id"] for o in r["options"]), r.get("image_url"))
            for r in replies
        ]


def option(seen: Seen, prefix: str) -> str:
    """The id of the offered option that starts with `prefix` (`p:` spin, `c:` collect...)."""
    return next(o for o in seen.options if o.startswith(prefix))


CHATS = {"telegram": TelegramChat, "whatsapp": WhatsAppChat, "web": WebChat}
