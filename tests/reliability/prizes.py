"""A shop whose customers all chatted with its Telegram bot and then won a prize through the API:
each `prize.won` event must reach its customer's chat as one message, however the processes
and the broker fail meanwhile.

The data is made with the core services in the test process (2,000 HTTP plays would be slow);
the processes under test only relay, consume and send.
"""

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from core.activities.play import play
from core.activities.schemas import ActivityCreate, PlayRequest
from core.activities.service import create_activity, publish
from core.channels.models import OutgoingMessage
from core.channels.service import save_account
from core.clock import utcnow
from core.crypto import Sealer
from core.customers.service import channel_external_id, enter_by_channel
from core.db import Database
from core.events.models import Event, OutboxEntry, ProcessedEvent
from core.merchants.models import Merchant
from core.stats.models import DailyStat
from tests.fakes.telegram import FakeTelegram
from tests.factories import merchant_with_key

BOT_TOKEN = "5151515151:AAF-reliability-fake-token-0123456789"
PRIZE = "Gold"
PRIZES = 2_000
FIRST_USER_ID = 700_000_000
# The chat sender's messages in flight at once (workers/chat_sender.py): a sender killed after
# Telegram accepted them but before it committed `sent` sends each of them again, once.
SENDER_IN_FLIGHT = 32
# Customers per transaction while seeding, and transactions at once.
CHUNK, SEEDERS = 100, 4


@dataclass(frozen=True)
class Shop:
    merchant_id: uuid.UUID
    activity_id: uuid.UUID
    users: tuple[int, ...]  # Telegram user ids: each one chat, one customer, one prize


async def open_shop(db: Database, fake: FakeTelegram, *, customers: int = PRIZES) -> Shop:
    """A merchant with a Telegram bot (fast enough not to throttle the test), a live wheel whose
    only real prize is practically always won, and `customers` who wrote to the bot."""
    fake.add_bot(BOT_TOKEN, username="shop_bot")
    merchant, _ = await merchant_with_key(db, name="Reliable Shop")
    async with db.transaction() as session:
        account = await save_account(
            session,
            Sealer(db.settings.secret_key),
            merchant_id=merchant.id,
            channel="telegram",
            external_id=BOT_TOKEN.split(":", 1)[0],
            name="shop_bot",
            credentials={"token": BOT_TOKEN},
            webhook_secret="x",
            settings={"rate_per_second": 2000},
        )
        start = utcnow() - timedelta(minutes=1)
        activity = await create_activity(
            session,
            merchant,
            ActivityCreate(
                kind="lucky_draw",
                name="Always wins",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                prizes=[
                    {"name": PRIZE, "weight": 10**6, "reward": {"type": "points", "amount": 10}},
                    {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
                ],
            ),
        )
        await publish(session, merchant.id, activity.id)
    users = tuple(range(FIRST_USER_ID, FIRST_USER_ID + customers))

    async def chatted(chunk: tuple[int, ...]) -> None:
        async with db.transaction() as session:
            for user in chunk:
                _, identity, _ = await enter_by_channel(session, merchant.id, "telegram", str(user))
                identity.account_id = account.id  # as the conversation router does
                identity.last_inbound_at = utcnow()

    await _in_chunks(users, chatted)
    return Shop(merchant.id, activity.id, users)


async def win_prizes(db: Database, shop: Shop, users: tuple[int, ...] | None = None) -> None:
    """Each of `users` (default: every customer) plays through the API's service until they win
    the prize (the consolation prize, one chance in a million, is played again): one `prize.won`
    event each, committed with its play and outbox row."""

    async def won(chunk: tuple[int, ...]) -> None:
        async with db.transaction() as session:
            merchant = await session.get(Merchant, shop.merchant_id)
            for user in chunk:
                request = PlayRequest(customer=channel_external_id("telegram", str(user)))
                while True:
                    result = await play(session, merchant, shop.activity_id, request)
                    if not result.prize.consolation:
                        break

    await _in_chunks(shop.users if users is None else users, won)


async def _in_chunks(users: tuple[int, ...], work) -> None:
    chunks = iter([users[at : at + CHUNK] for at in range(0, len(users), CHUNK)])

    async def seeder() -> None:
        for chunk in chunks:  # the seeders share one iterator: each chunk is taken once
            await work(chunk)

    seeders = SEEDERS if len(users) > CHUNK else 1
    await asyncio.gather(*(seeder() for _ in range(seeders)))


def prize_messages(fake: FakeTelegram) -> Counter[int]:
    """How many prize messages each chat received."""
    return Counter(
        int(call.params["chat_id"])
        for call in fake.sent("sendMessage")
        if PRIZE in (call.params.get("text") or "")
    )


@dataclass(frozen=True)
class Progress:
    outbox: int
    notified: int  # prize events the notifications consumer has had its effect for
    pending: int  # chat messages not yet sent
    sent: int  # chats the fake saw a prize message in

    def __str__(self) -> str:
        return (
            f"outbox {self.outbox}, notifications consumed {self.notified}, "
            f"messages pending {self.pending}, chats reached {self.sent}"
        )


async def progress(db: Database, fake: FakeTelegram) -> Progress:
    async with db.transaction(write=False) as session:
        outbox = (await session.execute(select(func.count(OutboxEntry.id)))).scalar_one()
        notified = (
            await session.execute(
                select(func.count()).where(ProcessedEvent.consumer == "notifications")
            )
        ).scalar_one()
        pending = (
            await session.execute(
                select(func.count(OutgoingMessage.id)).where(OutgoingMessage.status == "pending")
            )
        ).scalar_one()
    return Progress(outbox, notified, pending, len(prize_messages(fake)))


async def all_delivered(db: Database, fake: FakeTelegram, shop: Shop) -> bool:
    """Every chat reached and the books settled: nothing left to relay, consume or send."""
    if len(prize_messages(fake)) < len(shop.users):
        return False
    now = await progress(db, fake)
    if now.outbox or now.pending or now.notified < len(shop.users):
        return False
    async with db.transaction(write=False) as session:
        events = (await session.execute(select(func.count(Event.id)))).scalar_one()
        counted = (
            await session.execute(
                select(func.count()).where(ProcessedEvent.consumer == "statistics")
            )
        ).scalar_one()
    return counted == events


async def assert_each_prize_delivered_once(
    db: Database, fake: FakeTelegram, shop: Shop, *, duplicates_allowed: int
) -> int:
    """No prize event lost, each had its effect once; returns the duplicate chat messages seen
    (the only thing a killed sender may do twice, see workers/chat_sender.py)."""
    async with db.transaction(write=False) as session:
        won = set(
            (await session.execute(select(Event.id).where(Event.type == "prize.won"))).scalars()
        )
        messages = (
            await session.execute(
                select(OutgoingMessage.dedupe_key, OutgoingMessage.status, OutgoingMessage.address)
            )
        ).all()
        notified = list(
            (
                await session.execute(
                    select(ProcessedEvent.event_id).where(
                        ProcessedEvent.consumer == "notifications"
                    )
                )
            ).scalars()
        )
        counted = (
            await session.execute(
                select(func.sum(DailyStat.count)).where(DailyStat.metric == "prize.won")
            )
        ).scalar_one()
    assert len(won) == len(shop.users), "one prize.won event per customer was seeded"
    # In the database: one message per event (none lost, none twice), every one sent.
    keys = Counter(key for key, _, _ in messages)
    assert keys == Counter(f"prize:{event_id}:0" for event_id in won)
    assert Counter(status for _, status, _ in messages) == {"sent": len(won)}
    assert sorted(int(address) for _, _, address in messages) == list(shop.users)
    assert sorted(notified) == sorted(won), "each event consumed once by notifications"
    assert counted == len(won), "each event counted once by statistics"
    # At the fake: every chat got its message; a repeat only where a killed sender had one in
    # flight.
    received = prize_messages(fake)
    assert set(received) == set(shop.users), "a chat never received its prize message"
    duplicates = sum(received.values()) - len(received)
    assert duplicates <= duplicates_allowed, (
        f"{duplicates} duplicate messages; at most {duplicates_allowed} may be re-sent"
    )
    return duplicates
