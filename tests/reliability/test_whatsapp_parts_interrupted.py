"""A long WhatsApp reply goes as three messages (an image, the text too long for its caption, a
link button). Cut short between them, by the Graph API failing or by the worker dying, the
send resumes after the parts that went: each customer receives each part exactly once.

Each part but the last is recorded as it goes (`outgoing_messages.parts_sent`) and tagged
`confetti:<id>:<part>`; a part that went just before a kill, before it was recorded, is
recorded by its status webhook."""

import time
from collections import Counter

import pytest
from sqlalchemy import select, update

from bots.conversation.messages import Link, Reply
from bots.whatsapp.api import WhatsAppSender
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.outgoing import queue_messages
from core.clock import utcnow
from core.crypto import Sealer
from core.db import Database
from tests.fakes.whatsapp import Call, FakeWhatsApp
from tests.fixtures.processes import free_port
from tests.reliability.conftest import IN_DOUBT_SECONDS
from tests.reliability.prizes import APP_SECRET, PHONE_NUMBER_ID, Shop, WhatsAppNumber, open_shop
from tests.reliability.processes import ON_POSTGRES, kill, start, start_serving, stop, tail
from tests.waiting import wait_until
from workers.chat_sender import ChatSender

PARTS = 3
STORY = "Your story, part of the spring draw: "
CUSTOMERS = 150  # a reply each, so 450 sends: enough that a kill finds some replies half-sent
STATUS_DELAY = 0.5  # Meta reports a message's status a moment after accepting it


def story(user: int) -> Reply:
    """Text longer than a caption or a button's body: image, text, then the link's button."""
    return Reply(
        text=STORY + f"{user} " + "confetti " * 150,
        image_url=f"https://cdn.example.com/stories/{user}.png",
        link=Link(title="Read on", url=f"https://shop.example.com/stories/{user}"),
    )


def story_part(call: Call) -> int | None:
    """Which part of a story this send was; None for anything else (a prize message)."""
    body = call.body
    if call.type == "image" and "/stories/" in body["image"]["link"]:
        return 0
    if call.type == "text" and body["text"]["body"].startswith(STORY):
        return 1
    if call.type == "interactive" and "/stories/" in str(body["interactive"]["action"]):
        return 2
    return None


def parts_received(fake: FakeWhatsApp) -> Counter[tuple[int, int]]:
    """How often each (customer, part) arrived."""
    sent = ((int(call.to), story_part(call)) for call in fake.sent())
    return Counter((user, part) for user, part in sent if part is not None)


async def queue_stories(db: Database, shop: Shop, users: tuple[int, ...]) -> None:
    async with db.transaction() as session:
        account = await session.get(ChannelAccount, shop.account_id)
        for user in users:
            await queue_messages(
                session,
                account,
                str(user),
                [story(user).model_dump(mode="json")],
                purpose="notification",
                customer_id=shop.customers[user],
                dedupe_key=f"story:{user}",
            )


async def stories(db: Database) -> list[OutgoingMessage]:
    async with db.transaction(write=False) as session:
        query = select(OutgoingMessage).where(OutgoingMessage.dedupe_key.like("story:%"))
        return list((await session.execute(query)).scalars())


async def test_graph_api_failing_after_the_first_part_resends_neither_it_nor_loses_the_rest(
    db: Database, fake_whatsapp: FakeWhatsApp
) -> None:
    shop = await open_shop(db, WhatsAppNumber(fake_whatsapp), customers=21)
    user = shop.copied_users[0]
    await queue_stories(db, shop, (user,))
    sender = ChatSender(
        db,
        Sealer(db.settings.secret_key),
        {"whatsapp": WhatsAppSender(f"{fake_whatsapp.base_url}/v21.0")},
        holder=f"test-{time.monotonic()}",
        in_doubt_seconds=IN_DOUBT_SECONDS,
    )
    fake_whatsapp.fail_next(500, 131000, after=1)  # the image goes, the text meets an outage

    await sender.send_due()
    [message] = await stories(db)
    assert (message.status, message.parts_sent, message.attempts) == ("pending", 1, 1)
    assert parts_received(fake_whatsapp) == {(user, 0): 1}

    async with db.transaction() as session:  # the retry's back-off over
        await session.execute(update(OutgoingMessage).values(not_before=utcnow()))
    await sender.send_due()
    [message] = await stories(db)
    assert message.status == "sent"
    assert parts_received(fake_whatsapp) == {(user, part): 1 for part in range(PARTS)}
    # Each part went with its own tag; the last with the message's, whose status settles it.
    tags = [call.body["biz_opaque_callback_data"] for call in fake_whatsapp.sent()]
    tag = f"confetti:{message.id}"
    assert tags == [f"{tag}:0", f"{tag}:1", tag]


@ON_POSTGRES
@pytest.mark.postgres
@pytest.mark.rabbitmq
async def test_worker_killed_between_the_parts_of_whatsapp_replies_sends_each_part_once(
    db: Database, fake_whatsapp: FakeWhatsApp, worker_env, tmp_path
) -> None:
    shop = await open_shop(db, WhatsAppNumber(fake_whatsapp), customers=CUSTOMERS)
    await queue_stories(db, shop, shop.users)
    port, web_log = free_port(), tmp_path / "web.log"
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    web = await start_serving(worker_env, port, web_log, "--web-only")
    first = second = None
    try:
        webhook = f"http://127.0.0.1:{port}/webhooks/whatsapp/{shop.account_id}"
        fake_whatsapp.report_statuses({PHONE_NUMBER_ID: webhook}, APP_SECRET, delay=STATUS_DELAY)
        first = await start(worker_env, first_log, "worker")
        await wait_until(lambda: len(parts_received(fake_whatsapp)) >= CUSTOMERS, within=120)
        await kill(first)
        at_kill = Counter(user for user, _ in parts_received(fake_whatsapp))
        cut_short = sum(0 < parts < PARTS for parts in at_kill.values())
        complete = sum(parts == PARTS for parts in at_kill.values())
        print(f"\nkilled with {complete} replies sent whole and {cut_short} between parts")
        assert cut_short, "the kill fell between no reply's parts"
        assert complete < CUSTOMERS, "too late: every reply had gone"

        second = await start(worker_env, second_log, "worker")
        # Its start alone may take a minute on a loaded machine; then the dead one's lease
        # lapses (20 s) before it sends.
        await wait_until(lambda: "worker.started" in second_log.read_text(), within=120)

        async def all_sent() -> bool:
            return all(message.status == "sent" for message in await stories(db))

        await wait_until(all_sent, within=180)
        received = parts_received(fake_whatsapp)
        twice = {key: count for key, count in received.items() if count > 1}
        assert not twice, f"parts sent twice: {twice}"
        missing = {(user, part) for user in shop.users for part in range(PARTS)} - set(received)
        assert not missing, f"parts never sent: {sorted(missing)[:10]}"
        assert await stop(second) == 0, tail(second_log)
        assert await stop(web) == 0, tail(web_log)
    finally:
        for process in (first, second, web):
            if process is not None:
                await kill(process)
