"""Merchants' chat accounts, the updates they receive (once each), and the messages queued to
send through them."""

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.channels.errors import ChannelAccountNotFound, ChannelTaken
from core.channels.models import ChannelAccount, InboundUpdate, OutgoingMessage
from core.clock import utcnow
from core.commit_signals import signal_on_commit
from core.crypto import Sealer, fingerprint
from core.db import get_owned, upsert_insert

KEEP_INBOUND_FOR = timedelta(days=7)
MESSAGES_SIGNAL = "chat-messages"
TAG_PREFIX = "confetti:"
MAX_MESSAGE_ID = 2**31 - 1  # outgoing_messages.id is a 32-bit integer on PostgreSQL


async def save_account(
    session: AsyncSession,
    sealer: Sealer,
    *,
    merchant_id: uuid.UUID,
    channel: str,
    external_id: str,
    name: str,
    credentials: dict[str, str],
    webhook_secret: str,
    settings: dict | None = None,
) -> ChannelAccount:
    """Connect a bot or number, or refresh its credentials if this merchant already has it."""
    account = (
        await session.execute(
            select(ChannelAccount)
            .where(ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if account is not None and account.merchant_id != merchant_id:
        raise ChannelTaken()
    if account is None:
        account = ChannelAccount(
            id=uuid.uuid4(), merchant_id=merchant_id, channel=channel, external_id=external_id
        )
        session.add(account)
    account.name = name
    account.sealed_credentials = sealer.seal(json.dumps(credentials))
    account.webhook_secret_fingerprint = fingerprint(webhook_secret)
    account.settings = settings or {}
    await session.flush()
    return account


def credentials_of(sealer: Sealer, account: ChannelAccount) -> dict[str, str]:
    return json.loads(sealer.open(account.sealed_credentials))


async def get_account(
    session: AsyncSession, merchant_id: uuid.UUID, account_id: uuid.UUID
) -> ChannelAccount:
    return await get_owned(
        session, ChannelAccount, merchant_id, account_id, ChannelAccountNotFound()
    )


async def find_account(
    session: AsyncSession, account_id: uuid.UUID, channel: str
) -> ChannelAccount | None:
    """For webhooks, which name the account in the URL: unknown ids are simply not ours."""
    account = await session.get(ChannelAccount, account_id)
    return account if account is not None and account.channel == channel else None


async def list_accounts(session: AsyncSession, merchant_id: uuid.UUID) -> list[ChannelAccount]:
    rows = await session.execute(
        select(ChannelAccount)
        .where(ChannelAccount.merchant_id == merchant_id)
        .order_by(ChannelAccount.created_at)
    )
    return list(rows.scalars())


async def delete_account(
    session: AsyncSession, merchant_id: uuid.UUID, account_id: uuid.UUID
) -> None:
    account = await get_account(session, merchant_id, account_id)
    await session.delete(account)
    await session.flush()


async def first_receipt(session: AsyncSession, account_id: uuid.UUID, key: str) -> bool:
    """True the first time this update id arrives for this account; False for a redelivery."""
    inserted = await session.execute(
        upsert_insert(session)(InboundUpdate)
        .values(account_id=account_id, key=key[:128], received_at=utcnow())
        .on_conflict_do_nothing()
    )
    return inserted.rowcount == 1


async def purge_inbound(session: AsyncSession) -> int:
    """Forget update ids older than any platform redelivers."""
    result = await session.execute(
        delete(InboundUpdate).where(InboundUpdate.received_at < utcnow() - KEEP_INBOUND_FOR)
    )
    return result.rowcount or 0


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


def tagged_message_id(tag: str | None) -> int | None:
    """The message a status update's tag names; None for a tag not ours (another app on the
    same number may tag its own messages)."""
    if not tag or not tag.startswith(TAG_PREFIX):
        return None
    number = tag[len(TAG_PREFIX) :]
    if not (number.isascii() and number.isdigit() and len(number) < 19):
        return None
    message_id = int(number)
    return message_id if 0 < message_id <= MAX_MESSAGE_ID else None


# What a later status can change: "it went" settles a message still pending (its send was cut
# short); "it failed" undoes one marked sent, or ends one still pending.
CHANGED_BY_STATUS = {True: ("pending",), False: ("pending", "sent")}


async def statuses_of_tagged(
    session: AsyncSession, account: ChannelAccount, tags: Sequence[str | None]
) -> dict[str, str]:
    """The current status of each of this account's messages that these tags name, by tag: most
    status updates confirm what the sender recorded already, and need no write transaction (on
    SQLite, no wait for the one write lock)."""
    by_id = {tagged_message_id(tag): tag for tag in tags if tag}
    by_id.pop(None, None)
    if not by_id:
        return {}
    rows = await session.execute(
        select(OutgoingMessage.id, OutgoingMessage.status).where(
            OutgoingMessage.id.in_(by_id), OutgoingMessage.account_id == account.id
        )
    )
    return {by_id[message_id]: status for message_id, status in rows}


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
    whether a message changed."""
    message_id = tagged_message_id(tag)
    if message_id is None:
        return False
    ours = (OutgoingMessage.id == message_id) & (OutgoingMessage.account_id == account.id)
    changeable = OutgoingMessage.status.in_(CHANGED_BY_STATUS[delivered])
    if delivered:
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
