"""Guessing protection: tries at a code counted per customer and per client IP, per minute.

A try is counted before its code is checked, by the quota mechanism's conditional upsert, so
however many tries arrive together no more than `limit` are checked; a try whose code turns out
good is given back, so what stays counted are the wrong guesses (and tries in flight). A
customer is refused once `limit` are counted this minute. An IP's count refuses only customers
who have guessed wrong themselves too, so a valid code is never blocked by someone else's
failures behind the same address.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.codes.errors import TooManyAttempts
from core.stock.models import StockOwner
from core.stock.service import quota_used, return_quota, take_quota

_NAMESPACE = uuid.UUID("6b3f5e0c-4d38-4c2e-9a57-3f5b0b0c1a11")
_NO_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class Attempt:
    """One counted try: whose counters it raised, in which minute."""

    owner: StockOwner
    holders: tuple[uuid.UUID, ...]
    period: str


def _owner(merchant_id: uuid.UUID) -> StockOwner:
    return StockOwner("code_failures", merchant_id, merchant_id)


def _ip_holder(client_ip: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"ip:{client_ip}")


def _period(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M")


async def take_attempt(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    client_ip: str | None,
    *,
    limit: int,
    now: datetime,
) -> Attempt:
    """Count one try, or refuse it (TooManyAttempts) without counting anything."""
    owner, period = _owner(merchant_id), _period(now)
    refused = TooManyAttempts(retry_after=60 - now.second)
    counted = {"merchant_id": merchant_id, "period": period}
    if not await take_quota(session, owner, customer_id, limit=limit, **counted):
        raise refused
    if not client_ip:
        return Attempt(owner, (customer_id,), period)
    # This customer's tries are serialized by the counter row just raised, so the count read
    # back is exact: more than this try means they have guessed wrong before.
    guessed_before = await quota_used(session, owner, customer_id, period=period) > 1
    ip = _ip_holder(client_ip)
    ip_limit = limit if guessed_before else _NO_LIMIT
    if not await take_quota(session, owner, ip, limit=ip_limit, **counted):
        await return_quota(session, owner, customer_id, period=period)
        raise refused
    return Attempt(owner, (customer_id, ip), period)


async def give_back(session: AsyncSession, attempt: Attempt) -> None:
    """The try's code was good: it is not a guess."""
    for holder in attempt.holders:
        await return_quota(session, attempt.owner, holder, period=attempt.period)
