"""Messages to customers' chats: queued in the transaction that decided to send them, taken
in order by the chat sender, and settled by what the platform says of them."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.channels.models import ChannelAccount, OutgoingMessage
from core.clock import utcnow
from core.commit_signals import signal_on_commit
from core.customers.models import ChannelIdentity
from core.db import upsert_insert

MESSAGES_SIGNAL = "chat-messages"


TAG_PREFIX = "confetti:"


MAX_MESSAGE_ID = 2**31 - 1  # outgoing_messages.id is a 32-bit integer on PostgreSQL


async def queue_messages(
    session: AsyncSession,
    account: ChannelAccount,
    address: str,
    bodies: Sequence[dict],
    *,
    purpose: str,
    customer_id: uuid.UUID | None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> int:
    """Queue messages for the sender; with a dedupe key, queuing the same ones again does
    nothing (each message's key is `dedupe_key:<n>`). Returns how many were queued."""
    queued = 0
    now = utcnow()
    for number, body in enumerate(bodies):
        values = {
            "merchant_id": account.merchant_id,
            "account_id": account.id,
            "address": address,
            "customer_id": customer_id,
            "purpose": purpose,
            "body": body,
            "dedupe_key": f"{dedupe_key}:{number}" if dedupe_key else None,
            "status": "pending",
            "attempts": 0,
            "not_before": not_before or now,
            "created_at": now,
        }
        inserted = await session.execute(
            upsert_insert(session)(OutgoingMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        queued += inserted.rowcount or 0
    if queued:
        signal_on_commit(session, MESSAGES_SIGNAL)
    return queued


def message_tag(message_id: int) -> str:
    """What a message is sent with where the platform echoes it in its status updates."""
    return f"{TAG_PREFIX}{message_id}"


def part_tag(tag: str, part: int) -> str:
    """The tag of a part of a message (0-based) that is not its last; the last carries the
    message's own tag, whose status settles the whole."""
    return f"{tag}:{part}"


def tagged_message_id(tag: str | None) -> int | None:
    """The message a status update's tag names; None for a tag not ours (another app on the
    same number may tag its own messages)."""
    tagged = tagged_part(tag)
    return tagged[0] if tagged else None


def tagged_part(tag: str | None) -> tuple[int, int | None] | None:
    """The message and part (None: its last, or its only one) a status update's tag names."""
    if not tag or not tag.startswith(TAG_PREFIX):
        return None
    number, _, part = tag[len(TAG_PREFIX) :].partition(":")
    if not (_is_number(number) and (not part or _is_number(part))):
        return None
    message_id = int(number)
    if not 0 < message_id <= MAX_MESSAGE_ID:
        return None
    return message_id, int(part) if part else None


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 19


# What a later status can change: "it went" settles a message still pending (its send was cut
# short); "it failed" undoes one marked sent, or ends one still pending.
CHANGED_BY_STATUS = {True: ("pending",), False: ("pending", "sent")}


async def statuses_of_tagged(
    session: AsyncSession, account: ChannelAccount, tags: Sequence[str | None]
) -> dict[str, str]:
    """The current status of each of this account's messages that these tags name, by tag: most
    status updates confirm what the sender recorded already, and need no write transaction (on
    SQLite, no wait for the one write lock)."""
    ids = {tag: tagged_message_id(tag) for tag in tags if tag}
    wanted = {message_id for message_id in ids.values() if message_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(OutgoingMessage.id, OutgoingMessage.status).where(
            OutgoingMessage.id.in_(wanted), OutgoingMessage.account_id == account.id
        )
    )
    status_of = {message_id: status for message_id, status in rows}
    return {tag: status_of[ids[tag]] for tag in ids if ids[tag] in status_of}


async def record_delivery_status(
    session: AsyncSession,
    account: ChannelAccount,
    tag: str | None,
    *,
    delivered: bool,
    provider_message_id: str,
    reason: str | None = None,
) -> bool:
    """The platform's later word on one of this account's messages: it went (sent, delivered,
    read), which settles a message whose send was cut short; or it failed after all. Returns
    whether a message changed. A part that went (not the last) says only that the parts up
    to it need not be sent again."""
    tagged = tagged_part(tag)
    if tagged is None:
        return False
    message_id, part = tagged
    ours = (OutgoingMessage.id == message_id) & (OutgoingMessage.account_id == account.id)
    changeable = OutgoingMessage.status.in_(CHANGED_BY_STATUS[delivered])
    if delivered and part is not None:
        statement = (
            update(OutgoingMessage)
            .where(ours, changeable, OutgoingMessage.parts_sent <= part)
            .values(parts_sent=part + 1)
        )
    elif delivered:
        statement = (
            update(OutgoingMessage)
            .where(ours, changeable)
            .values(
                status="sent",
                sent_at=utcnow(),
                provider_message_id=provider_message_id[:128],
                reason=None,
            )
        )
    else:
        statement = (
            update(OutgoingMessage)
            .where(ours, changeable)
            .values(status="failed", reason=(reason or "failed after it was sent")[:300])
        )
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1


async def due_messages(
    session: AsyncSession, *, now: datetime, limit: int
) -> list[OutgoingMessage]:
    """Pending messages whose time has come, oldest first, in each chat's order: nothing goes
    while an earlier message of its chat must still wait, except that replies wait only for
    earlier replies (a notification in doubt or retrying must not leave the bot silent)."""
    earlier = aliased(OutgoingMessage)
    held_back = exists().where(
        earlier.account_id == OutgoingMessage.account_id,
        earlier.address == OutgoingMessage.address,
        # Inline, not a parameter: a generic plan could not use the partial index.
        earlier.status == literal_column("'pending'"),
        earlier.id < OutgoingMessage.id,
        earlier.not_before > now,
        or_(OutgoingMessage.purpose != "reply", earlier.purpose == "reply"),
    )
    rows = await session.execute(
        select(OutgoingMessage)
        .where(
            OutgoingMessage.status == "pending",
            OutgoingMessage.not_before <= now,
            ~held_back,
        )
        .order_by(OutgoingMessage.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def accounts_by_id(
    session: AsyncSession, account_ids: set[uuid.UUID]
) -> dict[uuid.UUID, ChannelAccount]:
    rows = await session.execute(select(ChannelAccount).where(ChannelAccount.id.in_(account_ids)))
    return {account.id: account for account in rows.scalars()}


async def replaced_message_id(
    session: AsyncSession, message: OutgoingMessage, key: str
) -> str | None:
    """The platform id of this chat's latest sent message named `key` (among its last ten)."""
    earlier = await session.execute(
        select(OutgoingMessage.body, OutgoingMessage.provider_message_id)
        .where(
            OutgoingMessage.account_id == message.account_id,
            OutgoingMessage.address == message.address,
            OutgoingMessage.id < message.id,
            OutgoingMessage.status == "sent",
        )
        .order_by(OutgoingMessage.id.desc())
        .limit(10)
    )
    for body, provider_id in earlier:
        if body.get("key") == key:
            return provider_id
    return None


async def chat_identity(
    session: AsyncSession, account: ChannelAccount, address: str
) -> ChannelIdentity | None:
    """Who is at `address` on this account's channel."""
    query = select(ChannelIdentity).where(
        ChannelIdentity.merchant_id == account.merchant_id,
        ChannelIdentity.channel == account.channel,
        ChannelIdentity.address == address,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def record_send_outcome(
    session: AsyncSession, message: OutgoingMessage, *, unreachable: bool, **values: Any
) -> None:
    """What became of a send, on a message still pending; `unreachable` marks its customer so."""
    row = await session.get(OutgoingMessage, message.id)
    # Gone: the account was disconnected meanwhile. No longer pending: the platform's status
    # update came first, and is the later word.
    if row is None or row.status != "pending":
        return
    for name, value in values.items():
        setattr(row, name, value)
    if not unreachable:
        return
    identity = (
        await session.execute(
            select(ChannelIdentity).where(
                ChannelIdentity.merchant_id == message.merchant_id,
                ChannelIdentity.account_id == message.account_id,
                ChannelIdentity.address == message.address,
            )
        )
    ).scalar_one_or_none()
    if identity is not None:
        identity.unreachable_at = utcnow()
