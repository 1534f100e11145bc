"""A shop whose customers all chatted with its Telegram bot or WhatsApp number and then won a
prize through the API: each `prize.won` event must reach its customer's chat as one message,
however the processes and the broker fail meanwhile.

The data is made in the test process, before or beside the processes under test, which only
relay, consume and send. The first customers play for real (`core.activities.flows`, as
`POST /activities/{id}/play` does); the others get copies of a real winning try: its `Play` row
and its `prize.won` event, with ids of their own. 2,000 real tries take about 40 s here, the
copies a second or two; and the consumers and the sender cannot tell them apart. (The copies
leave out the try's `activity.played` event, which only the statistics and webhook consumers
read: half the events, half the wait, and nothing the prize's journey depends on.)
"""

import asyncio
import json
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from inspect import signature
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import func, inspect, select

from core.activities.flows import play
from core.activities.models import Play
from core.activities.schemas import ActivityCreate, PlayRequest
from core.activities.service import create_activity, publish
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.service import save_account
from core.clock import utcnow
from core.crypto import Sealer
from core.customers.models import ChannelIdentity, Customer
from core.customers.service import channel_external_id, enter_by_channel
from core.db import Database
from core.events.models import Event, OutboxEntry, ProcessedEvent
from core.events.service import record_event
from core.merchants.models import Merchant
from core.stats.models import DailyStat
from tests.factories import merchant_with_key
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from workers.chat_sender import ChatSender

BOT_TOKEN = "5151515151:AAF-reliability-fake-token-0123456789"
PHONE_NUMBER_ID = "109876543210987"
WA_TOKEN = "EAAG-reliability-fake-access-token"
APP_SECRET = "reliability-app-secret"
PRIZE = "Golden sticker"
PRIZES = 800
REAL_PLAYS = 20  # customers who go through the real services; the rest are copies
CHUNK = 250  # customers per transaction while seeding
# The chat sender's messages in flight at once: a sender killed after Telegram accepted them but
# before it committed `sent` leaves them pending, and the next sender sends each again, once.
SENDER_IN_FLIGHT: int = signature(ChatSender).parameters["concurrency"].default


@dataclass(frozen=True)
class TelegramBot:
    """The shop's bot at the fake Bot API; a customer is a Telegram user id."""

    fake: FakeTelegram
    channel: ClassVar[str] = "telegram"
    first_user: ClassVar[int] = 700_000_000

    def connect(self) -> dict[str, Any]:
        """The bot made known to the fake; what `save_account` stores of it."""
        self.fake.add_bot(BOT_TOKEN, username="shop_bot")
        return {
            "external_id": BOT_TOKEN.split(":", 1)[0],
            "name": "shop_bot",
            "credentials": {"token": BOT_TOKEN},
        }

    def prize_messages(self) -> Counter[int]:
        """How many prize messages each chat received."""
        return Counter(
            int(call.params["chat_id"])
            for call in self.fake.sent("sendMessage")
            if PRIZE in (call.params.get("text") or "")
        )


@dataclass(frozen=True)
class WhatsAppNumber:
    """The shop's number at the fake Graph API; a customer is a wa_id (a phone number's
    digits)."""

    fake: FakeWhatsApp
    channel: ClassVar[str] = "whatsapp"
    first_user: ClassVar[int] = 5_215_500_000_000

    def connect(self) -> dict[str, Any]:
        self.fake.add_number(PHONE_NUMBER_ID, WA_TOKEN)
        return {
            "external_id": PHONE_NUMBER_ID,
            "name": "+1 555-010-0199",
            "credentials": {"access_token": WA_TOKEN, "app_secret": APP_SECRET},
        }

    def prize_messages(self) -> Counter[int]:
        """How many messages showing the prize each chat received (whatever their type)."""
        return Counter(
            int(call.to)
            for call in self.fake.sent()
            if PRIZE in json.dumps(call.body, ensure_ascii=False)
        )


Messenger = TelegramBot | WhatsAppNumber


@dataclass(frozen=True)
class Shop:
    merchant_id: uuid.UUID
    activity_id: uuid.UUID
    account_id: uuid.UUID  # the bot's or number's `ChannelAccount`
    chat: Messenger
    users: tuple[int, ...]  # each one chat, one customer, one prize
    customers: dict[int, uuid.UUID]  # user id -> customer id
    winning_play: dict[str, Any]  # a real winning try's Play columns, to copy
    winning_event: dict[str, Any]  # and its `prize.won` event's payload
    api_key: str  # the merchant's, to play through the API

    @property
    def copied_users(self) -> tuple[int, ...]:
        """The customers who have not played yet: `win_prizes` gives them copies."""
        return self.users[REAL_PLAYS:]


async def open_shop(db: Database, chat: Messenger, *, customers: int = PRIZES) -> Shop:
    """A merchant with a bot or number (fast enough not to throttle the test), a live wheel
    whose only real prize is practically always won, `customers` who wrote to it just now, and
    the first `REAL_PLAYS` of them winning the prize through the real play service."""
    merchant, api_key = await merchant_with_key(db, name="Reliable Shop")
    async with db.transaction() as session:
        account = await save_account(
            session,
            Sealer(db.settings.secret_key),
            merchant_id=merchant.id,
            channel=chat.channel,
            webhook_secret="x",
            settings={"rate_per_second": 2000},
            **chat.connect(),
        )
        start = utcnow() - timedelta(minutes=1)
        activity = await create_activity(
            session,
            merchant,
            ActivityCreate(
                kind="lucky_draw",
                name="Everybody wins",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                prizes=[
                    {"name": PRIZE, "weight": 10**6, "reward": {"type": "none"}},
                    {
                        "name": "Thanks",
                        "weight": 1,
                        "consolation": True,
                        "reward": {"type": "none"},
                    },
                ],
            ),
        )
        await publish(session, merchant.id, activity.id)
    users = tuple(range(chat.first_user, chat.first_user + customers))
    ids = await _customers_who_chatted(db, merchant.id, account, users)
    play_id = await _real_wins(db, merchant.id, activity.id, chat.channel, users[:REAL_PLAYS])
    async with db.transaction(write=False) as session:
        winning = await session.get(Play, play_id)
        columns = {c.key: getattr(winning, c.key) for c in inspect(Play).column_attrs}
        won = (
            await session.execute(select(Event.payload).where(Event.type == "prize.won"))
        ).scalars()
        payload = next(p for p in won if p["play_id"] == str(play_id))
    return Shop(merchant.id, activity.id, account.id, chat, users, ids, columns, payload, api_key)


async def _customers_who_chatted(
    db: Database, merchant_id: uuid.UUID, account: ChannelAccount, users: tuple[int, ...]
) -> dict[int, uuid.UUID]:
    """Each user as the channel's webhook leaves them: a customer with an identity on the bot
    or number (`enter_by_channel`, then the conversation router's `account_id`), who wrote just
    now (so WhatsApp's 24-hour window is open). The first few through the service, the rest
    inserted alike in bulk."""
    ids = {}
    now, channel, account_id = utcnow(), account.channel, account.id
    async with db.transaction() as session:
        for user in users[:REAL_PLAYS]:
            customer, identity, _ = await enter_by_channel(session, merchant_id, channel, str(user))
            identity.account_id, identity.last_inbound_at = account_id, now
            ids[user] = customer.id

    async def chatted(chunk: tuple[int, ...]) -> None:
        async with db.transaction() as session:
            for user in chunk:
                ids[user] = uuid.uuid4()
                session.add(
                    Customer(
                        id=ids[user],
                        merchant_id=merchant_id,
                        external_id=channel_external_id(channel, str(user)),
                        created_at=now,
                    )
                )
            await session.flush()
            session.add_all(
                ChannelIdentity(
                    id=uuid.uuid4(),
                    merchant_id=merchant_id,
                    customer_id=ids[user],
                    channel=channel,
                    address=str(user),
                    account_id=account_id,
                    last_inbound_at=now,
                    created_at=now,
                )
                for user in chunk
            )

    await _in_chunks(users[REAL_PLAYS:], chatted)
    return ids


async def _real_wins(
    db: Database,
    merchant_id: uuid.UUID,
    activity_id: uuid.UUID,
    channel: str,
    users: tuple[int, ...],
) -> uuid.UUID:
    """Each user plays until they win the prize (the consolation prize is one chance in a
    million); returns the last winning try's id."""
    async with db.transaction() as session:
        merchant = await session.get(Merchant, merchant_id)
        for user in users:
            request = PlayRequest(customer=channel_external_id(channel, str(user)))
            while (result := await play(session, merchant, activity_id, request)).prize.consolation:
                pass
    return result.play_id


async def win_prizes(db: Database, shop: Shop, users: tuple[int, ...] | None = None) -> None:
    """Each of `users` (default: all who have not played) wins the prize: a copy of the real
    winning try, committed with its `prize.won` event and outbox row like a real one."""

    async def won(chunk: tuple[int, ...]) -> None:
        async with db.transaction() as session:
            for user in chunk:
                customer_id, play_id = shop.customers[user], uuid.uuid4()
                session.add(
                    Play(
                        **{
                            **shop.winning_play,
                            "id": play_id,
                            "customer_id": customer_id,
                            "client_seed": f"{customer_id.hex}:{secrets.token_hex(8)}",
                            "created_at": utcnow(),
                        }
                    )
                )
                payload = {
                    **shop.winning_event,
                    "customer_id": str(customer_id),
                    "play_id": str(play_id),
                }
                await record_event(
                    session, merchant_id=shop.merchant_id, type="prize.won", payload=payload
                )

    await _in_chunks(shop.copied_users if users is None else users, won)


async def _in_chunks(
    users: tuple[int, ...], work: Callable[[tuple[int, ...]], Awaitable[None]]
) -> None:
    for at in range(0, len(users), CHUNK):
        await work(users[at : at + CHUNK])


def prize_messages(shop: Shop) -> Counter[int]:
    """How many prize messages each chat received."""
    return shop.chat.prize_messages()


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


async def progress(db: Database, shop: Shop) -> Progress:
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
    return Progress(outbox, notified, pending, len(prize_messages(shop)))


@dataclass(frozen=True)
class InDoubt:
    """The chat messages a killed sender left pending."""

    held: int  # that no sender may send yet: the platform may still say they went
    received: int  # that their chat had already received: sent, but not recorded as sent

    def __str__(self) -> str:
        return f"{self.held} messages held back in doubt, {self.received} already received"


async def in_doubt(db: Database, shop: Shop) -> InDoubt:
    """Taken right after a kill, before anyone else sends."""
    received = prize_messages(shop)
    async with db.transaction(write=False) as session:
        pending = (
            await session.execute(
                select(OutgoingMessage.address, OutgoingMessage.not_before).where(
                    OutgoingMessage.status == "pending"
                )
            )
        ).all()
    now = utcnow()
    return InDoubt(
        held=sum(not_before > now for _, not_before in pending),
        received=sum(int(address) in received for address, _ in pending),
    )


class EventsLost(AssertionError):
    """Events the consumers never got, with nothing left to relay or send: gone for good."""


async def settled(
    db: Database,
    shop: Shop,
    *,
    logs: Sequence[Path] = (),
    within: float = 90,
    stalled: float = 30,
) -> None:
    """Wait until every prize reached its chat and nothing is left to relay, consume or send.
    Fail after `within` seconds, or sooner when nothing has moved for `stalled` seconds (longer
    than a dead sender's lease and a retry's back-off), saying how far it got and what the
    processes logged last."""
    started = moved = time.monotonic()
    last = None
    while not await all_delivered(db, shop):
        now, clock = await progress(db, shop), time.monotonic()
        if now != last:
            last, moved = now, clock
        if clock - moved >= stalled:
            if not (now.outbox or now.pending):  # nothing left anywhere the system can see
                raise EventsLost(
                    f"nothing moved for {stalled} s, nothing left to relay or send, and "
                    f"{len(shop.users) - now.notified} prize events never consumed: {now}"
                    + _last_words(logs)
                )
            raise AssertionError(f"stalled for {stalled} s: {now}{_last_words(logs)}")
        assert clock - started < within, f"not settled within {within} s: {now}{_last_words(logs)}"
        await asyncio.sleep(0.2)  # a few queries a poll: leave the CPU to the processes


# Lines a process logs per message or request: they would hide what went wrong.
ROUTINE = ("chat_sender.message.sent", "HTTP Request: POST", "http.request.completed")


def _last_words(logs: Sequence[Path], lines: int = 15) -> str:
    """The end of each process's log, leaving out the lines logged per message sent."""
    tails = []
    for log in logs:
        if not log.exists():
            continue
        kept = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if not any(routine in line for routine in ROUTINE)
        ]
        tails.append(f"\n--- {log.name}, last {lines} lines:\n" + "\n".join(kept[-lines:]))
    return "".join(tails)


async def all_delivered(db: Database, shop: Shop) -> bool:
    """Every chat reached and the books settled: nothing left to relay, consume or send."""
    if len(prize_messages(shop)) < len(shop.users):
        return False
    now = await progress(db, shop)
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
    db: Database, shop: Shop, *, duplicates_allowed: int
) -> int:
    """No prize event lost, each had its effect once; returns the duplicate chat messages seen
    (the only thing a killed sender may do twice, and on Telegram only: see
    workers/chat_sender.py)."""
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
    received = prize_messages(shop)
    assert set(received) == set(shop.users), "a chat never received its prize message"
    duplicates = sum(received.values()) - len(received)
    assert duplicates <= duplicates_allowed, (
        f"{duplicates} duplicate messages; at most {duplicates_allowed} may be re-sent"
    )
    return duplicates
