"""The one sender of chat messages: replies, notifications and broadcasts alike.

Messages wait in `outgoing_messages`, written in the transaction that decided to send them. One
worker process at a time (the holder of the `chat.sender` lease) sends them: each chat's in id
order, many chats at once, within a token bucket per bot or number and one per chat, honouring a
platform's "retry after", marking customers who blocked the bot unreachable, and on WhatsApp
sending outside the 24-hour window only the merchant's approved template.

A message is marked sent in its own commit right after the platform accepts it. The platforms
take no idempotency key, so a process killed between the two leaves a message nobody knows the
fate of. WhatsApp says later: before each send the message's `not_before` moves on by the
in-doubt wait, and the send carries the message's tag; Meta's status webhook for that tag marks
it sent (web/webhooks/whatsapp.py), and only if none came by then is it sent again. A reply
WhatsApp takes as several messages records each part as it goes (`parts_sent`), each part tagged
too, so one cut short between them resumes after the parts that went. Telegram never says, so
there the next sender sends it again (see docs/operations.md).
"""

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import structlog

from bots.conversation.messages import Reply
from bots.delivery import (
    ChannelSender,
    OutsideWindow,
    RateLimited,
    SendFailed,
    Sent,
    Unreachable,
)
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.outgoing import (
    MESSAGES_SIGNAL,
    accounts_by_id,
    chat_identity,
    due_messages,
    message_tag,
    record_send_outcome,
    replaced_message_id,
)
from core.channels.service import credentials_of
from core.clock import utcnow
from core.commit_signals import on_commit
from core.crypto import Sealer
from core.customers.models import ChannelIdentity
from core.db import Database
from core.leases.service import take_lease
from core.ratelimit import TokenBucket
from workers.pacing import rest

log = structlog.get_logger("confetti.chat_sender")

WHATSAPP_WINDOW = timedelta(hours=24)
DEFAULT_RATE = {"telegram": 25.0, "whatsapp": 80.0}
PER_CHAT_RATE, PER_CHAT_BURST = 1.0, 4.0
MAX_ATTEMPTS = 8
LEASE = "chat.sender"
ROUND_SECONDS = 5.0
LEASE_SECONDS = 20.0  # a round, plus a platform call's timeout, plus margin


class ChatSender:
    def __init__(
        self,
        db: Database,
        sealer: Sealer,
        senders: Mapping[str, ChannelSender],
        *,
        holder: str,
        batch_size: int = 200,
        concurrency: int = 32,
        poll_seconds: float = 0.5,
        per_chat_rate: float = PER_CHAT_RATE,
        in_doubt_seconds: float = 300,
    ) -> None:
        self.db, self.sealer, self.senders, self.holder = db, sealer, senders, holder
        self.batch_size, self.poll_seconds = batch_size, poll_seconds
        self.per_chat_rate = per_chat_rate
        self.in_doubt = timedelta(seconds=in_doubt_seconds)
        self._slots = asyncio.Semaphore(concurrency)
        self._round_ends = 0.0
        # The chats this process is sending to: one task at a time per chat, so a round never
        # takes a message that an earlier round (abandoned, or still running) holds.
        self._chats_in_hand: set[tuple[uuid.UUID, str]] = set()
        self._wake = asyncio.Event()
        self._account_buckets: dict[uuid.UUID, TokenBucket] = {}
        self._chat_buckets: dict[tuple[uuid.UUID, str], TokenBucket] = {}

    async def run(self, stopping: asyncio.Event) -> None:
        unregister = on_commit(MESSAGES_SIGNAL, self._wake.set)
        try:
            while not stopping.is_set():
                sent = 0
                try:
                    if await self._holds_lease():
                        sent = await self.send_due()
                except Exception:
                    log.exception("chat_sender.failed")
                if not sent:
                    self._wake.clear()
                    await rest(stopping, self.poll_seconds, self._wake)
        finally:
            unregister()

    async def _holds_lease(self) -> bool:
        # Longer than a round and the platform call that may end it, so the lease never lapses
        # while its holder is still sending.
        duration = timedelta(seconds=LEASE_SECONDS)
        async with self.db.transaction() as session:
            return await take_lease(session, LEASE, self.holder, duration)

    async def send_due(self) -> int:
        """Send what is due now, for at most a round; returns how many messages were handled
        (0 when all that is due must wait: the loop then rests)."""
        self._round_ends = asyncio.get_running_loop().time() + ROUND_SECONDS
        async with self.db.transaction(write=False) as session:
            due = await due_messages(session, now=utcnow(), limit=self.batch_size)
            accounts = await accounts_by_id(session, {m.account_id for m in due})
        chats: defaultdict[tuple[uuid.UUID, str], list[OutgoingMessage]] = defaultdict(list)
        for message in due:
            if (message.account_id, message.address) not in self._chats_in_hand:
                chats[(message.account_id, message.address)].append(message)
        self._chats_in_hand |= chats.keys()
        # Every chat's outcome, failures included: a round that ended at the first failure
        # would leave the other chats' sends running, and the next round would send them again.
        outcomes = await asyncio.gather(
            *(
                self._send_chat(key, accounts.get(key[0]), messages)
                for key, messages in chats.items()
            ),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                log.error("chat_sender.chat.failed", exc_info=outcome)
        return sum(outcome for outcome in outcomes if isinstance(outcome, int))

    async def _send_chat(
        self,
        chat: tuple[uuid.UUID, str],
        account: ChannelAccount | None,
        messages: list[OutgoingMessage],
    ) -> int:
        """One chat's messages in order; the first that must wait holds back the rest.
        Returns how many were handled. `chat` is in hand (see `send_due`) until it returns."""
        handled = 0
        try:
            async with self._slots:
                for message in messages:
                    if account is None or not await self._deliver(account, message):
                        break
                    handled += 1
        finally:
            self._chats_in_hand.discard(chat)
        return handled

    async def _deliver(self, account: ChannelAccount, message: OutgoingMessage) -> bool:
        """Send one message and record the outcome; False if the chat must wait."""
        reply = Reply.model_validate(message.body)
        identity = await self._identity(account, message.address)
        if (
            identity is not None
            and identity.unreachable_at is not None
            and message.purpose != "reply"
        ):
            await self._finish(message, "skipped", reason="customer unreachable")
            return True
        buckets = (self._bucket(account), self._chat_bucket(account, message.address))
        remaining = self._round_ends - asyncio.get_running_loop().time()
        if max(bucket.wait_time() for bucket in buckets) > remaining:
            return False  # next round: the lease must be renewed first
        for bucket in buckets:
            await bucket.take()
        if asyncio.get_running_loop().time() > self._round_ends:
            # The reads and waits above ran past the round (a busy database): the lease that
            # makes this process the only sender may lapse before the send is recorded.
            return False
        reports_status = self.senders[account.channel].reports_status
        if reports_status:
            # Should this process die before the outcome is recorded, no sender may send it
            # again until the platform's status update has had time to say whether it went.
            await self._update(message, not_before=utcnow() + self.in_doubt)
        try:
            sent = await self._send(account, message, reply, identity)
        except RateLimited as limited:
            self._bucket(account).pause(limited.retry_after)
            await self._retry_later(message, limited.retry_after, limited.reason, count=False)
            return False
        except Unreachable as gone:
            await self._finish(message, "unreachable", reason=gone.reason, unreachable=True)
            return True
        except OutsideWindow as outside:
            await self._finish(
                message, "skipped", reason=f"outside the 24-hour window: {outside.reason}"
            )
            return True
        except SendFailed as failed:
            if failed.permanent or message.attempts + 1 >= MAX_ATTEMPTS:
                await self._finish(message, "failed", reason=failed.reason)
                return True
            wait = timedelta(seconds=min(2 ** (message.attempts + 1), 300))
            if failed.maybe_sent and reports_status:
                wait = max(wait, self.in_doubt)  # its status update may yet say it went
            await self._retry_later(message, wait.total_seconds(), failed.reason)
            return False
        if sent is None:
            await self._finish(message, "skipped", reason="outside the 24-hour window, no template")
        else:
            await self._finish(message, "sent", provider_message_id=sent.provider_message_id)
        return True

    async def _send(
        self,
        account: ChannelAccount,
        message: OutgoingMessage,
        reply: Reply,
        identity: ChannelIdentity | None,
    ) -> Sent | None:
        sender = self.senders[account.channel]
        credentials = credentials_of(self.sealer, account)
        if account.channel == "whatsapp" and not _window_open(identity):
            template = account.settings.get("template")
            if not template:
                return None
            return await sender.send_template(
                account,
                credentials,
                message.address,
                template=template["name"],
                language=template.get("language", "en"),
                text=reply.text,
                tag=message_tag(message.id),
            )
        replacing = await self._replaced(message, reply.replaces) if reply.replaces else None
        return await sender.send(
            account,
            credentials,
            message.address,
            reply,
            replacing=replacing,
            tag=message_tag(message.id),
            parts_sent=message.parts_sent,
            on_part_sent=lambda parts: self._update(message, parts_sent=parts),
        )

    async def _replaced(self, message: OutgoingMessage, key: str) -> str | None:
        async with self.db.transaction(write=False) as session:
            return await replaced_message_id(session, message, key)

    async def _identity(self, account: ChannelAccount, address: str) -> ChannelIdentity | None:
        async with self.db.transaction(write=False) as session:
            return await chat_identity(session, account, address)

    def _bucket(self, account: ChannelAccount) -> TokenBucket:
        bucket = self._account_buckets.get(account.id)
        if bucket is None:
            rate = float(account.settings.get("rate_per_second") or DEFAULT_RATE[account.channel])
            bucket = self._account_buckets[account.id] = TokenBucket(rate, burst=rate)
        return bucket

    def _chat_bucket(self, account: ChannelAccount, address: str) -> TokenBucket:
        key = (account.id, address)
        bucket = self._chat_buckets.get(key)
        if bucket is None:
            if len(self._chat_buckets) > 100_000:
                self._chat_buckets.clear()
            bucket = self._chat_buckets[key] = TokenBucket(self.per_chat_rate, PER_CHAT_BURST)
        return bucket

    async def _retry_later(
        self, message: OutgoingMessage, seconds: float, reason: str, *, count: bool = True
    ) -> None:
        await self._update(
            message,
            not_before=utcnow() + timedelta(seconds=seconds),
            attempts=message.attempts + (1 if count else 0),
            reason=reason[:300],
        )

    async def _finish(
        self,
        message: OutgoingMessage,
        status: str,
        *,
        reason: str | None = None,
        provider_message_id: str | None = None,
        unreachable: bool = False,
    ) -> None:
        now = utcnow()
        await self._update(
            message,
            status=status,
            reason=reason[:300] if reason else None,
            provider_message_id=provider_message_id,
            sent_at=now if status == "sent" else None,
            attempts=message.attempts + 1,
            unreachable=unreachable,
        )
        log.info(
            "chat_sender.message." + status,
            merchant_id=str(message.merchant_id),
            message_id=message.id,
            purpose=message.purpose,
        )

    async def _update(
        self, message: OutgoingMessage, *, unreachable: bool = False, **values: Any
    ) -> None:
        async with self.db.transaction() as session:
            await record_send_outcome(session, message, unreachable=unreachable, **values)


def _window_open(identity: ChannelIdentity | None) -> bool:
    last = identity.last_inbound_at if identity is not None else None
    return last is not None and utcnow() - last < WHATSAPP_WINDOW
