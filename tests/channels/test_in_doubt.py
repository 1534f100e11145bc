"""A chat send cut short (the process died mid-call): on WhatsApp, Meta's status webhook settles
it, so it is never sent twice; without a status it goes again once the in-doubt wait is over;
and later messages of the chat wait behind it. Meta's later failures are recorded too."""

import asyncio
import json
import time
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from bots.conversation.messages import Reply
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.outgoing import queue_messages
from core.clock import utcnow
from core.customers.service import enter_by_channel
from tests.channels.chats import PHONE_NUMBER_ID, TelegramChat, WhatsAppChat
from tests.waiting import wait_until
from workers.chat_sender import ChatSender

IN_DOUBT_SECONDS = 0.5


class DiesMidCall:
    """The WhatsApp sender of a process that dies during a send: after the platform took the
    message (`after=True`) or before the request left (`after=False`). The test then cancels
    the sending task, as SIGKILL would end it: nothing after the call runs."""

    reports_status = True

    def __init__(self, real, *, after: bool) -> None:
        self.real, self.after = real, after
        self.calls = 0

    async def send(self, *args, **kwargs):
        self.calls += 1
        if self.after:
            await self.real.send(*args, **kwargs)
        await asyncio.Event().wait()  # never returns: the process is gone

    send_template = send


@pytest.fixture
async def whatsapp(shop, fake_whatsapp) -> WhatsAppChat:
    chat = WhatsAppChat(shop, fake_whatsapp)
    await chat.connect()
    async with shop.db.transaction() as session:
        account = await session.get(ChannelAccount, uuid.UUID(chat.account["id"]))
        _, identity, _ = await enter_by_channel(session, shop.merchant.id, "whatsapp", chat.wa_id)
        identity.account_id, identity.last_inbound_at = account.id, utcnow()
    return chat


def make_sender(app, chat: WhatsAppChat, wrap: Callable | None = None) -> ChatSender:
    senders = dict(app.ctx.channels.senders)
    if wrap is not None:
        senders["whatsapp"] = wrap(senders["whatsapp"])
    return ChatSender(
        chat.shop.db,
        app.ctx.channels.sealer,
        senders,
        holder=f"test-{time.monotonic()}",
        per_chat_rate=50.0,
        in_doubt_seconds=IN_DOUBT_SECONDS,
    )


async def queue(chat: WhatsAppChat, text: str, purpose: str = "notification") -> int:
    async with chat.shop.db.transaction() as session:
        account = await session.get(ChannelAccount, uuid.UUID(chat.account["id"]))
        await queue_messages(
            session,
            account,
            chat.wa_id,
            [Reply(text=text).model_dump(mode="json")],
            purpose=purpose,
            customer_id=None,
        )
        return (
            (await session.execute(select(OutgoingMessage.id).order_by(OutgoingMessage.id.desc())))
            .scalars()
            .first()
        )


async def row(chat: WhatsAppChat, message_id: int) -> OutgoingMessage:
    async with chat.shop.db.transaction(write=False) as session:
        return await session.get(OutgoingMessage, message_id)


async def dies_sending(app, chat: WhatsAppChat, *, after: bool) -> None:
    dying = make_sender(app, chat, lambda real: DiesMidCall(real, after=after))
    task = asyncio.create_task(dying.send_due())
    wrapped = dying.senders["whatsapp"]
    await wait_until(lambda: wrapped.calls == 1)
    if after:
        await wait_until(lambda: chat.fake.sent(to=chat.wa_id))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def texts(chat: WhatsAppChat) -> list[str]:
    return [seen.text for seen in chat._received()]


def status_body(statuses: list[dict]) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100199", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": statuses,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


def status(call, state: str, **extra) -> dict:
    """Meta's status update for a message the fake took, echoing its tag."""
    return {
        "id": call.response["messages"][0]["id"],
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": call.body["to"],
        **(
            {"biz_opaque_callback_data": call.body["biz_opaque_callback_data"]}
            if "biz_opaque_callback_data" in call.body
            else {}
        ),
        **extra,
    }


async def test_a_message_whatsapp_took_before_the_crash_is_settled_by_its_status_not_resent(
    app, whatsapp
):
    chat = whatsapp
    first = await queue(chat, "Prize A")
    await dies_sending(app, chat, after=True)
    in_doubt = await row(chat, first)
    assert in_doubt.status == "pending" and in_doubt.not_before > utcnow()
    later = await queue(chat, "Prize B")

    # Before the status comes, nobody sends it again, and the chat's later message waits.
    survivor = make_sender(app, chat)
    assert await survivor.send_due() == 0
    assert texts(chat) == ["Prize A"]

    [call] = chat.fake.sent(to=chat.wa_id)
    response = await chat.post_body(status_body([status(call, "sent")]))
    assert response.status == 200, response.text
    settled = await row(chat, first)
    assert (settled.status, settled.provider_message_id) == ("sent", status(call, "x")["id"])

    await asyncio.sleep(IN_DOUBT_SECONDS)
    await survivor.send_due()
    assert texts(chat) == ["Prize A", "Prize B"]
    assert (await row(chat, later)).status == "sent"


async def test_a_message_that_never_left_goes_once_the_wait_is_over_and_order_holds(app, whatsapp):
    chat = whatsapp
    first = await queue(chat, "Prize A")
    await dies_sending(app, chat, after=False)
    await queue(chat, "Prize B")
    assert texts(chat) == []

    survivor = make_sender(app, chat)
    assert await survivor.send_due() == 0
    await asyncio.sleep(IN_DOUBT_SECONDS)

    async def all_sent() -> bool:
        await survivor.send_due()
        return texts(chat) == ["Prize A", "Prize B"]

    await wait_until(all_sent)
    assert (await row(chat, first)).status == "sent"


async def test_a_later_failure_is_recorded_and_other_tags_change_nothing(
    app, whatsapp, fake_telegram
):
    chat = whatsapp
    first = await queue(chat, "Prize A")
    await make_sender(app, chat).send_due()
    [call] = chat.fake.sent(to=chat.wa_id)
    assert (await row(chat, first)).status == "sent"

    telegram = TelegramChat(chat.shop, fake_telegram)
    await telegram.connect()
    async with chat.shop.db.transaction() as session:
        other_account = await session.get(ChannelAccount, uuid.UUID(telegram.account["id"]))
        await queue_messages(
            session,
            other_account,
            "42",
            [Reply(text="Elsewhere").model_dump(mode="json")],
            purpose="notification",
            customer_id=None,
        )
        elsewhere = (
            (await session.execute(select(OutgoingMessage.id).order_by(OutgoingMessage.id.desc())))
            .scalars()
            .first()
        )

    undeliverable = {"code": 131026, "title": "Message undeliverable"}
    statuses = [
        # Another number's message, and another app's tag, on this number's webhook.
        {**status(call, "failed"), "biz_opaque_callback_data": f"confetti:{elsewhere}"},
        {**status(call, "failed"), "biz_opaque_callback_data": f"other-app:{first}"},
        # Looks like ours, but no message id is that large (PostgreSQL's integer would refuse it).
        {**status(call, "failed"), "biz_opaque_callback_data": "confetti:99999999999"},
        status(call, "delivered"),
        status(call, "failed", errors=[undeliverable]),
    ]
    response = await chat.post_body(status_body(statuses))
    assert response.status == 200, response.text

    failed = await row(chat, first)
    assert (failed.status, failed.reason) == (
        "failed",
        "WhatsApp error 131026: Message undeliverable",
    )
    assert (await row(chat, elsewhere)).status == "pending"


async def test_statuses_confirming_a_recorded_send_wait_for_no_write_lock(app, whatsapp):
    """Meta posts sent, delivered and read for every message; almost always the sender has
    recorded it as sent already. Such a webhook only reads: on SQLite it does not queue behind
    the one write lock (held here by another transaction throughout)."""
    chat = whatsapp
    first = await queue(chat, "Prize A")
    await make_sender(app, chat).send_due()
    [call] = chat.fake.sent(to=chat.wa_id)
    async with chat.shop.db.transaction() as session:
        await session.execute(
            update(OutgoingMessage).where(OutgoingMessage.id == first).values(reason="busy")
        )
        body = status_body([status(call, state) for state in ("sent", "delivered", "read")])
        response = await asyncio.wait_for(chat.post_body(body), timeout=10)
        assert response.status == 200, response.text
    assert (await row(chat, first)).status == "sent"


async def test_the_bot_still_answers_in_a_chat_whose_notification_is_in_doubt(app, whatsapp):
    chat = whatsapp
    await queue(chat, "Prize A")
    await dies_sending(app, chat, after=False)
    answer = await queue(chat, "Here is the menu", purpose="reply")
    later = await queue(chat, "Prize B")

    survivor = make_sender(app, chat)
    assert await survivor.send_due() == 1
    assert texts(chat) == ["Here is the menu"]
    assert (await row(chat, answer)).status == "sent"
    assert (await row(chat, later)).status == "pending", "notifications keep their order"
