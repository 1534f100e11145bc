"""Merchants' chat accounts and the updates they receive (once each). What is sent through
them is in `outgoing`."""

import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.channels.errors import ChannelAccountNotFound, ChannelTaken
from core.channels.models import ChannelAccount, InboundUpdate
from core.clock import utcnow
from core.crypto import Sealer, fingerprint
from core.db import get_owned, upsert_insert

KEEP_INBOUND_FOR = timedelta(days=7)


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
    claim_only: bool = False,
) -> ChannelAccount:
    """Connect a bot or number, or refresh its credentials if this merchant already has it.
    Another merchant's is refused with ChannelTaken, and nothing changes.

    `claim_only` keeps an account this merchant already has as it is: Telegram's connect claims
    the bot before asking Telegram to change anything (a bot has one webhook, and the last to
    set it gets the updates), so a refused connect leaves the holder's bot as it was, and saves
    the new secret only once Telegram has it. Of two merchants connecting one bot or number at
    once, the unique (channel, external_id) lets one insert win; the other's insert does
    nothing, and it finds the winner's row and is refused."""
    values = {
        "name": name,
        "sealed_credentials": sealer.seal(json.dumps(credentials)),
        "webhook_secret_fingerprint": fingerprint(webhook_secret),
        "settings": settings or {},
    }
    await session.execute(
        upsert_insert(session)(ChannelAccount)
        .values(
            id=uuid.uuid4(),
            merchant_id=merchant_id,
            channel=channel,
            external_id=external_id,
            created_at=utcnow(),
            **values,
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    account = (
        await session.execute(
            select(ChannelAccount)
            .where(ChannelAccount.channel == channel, ChannelAccount.external_id == external_id)
            .with_for_update()
        )
    ).scalar_one()
    if account.merchant_id != merchant_id:
        raise ChannelTaken()
    if not claim_only:
        for column, value in values.items():
            setattr(account, column, value)
        await session.flush()
    return account


async def release_claim(session: AsyncSession, account_id: uuid.UUID, webhook_secret: str) -> None:
    """Give back a claim whose platform set-up failed: the row goes only if this attempt made
    it (it still holds this attempt's secret), never an account connected before."""
    await session.execute(
        delete(ChannelAccount).where(
            ChannelAccount.id == account_id,
            ChannelAccount.webhook_secret_fingerprint == fingerprint(webhook_secret),
        )
    )


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


async def find_bot(session: AsyncSession, bot_id: str) -> ChannelAccount | None:
    """The connected Telegram bot with this id (the number before the token's colon)."""
    query = select(ChannelAccount).where(
        ChannelAccount.channel == "telegram", ChannelAccount.external_id == bot_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def merchant_bot(session: AsyncSession, merchant_id: uuid.UUID) -> ChannelAccount | None:
    """The merchant's Telegram bot, if one is connected."""
    query = (
        select(ChannelAccount)
        .where(ChannelAccount.merchant_id == merchant_id, ChannelAccount.channel == "telegram")
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def account_by_id(session: AsyncSession, account_id: uuid.UUID) -> ChannelAccount | None:
    """Any merchant's account (a worker's, which takes the merchant from the account)."""
    return await session.get(ChannelAccount, account_id)


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


async def last_update_times(
    session: AsyncSession, account_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """When each account last received an update, for those that did in the last
    KEEP_INBOUND_FOR (older receipts are purged)."""
    rows = await session.execute(
        select(InboundUpdate.account_id, func.max(InboundUpdate.received_at))
        .where(InboundUpdate.account_id.in_(account_ids))
        .group_by(InboundUpdate.account_id)
    )
    return {account_id: received_at for account_id, received_at in rows.all()}


async def purge_inbound(session: AsyncSession) -> int:
    """Forget update ids older than any platform redelivers."""
    result = await session.execute(
        delete(InboundUpdate).where(InboundUpdate.received_at < utcnow() - KEEP_INBOUND_FOR)
    )
    return result.rowcount or 0
