"""Guessing protection: failed code attempts counted per customer and per client IP, per minute.

Counting reuses the quota mechanism (a per-holder counter with a limit) with one-minute periods.
A customer is refused once they have failed `limit` times this minute. An IP that has failed
`limit` times refuses only customers who have failed themselves too, so a valid code is never
blocked by someone else's failures behind the same address.
"""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.codes.errors import TooManyAttempts
from core.stock.service import StockOwner, quota_used, take_quota

_NAMESPACE = uuid.UUID("6b3f5e0c-4d38-4c2e-9a57-3f5b0b0c1a11")
_NO_LIMIT = 2**31 - 1


def _owner(merchant_id: uuid.UUID) -> StockOwner:
    return StockOwner("code_failures", merchant_id)


def _ip_holder(client_ip: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"ip:{client_ip}")


def _period(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M")


def _retry_after(now: datetime) -> int:
    return 60 - now.second


async def check_attempts(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    client_ip: str | None,
    *,
    limit: int,
    now: datetime,
) -> None:
    period = _period(now)
    own = await quota_used(session, _owner(merchant_id), customer_id, period=period)
    if own >= limit:
        raise TooManyAttempts(_retry_after(now))
    if client_ip and own:
        shared = await quota_used(
            session, _owner(merchant_id), _ip_holder(client_ip), period=period
        )
        if shared >= limit:
            raise TooManyAttempts(_retry_after(now))


async def record_failure(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    client_ip: str | None,
    *,
    now: datetime,
) -> None:
    holders = [customer_id] + ([_ip_holder(client_ip)] if client_ip else [])
    for holder in holders:
        await take_quota(
            session,
            _owner(merchant_id),
            holder,
            merchant_id=merchant_id,
            limit=_NO_LIMIT,
            period=_period(now),
        )
