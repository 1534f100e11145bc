import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from aiohttp import web

from tests.fakes.fixtures import fake_telegram, fake_whatsapp  # noqa: F401
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.processes import free_port
from tests.waiting import wait_until

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"
TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
USER = 184729301


def load(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def keyboard(data: str = "claim:cmp_1") -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Claim", callback_data=data)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def make_bot(fake: FakeTelegram, token: str = TOKEN) -> Bot:
    api = TelegramAPIServer.from_base(fake.base_url)
    return Bot(token, session=AiohttpSession(api=api))


@pytest_asyncio.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:  # noqa: F811
    fake_telegram.add_bot(TOKEN, 7012345678, "shop_deals_bot")
    bot = make_bot(fake_telegram)
    yield bot
    await bot.session.close()


# -- Telegram --------------------------------------------------------------------------------


async def test_get_me_and_unknown_token(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (7012345678, "shop_deals_bot", True)

    stranger = make_bot(fake_telegram, "111:nope")
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await stranger.get_me()
    await stranger.session.close()
    assert [(c.method, c.status) for c in fake_telegram.calls] == [("getMe", 200), ("getMe", 401)]


async def test_webhook_lifecycle(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    url = "https://confetti.example/tg/hook/abc"
    assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
    assert fake_telegram.webhooks[TOKEN]["url"] == url
    assert fake_telegram.webhooks[TOKEN]["secret_token"] == "s3cret"
    info = await bot.get_webhook_info()
    assert (info.url, info.allowed_updates) == (url, ["message"])
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    with pytest.raises(TelegramBadRequest, match="HTTPS URL"):
        await bot.set_webhook("http://insecure.example/hook")


async def test_send_and_edit_messages(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    first = await bot.send_message(USER, "Hello <b>there</b>", reply_markup=keyboard())
    second = await bot.send_message(USER, "Second")
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.id == USER and first.chat.type == "private"
    assert first.from_user.username == "shop_deals_bot"
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "claim:cmp_1"

    [call] = fake_telegram.sent("sendMessage", chat_id=USER)[:1]
    assert call.params["chat_id"] == USER and call.params["text"] == "Hello <b>there</b>"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "claim:cmp_1"

    edited = await bot.edit_message_text(
        "Claimed!", chat_id=USER, message_id=first.message_id, reply_markup=keyboard("done")
    )
    assert edited.text == "Claimed!" and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER, message_id=first.message_id, reply_markup=keyboard("done")
        )
    edited = await bot.edit_message_reply_markup(chat_id=USER, message_id=first.message_id)
    assert edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=keyboard("x" * 65))
    assert await bot.answer_callback_query("793418236945238311", text="Coupon sent!")


async def test_send_photo_by_url_and_upload(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    by_url = await bot.send_photo(USER, "https://cdn.example/p.jpg", caption="Promo")
    assert by_url.caption == "Promo" and len(by_url.photo) == 3
    upload = BufferedInputFile(b"\xff\xd8fakejpeg", filename="p.jpg")
    await bot.send_photo(USER, upload)
    url_call, upload_call = fake_telegram.sent("sendPhoto")
    assert url_call.params["photo"] == "https://cdn.example/p.jpg"
    assert upload_call.params["photo"].startswith("attach://")
    file_field = upload_call.params[upload_call.params["photo"].removeprefix("attach://")]
    assert file_field == {"filename": "p.jpg", "size": 10}


async def test_get_chat_member(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    fake_telegram.set_member("@shopnews", USER, "member")
    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member("@shopnews", USER)
    fake_telegram.make_admin(TOKEN, "@shopnews")
    for status in ("creator", "administrator", "member", "restricted", "left", "kicked"):
        fake_telegram.set_member("@shopnews", USER, status)
        member = await bot.get_chat_member("@ShopNews", USER)  # parsed by aiogram's models
        assert (member.status, member.user.id) == (status, USER)
    chat = await bot.get_chat("@shopnews")
    assert chat.type == "channel" and chat.username == "shopnews"
    assert (await bot.get_chat_member(chat.id, 42)).status == "left"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat_member("@nosuchchannel", USER)


async def test_faults(fake_telegram: FakeTelegram, bot: Bot) -> None:  # noqa: F811
    fake_telegram.fail_next("sendMessage", retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(USER, "hi")
    assert caught.value.retry_after == 7
    assert (await bot.send_message(USER, "hi")).message_id == 1

    fake_telegram.block(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER, "hi again")
    assert [c.status for c in fake_telegram.calls] == [429, 200, 403]
    assert len(fake_telegram.sent("sendMessage")) == 1


async def test_json_and_get_requests(fake_telegram: FakeTelegram) -> None:  # noqa: F811
    fake_telegram.add_bot(TOKEN)
    async with httpx.AsyncClient(base_url=fake_telegram.base_url) as client:
        sent = await client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 5, "text": "x"})
        got = await client.get(f"/bot{TOKEN}/getMe")
        missing = await client.post(f"/bot{TOKEN}/noSuchMethod")
    assert sent.json()["result"]["chat"] == {"id": 5, "type": "private", "first_name": "User 5"}
    assert got.json()["result"]["id"] == 7012345678
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.mark.parametrize(
    "name", ["telegram_start_with_payload", "telegram_callback_query", "telegram_text_message"]
)
def test_telegram_payloads_parse(name: str) -> None:
    update = Update.model_validate(load(f"{name}.json"))
    assert update.event_type in {"message", "callback_query"}
    if name == "telegram_start_with_payload":
        assert update.message.text.split(maxsplit=1) == ["/start", "cmp_8f3a2c_src_ig"]
        assert update.message.entities[0].type == "bot_command"
    if name == "telegram_callback_query":
        assert update.callback_query.data == "claim:cmp_8f3a2c"
        assert update.callback_query.message.from_user.is_bot


# -- WhatsApp --------------------------------------------------------------------------------

NUMBER_ID, WA_TOKEN, CUSTOMER = "106540352242922", "EAAGtestToken", "5215512345678"


@pytest_asyncio.fixture
async def wa(fake_whatsapp: FakeWhatsApp) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    fake_whatsapp.add_number(NUMBER_ID, WA_TOKEN, verified_name="Shop Deals")
    headers = {"Authorization": f"Bearer {WA_TOKEN}"}
    async with httpx.AsyncClient(base_url=fake_whatsapp.base_url, headers=headers) as client:
        yield client


def message(kind: str, content: dict, to: str = CUSTOMER) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": kind, kind: content}  # fmt: skip


def buttons(*titles: str) -> dict:
    items = [{"type": "reply", "reply": {"id": f"b{i}", "title": t}} for i, t in enumerate(titles)]
    return {"type": "button", "body": {"text": "Pick one"}, "action": {"buttons": items}}


def rows_list(count: int, title: str = "Row", button: str = "Choose") -> dict:
    rows = [{"id": f"r{i}", "title": title, "description": "d"} for i in range(count)]
    return {
        "type": "list",
        "body": {"text": "Stores"},
        "action": {"button": button, "sections": [{"title": "Nearby", "rows": rows}]},
    }


def cta(display_text: str = "Open shop") -> dict:
    parameters = {"display_text": display_text, "url": "https://shop.example/c/1"}
    return {"type": "cta_url", "body": {"text": "Go"}, "action": {"name": "cta_url",
            "parameters": parameters}}  # fmt: skip


TEMPLATE = {"name": "coupon_reminder", "language": {"code": "es_MX"}}
VALID = [
    ("text", {"body": "Hola"}),
    ("text", {"body": "x" * 4096}),
    ("image", {"link": "https://cdn.example/p.jpg", "caption": "Promo"}),
    ("interactive", buttons("Yes", "No", "x" * 20)),
    ("interactive", rows_list(10, title="x" * 24, button="x" * 20)),
    ("interactive", cta("x" * 20)),
    ("template", TEMPLATE),
]
INVALID = [
    ("text", {"body": "x" * 4097}, "Text body length invalid"),
    ("image", {"link": "not a url"}, "not a valid URL"),
    ("interactive", buttons("a", "b", "c", "d"), "Buttons count invalid"),
    ("interactive", buttons("x" * 21), "Button title length invalid"),
    ("interactive", rows_list(11), "Total row count invalid"),
    ("interactive", rows_list(2, title="x" * 25), "Row title length invalid"),
    ("interactive", rows_list(2, button="x" * 21), "Button label length invalid"),
    ("interactive", cta("x" * 21), "Display text length invalid"),
]


@pytest.mark.parametrize(("kind", "content"), VALID)
async def test_whatsapp_accepts_valid(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
    kind: str,
    content: dict,
) -> None:
    response = await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=message(kind, content))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER}]
    assert body["messages"][0]["id"].startswith("wamid.")
    [call] = fake_whatsapp.sent(to=CUSTOMER, type=kind)
    assert call.body[kind] == content and call.token == WA_TOKEN


@pytest.mark.parametrize(("kind", "content", "details"), INVALID)
async def test_whatsapp_rejects_invalid(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
    kind: str,
    content: dict,
    details: str,
) -> None:
    response = await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=message(kind, content))
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (131009, "(#131009) Parameter value is not valid")
    assert details in error["error_data"]["details"]
    assert error["fbtrace_id"]
    assert fake_whatsapp.sent() == [] and fake_whatsapp.calls[0].status == 400


async def test_whatsapp_auth_and_number_lookup(fake_whatsapp: FakeWhatsApp, wa) -> None:  # noqa: F811
    number = (await wa.get(f"/v21.0/{NUMBER_ID}")).json()
    assert number["id"] == NUMBER_ID and number["verified_name"] == "Shop Deals"
    assert number["display_phone_number"]
    async with httpx.AsyncClient(base_url=fake_whatsapp.base_url) as anonymous:
        bad = await anonymous.get(f"/v21.0/{NUMBER_ID}", headers={"Authorization": "Bearer x"})
        missing = await anonymous.post(f"/v21.0/{NUMBER_ID}/messages", json={})
    for response in (bad, missing):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "OAuthException"
        assert response.json()["error"]["code"] == 190
    other = await wa.post("/v21.0/999/messages", json=message("text", {"body": "x"}))
    assert other.status_code == 400 and other.json()["error"]["code"] == 100


async def test_whatsapp_faults(fake_whatsapp: FakeWhatsApp, wa: httpx.AsyncClient) -> None:  # noqa: F811
    url = f"/v21.0/{NUMBER_ID}/messages"
    text = message("text", {"body": "Hola"})
    fake_whatsapp.fail_next()
    limited = await wa.post(url, json=text)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == 130429
    assert (await wa.post(url, json=text)).status_code == 200

    fake_whatsapp.outside_window("+52 1 55 1234 5678")
    late = await wa.post(url, json=text)
    assert late.status_code == 400 and late.json()["error"]["code"] == 131047
    template = (await wa.post(url, json=message("template", TEMPLATE))).json()
    assert template["messages"][0]["message_status"] == "accepted"

    fake_whatsapp.block(CUSTOMER)
    blocked = await wa.post(url, json=message("template", TEMPLATE))
    assert blocked.json()["error"]["code"] == 131026
    assert [c.status for c in fake_whatsapp.calls] == [429, 200, 400, 200, 400]
    assert [c.type for c in fake_whatsapp.sent()] == ["text", "template"]


async def test_whatsapp_read_receipts_and_templates(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
) -> None:
    url = f"/v21.0/{NUMBER_ID}/messages"
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    assert (await wa.post(url, json=read)).json() == {"success": True}
    untyped = {"messaging_product": "whatsapp", "to": CUSTOMER, "text": {"body": "hi"}}
    assert (await wa.post(url, json=untyped)).status_code == 200
    fake_whatsapp.templates = {"coupon_reminder"}
    assert (await wa.post(url, json=message("template", TEMPLATE))).status_code == 200
    unknown = message("template", {"name": "nope", "language": {"code": "en"}})
    assert (await wa.post(url, json=unknown)).json()["error"]["code"] == 132001
    missing = await wa.post(url, json=message("template", {"name": "coupon_reminder"}))
    assert missing.json()["error"]["code"] == 131008
    assert [c.type for c in fake_whatsapp.sent()] == ["text", "template"]


def test_whatsapp_payloads_shape() -> None:
    replies = {
        "whatsapp_text_message": "text",
        "whatsapp_interactive_button_reply": "button_reply",
        "whatsapp_interactive_list_reply": "list_reply",
    }
    for name, kind in replies.items():
        payload = load(f"{name}.json")
        assert payload["object"] == "whatsapp_business_account"
        [change] = payload["entry"][0]["changes"]
        assert change["field"] == "messages"
        value = change["value"]
        assert value["metadata"]["phone_number_id"] == NUMBER_ID
        [contact], [msg] = value["contacts"], value["messages"]
        assert contact["wa_id"] == msg["from"] == CUSTOMER
        assert msg["id"].startswith("wamid.") and msg["timestamp"].isdigit()
        if kind == "text":
            assert msg["type"] == "text" and msg["text"]["body"]
        else:
            assert msg["type"] == "interactive" and msg["interactive"]["type"] == kind
            assert msg["interactive"][kind]["id"] and msg["context"]["id"].startswith("wamid.")

    [status] = load("whatsapp_status_callback.json")["entry"][0]["changes"][0]["value"]["statuses"]
    assert status["status"] == "delivered" and status["recipient_id"] == CUSTOMER


# -- WhatsApp status webhooks ----------------------------------------------------------------

APP_SECRET = "fake-app-secret"


class Receiver:
    """A webhook endpoint recording what reached it; it answers 503 to the first `refuse`."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.received: list[tuple[str, bytes, str | None]] = []  # path, raw body, signature
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/whatsapp/{account}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/webhooks/whatsapp"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        if self.refuse:
            self.refuse -= 1
            return web.Response(status=503)
        signature = request.headers.get("X-Hub-Signature-256")
        self.received.append((request.path, await request.read(), signature))
        return web.Response(text="ok")

    def statuses(self) -> list[dict]:
        """The status update in each body received."""
        return [
            json.loads(raw)["entry"][0]["changes"][0]["value"]["statuses"][0]
            for _, raw, _ in self.received
        ]


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    yield receiver
    await receiver.stop()


def signed(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_whatsapp_reports_statuses_signed_and_shaped_like_meta(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    fake_whatsapp.report_statuses({NUMBER_ID: f"{receiver.url}/acct-1"}, APP_SECRET)
    tagged = {**message("text", {"body": "Hola"}), "biz_opaque_callback_data": "confetti:42"}
    sent = await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=tagged)
    wamid = sent.json()["messages"][0]["id"]
    await wait_until(lambda: len(receiver.received) == 2)

    assert [r.status for r in fake_whatsapp.reported()] == ["sent", "delivered"]
    for (path, raw, signature), status in zip(
        receiver.received, ["sent", "delivered"], strict=True
    ):
        assert path == "/webhooks/whatsapp/acct-1"
        assert signature == signed(raw) != signed(raw, "another secret")
        body = json.loads(raw)
        assert body["object"] == "whatsapp_business_account"
        [entry] = body["entry"]
        [change] = entry["changes"]
        assert entry["id"].isdigit() and change["field"] == "messages"
        value = change["value"]
        assert value["messaging_product"] == "whatsapp"
        assert value["metadata"] == {
            "display_phone_number": "15550100199",
            "phone_number_id": NUMBER_ID,
        }
        [update] = value["statuses"]
        assert (update["id"], update["status"]) == (wamid, status)
        assert update["recipient_id"] == CUSTOMER and update["timestamp"].isdigit()
        assert update["biz_opaque_callback_data"] == "confetti:42"
        assert update["conversation"]["id"] and update["conversation"]["origin"] == {
            "type": "service"
        }
        assert update["pricing"] == {"billable": False, "pricing_model": "CBP",
                                     "category": "service"}  # fmt: skip


async def test_whatsapp_reports_only_accepted_messages_and_echoes_no_missing_tag(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    fake_whatsapp.report_statuses(
        lambda number: f"{receiver.url}/{number}", APP_SECRET, statuses=("delivered", "read")
    )
    url = f"/v21.0/{NUMBER_ID}/messages"
    fake_whatsapp.fail_next()
    assert (await wa.post(url, json=message("text", {"body": "x"}))).status_code == 429
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    assert (await wa.post(url, json=read)).status_code == 200
    assert (await wa.post(url, json=message("template", TEMPLATE))).status_code == 200
    await wait_until(lambda: len(receiver.received) == 2)

    delivered, seen = receiver.statuses()
    assert (delivered["status"], seen["status"]) == ("delivered", "read")
    assert "biz_opaque_callback_data" not in delivered
    assert delivered["pricing"]["category"] == "utility"
    assert "pricing" not in seen and "conversation" not in seen
    assert len(fake_whatsapp.reports) == 2 and fake_whatsapp.reports_delivered


async def test_whatsapp_retries_a_report_until_a_down_webhook_answers(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
) -> None:
    port = free_port()
    webhook = f"http://127.0.0.1:{port}/webhooks/whatsapp/acct-1"
    fake_whatsapp.report_statuses(
        {NUMBER_ID: webhook},
        APP_SECRET,
        statuses=("sent",),
        attempts=50,  # seconds' worth: however long the receiver takes to come up
        backoff=0.05,
        max_backoff=0.2,
    )
    tagged = {**message("text", {"body": "Hola"}), "biz_opaque_callback_data": "confetti:7"}
    assert (await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=tagged)).status_code == 200
    [report] = fake_whatsapp.reports
    await wait_until(lambda: report.answers)  # the first try found nobody listening
    receiver = Receiver(refuse=1)  # up now, but failing once more
    await receiver.start(port)
    try:
        await wait_until(lambda: fake_whatsapp.reports_delivered)
    finally:
        await receiver.stop()
    assert isinstance(report.answers[0], str) and report.answers[-2:] == [503, 200]
    [(_, raw, signature)] = receiver.received
    assert raw == report.body and signature == signed(raw)
    assert receiver.statuses()[0]["biz_opaque_callback_data"] == "confetti:7"


async def test_whatsapp_gives_up_a_report_after_its_attempts_and_stops_cleanly(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    wa: httpx.AsyncClient,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hook"
    fake_whatsapp.report_statuses({NUMBER_ID: dead}, APP_SECRET, attempts=2, backoff=0.01)
    assert (
        await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=message("text", {"body": "x"}))
    ).status_code == 200
    await wait_until(lambda: all(r.outcome != "pending" for r in fake_whatsapp.reports))
    assert [(r.status, r.outcome, len(r.answers)) for r in fake_whatsapp.reports] == [
        ("sent", "abandoned", 2),
        ("delivered", "abandoned", 2),
    ]
    assert not fake_whatsapp.reports_delivered and fake_whatsapp.reported() == []

    fake_whatsapp.report_statuses({NUMBER_ID: dead}, APP_SECRET, backoff=60)
    await wa.post(f"/v21.0/{NUMBER_ID}/messages", json=message("text", {"body": "y"}))
    await wait_until(lambda: fake_whatsapp.reports[-2].answers)  # now waiting a minute
    async with asyncio.timeout(2):
        await fake_whatsapp.stop()  # cancels the reports still waiting
    assert fake_whatsapp.reports[-1].outcome == "pending"
