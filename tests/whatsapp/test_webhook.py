"""WhatsApp's webhook: the verification handshake, the signature check, parsing every payload
shape, and recording each update once (on both databases)."""

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sanic import Sanic
from sqlalchemy import func, select

from bots.inbox import RECEIVED
from bots.whatsapp.inbound import StatusUpdate, parse_webhook, signature_valid
from core.broker.memory import MemoryBroker
from core.channels.models import ChannelAccount
from core.channels.service import save_account
from core.crypto import Sealer
from core.db import Database
from core.events.models import Event
from core.settings import Settings
from tests.factories import merchant_with_key
from web.app import create_app

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"
NUMBER_ID = "106540352242922"  # the sample payloads' phone_number_id
CUSTOMER = "5215512345678"
APP_SECRET = "wa-app-secret-0123456789"
VERIFY_TOKEN = "verify-me-please"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"whatsapp_{name}.json").read_text())


def raw(body: dict | str) -> bytes:
    return (body if isinstance(body, str) else json.dumps(body)).encode()


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def detached_account(external_id: str = NUMBER_ID) -> ChannelAccount:
    return ChannelAccount(
        id=uuid.uuid4(), merchant_id=uuid.uuid4(), channel="whatsapp", external_id=external_id
    )


# -- parsing, without HTTP ------------------------------------------------------------------------


def test_a_text_message_parses_with_the_senders_name() -> None:
    account = detached_account()

    [(key, incoming)] = parse_webhook(payload("text_message"), account)

    assert key.startswith("wamid.")
    assert incoming is not None
    assert incoming.channel == "whatsapp"
    assert (incoming.merchant_id, incoming.account_id) == (account.merchant_id, account.id)
    assert incoming.address == CUSTOMER
    assert incoming.name == "Maria Lopez"
    assert incoming.kind == "text"
    assert incoming.text == "Hola, quiero mi cupón"
    assert incoming.option is None


@pytest.mark.parametrize(
    ("name", "option"),
    [
        ("interactive_button_reply", "claim:cmp_8f3a2c"),
        ("interactive_list_reply", "store:cdmx-roma"),
    ],
)
def test_a_pressed_button_or_list_row_parses_as_its_option(name: str, option: str) -> None:
    [(_, incoming)] = parse_webhook(payload(name), detached_account())

    assert incoming is not None
    assert (incoming.kind, incoming.option) == ("button", option)


def test_a_status_callback_parses_as_a_status_update() -> None:
    [(key, update)] = parse_webhook(payload("status_callback"), detached_account())

    assert key.startswith("status:wamid.")
    assert key.endswith(":delivered")
    assert isinstance(update, StatusUpdate)
    assert (update.status, update.delivered, update.tag) == ("delivered", True, None)
    assert update.provider_message_id.startswith("wamid.")


def test_another_numbers_messages_are_left_out() -> None:
    assert parse_webhook(payload("text_message"), detached_account("999")) == []


def test_a_template_quick_reply_is_its_text_and_other_types_are_empty_text() -> None:
    body = payload("text_message")
    value = body["entry"][0]["changes"][0]["value"]
    template_reply = {"from": CUSTOMER, "id": "wamid.B", "type": "button"}
    template_reply["button"] = {"payload": "x", "text": "Yes please"}
    sticker = {"from": CUSTOMER, "id": "wamid.S", "type": "sticker", "sticker": {"id": "1"}}
    odd_interactive = {"from": CUSTOMER, "id": "wamid.I", "type": "interactive"}
    value["messages"] = [template_reply, sticker, odd_interactive]

    parsed = parse_webhook(body, detached_account())

    assert [(key, i.kind, i.text) for key, i in parsed if i] == [
        ("wamid.B", "text", "Yes please"),
        ("wamid.S", "text", ""),
        ("wamid.I", "text", ""),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"object": "whatsapp_business_account", "entry": [None, 3, {"changes": "x"}]},
        {"entry": [{"changes": [{"field": "messages", "value": None}]}]},
        {"entry": [{"changes": [{"field": "messages", "value": {"metadata": []}}]}]},
        {
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "metadata": {"phone_number_id": NUMBER_ID},
                                "contacts": [{"wa_id": 5}, None],
                                "messages": [
                                    {"id": "wamid.no-sender"},
                                    {"from": CUSTOMER},
                                    {"from": CUSTOMER, "id": 7},
                                    {"from": CUSTOMER, "id": "wamid.T", "type": "text"},
                                    "text",
                                ],
                                "statuses": [{"status": "read"}, 4],
                            },
                        }
                    ]
                }
            ]
        },
    ],
)
def test_odd_payloads_never_raise(body: dict) -> None:
    parsed = parse_webhook(body, detached_account())

    assert all(incoming is None or incoming.kind == "text" for _, incoming in parsed)


@pytest.mark.parametrize(
    "body", [[], "entry", None, {"object": "page", "entry": []}, {"entry": {}}, {}]
)
def test_a_body_that_is_not_a_whatsapp_webhook_is_refused(body: object) -> None:
    with pytest.raises(ValueError):
        parse_webhook(body, detached_account())


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=abc", "sha256=zz", "sha256=" + "0" * 64, "sha256=é"],
)
def test_a_missing_or_malformed_signature_is_invalid(header: str | None) -> None:
    assert not signature_valid(APP_SECRET, b"{}", header)


def test_a_signature_is_valid_only_with_the_app_secret_over_the_exact_bytes() -> None:
    header = signed(b"{}")["X-Hub-Signature-256"]

    assert signature_valid(APP_SECRET, b"{}", header)
    assert signature_valid(APP_SECRET, b"{}", header.upper().replace("SHA256=", "sha256="))
    assert not signature_valid(APP_SECRET, b"{ }", header)
    assert not signature_valid("another-secret", b"{}", header)
    assert not signature_valid("", b"{}", header)


# -- over HTTP, on both databases -----------------------------------------------------------------


@pytest.fixture
async def memory_broker() -> AsyncIterator[MemoryBroker]:
    broker = MemoryBroker()
    await broker.connect()
    yield broker
    await broker.close()


@pytest.fixture
def app(settings: Settings, db: Database, memory_broker: MemoryBroker) -> Sanic:
    return create_app(settings, db=db, broker=memory_broker)


@pytest.fixture
async def account(app: Sanic, db: Database) -> ChannelAccount:
    merchant, _ = await merchant_with_key(db)
    async with db.transaction() as session:
        return await save_account(
            session,
            app.ctx.channels.sealer,
            merchant_id=merchant.id,
            channel="whatsapp",
            external_id=NUMBER_ID,
            name="+1 555-078-3881",
            credentials={"access_token": "EAAG-token", "app_secret": APP_SECRET},
            webhook_secret=VERIFY_TOKEN,
        )


def url(account: ChannelAccount | uuid.UUID) -> str:
    account_id = account if isinstance(account, uuid.UUID) else account.id
    return f"/webhooks/whatsapp/{account_id}"


async def post(app: Sanic, account: ChannelAccount, body: bytes, headers: dict[str, str]):
    _, response = await app.asgi_client.post(url(account), content=body, headers=headers)
    return response


async def received_events(db: Database) -> list[Event]:
    async with db.transaction(write=False) as session:
        rows = await session.execute(select(Event).where(Event.type == RECEIVED))
        return list(rows.scalars())


async def count_received(db: Database) -> int:
    async with db.transaction(write=False) as session:
        query = select(func.count()).select_from(Event).where(Event.type == RECEIVED)
        return (await session.execute(query)).scalar_one()


async def test_verification_answers_the_challenge_as_plain_text(
    app: Sanic, account: ChannelAccount
) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}
    query["hub.challenge"] = "1158201444"
    _, response = await app.asgi_client.get(url(account), params=query)

    assert response.status == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
async def test_verification_with_a_wrong_token_or_mode_is_forbidden(
    app: Sanic, account: ChannelAccount, query: dict
) -> None:
    _, response = await app.asgi_client.get(url(account), params=query)

    assert response.status == 403
    assert response.json["error"]["code"] == "forbidden"


async def test_an_unknown_account_is_not_found(app: Sanic, account: ChannelAccount) -> None:
    body = raw(payload("text_message"))
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}

    _, verification = await app.asgi_client.get(url(uuid.uuid4()), params=query)
    _, delivery = await app.asgi_client.post(url(uuid.uuid4()), content=body, headers=signed(body))

    assert (verification.status, delivery.status) == (404, 404)
    assert await count_received(app.ctx.db) == 0


@pytest.mark.parametrize(
    "name", ["text_message", "interactive_button_reply", "interactive_list_reply"]
)
async def test_a_signed_message_is_recorded_as_chat_received(
    app: Sanic, db: Database, account: ChannelAccount, name: str
) -> None:
    body = raw(payload(name))

    response = await post(app, account, body, signed(body))

    assert response.status == 200
    assert response.json == {"ok": True}
    [event] = await received_events(db)
    assert event.merchant_id == account.merchant_id
    assert event.payload["channel"] == "whatsapp"
    incoming = event.payload["incoming"]
    assert incoming["address"] == CUSTOMER
    assert incoming["account_id"] == str(account.id)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        signed(b"something else"),
        signed(raw(payload("text_message")), secret="not-the-app-secret"),
    ],
    ids=["missing", "zeros", "other-body", "other-secret"],
)
async def test_a_missing_or_wrong_signature_is_unauthorized_and_records_nothing(
    app: Sanic, db: Database, account: ChannelAccount, headers: dict
) -> None:
    response = await post(app, account, raw(payload("text_message")), headers)

    assert response.status == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "X-Hub-Signature-256" in response.json["error"]["message"]
    assert await count_received(db) == 0


async def test_a_redelivered_message_is_recorded_once(
    app: Sanic, db: Database, account: ChannelAccount
) -> None:
    body = raw(payload("text_message"))

    first = await post(app, account, body, signed(body))
    again = await post(app, account, body, signed(body))

    assert (first.status, again.status) == (200, 200)
    assert await count_received(db) == 1


async def test_a_status_callback_is_accepted_without_an_event(
    app: Sanic, db: Database, account: ChannelAccount
) -> None:
    body = raw(payload("status_callback"))

    response = await post(app, account, body, signed(body))

    assert response.status == 200
    assert await count_received(db) == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json {", "malformed_json"),
        (b"\xff\xfe", "malformed_json"),
        (raw([1, 2]), "bad_request"),
        (raw({"object": "page", "entry": []}), "bad_request"),
        (raw({}), "bad_request"),
    ],
    ids=["broken", "not-utf8", "array", "other-object", "no-entry"],
)
async def test_a_signed_body_that_is_not_a_whatsapp_webhook_is_a_bad_request(
    app: Sanic, db: Database, account: ChannelAccount, body: bytes, code: str
) -> None:
    response = await post(app, account, body, signed(body))

    assert response.status == 400
    assert response.json["error"]["code"] == code
    assert await count_received(db) == 0


async def test_the_webhook_routes_are_in_the_openapi_spec_as_public(
    app: Sanic, account: ChannelAccount
) -> None:
    _, response = await app.asgi_client.get("/api/v1/openapi.json")

    path = response.json["paths"]["/webhooks/whatsapp/{account_id}"]
    assert set(path["get"]["responses"]) >= {"200", "403", "404"}
    assert set(path["post"]["responses"]) >= {"200", "400", "401", "404"}
    assert "security" not in path["post"]


async def test_verification_without_a_challenge_is_a_bad_request(
    app: Sanic, account: ChannelAccount
) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}
    _, response = await app.asgi_client.get(url(account), params=query)

    assert response.status == 400


async def test_credentials_sealed_under_another_key_are_unavailable_not_a_crash(
    app: Sanic, db: Database, account: ChannelAccount
) -> None:
    app.ctx.channels.sealer = Sealer("another-secret-key-" + "y" * 32)
    body = raw(payload("text_message"))

    response = await post(app, account, body, signed(body))

    assert response.status == 503
    assert await count_received(db) == 0
