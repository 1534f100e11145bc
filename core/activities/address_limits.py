"""Tries counted per network address and activity, on top of each customer's own limits: a
web visitor who clears their cookies is a new customer, but not a new address.

Two counters by the quota mechanism, raised in the try's own transaction (so a refused or
failed try counts nothing): the day's tries (the merchant's day), and a burst's tries this
minute, after which the address cools off until the next minute.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import TooManyTriesFromAddress
from core.activities.models import Activity
from core.stock.models import StockOwner
from core.stock.service import take_quota

_NAMESPACE = uuid.UUID("0f8e1c52-7a0b-4b8e-9d0e-5b9c1f2a6d33")


@dataclass(frozen=True)
class AddressLimits:
    per_day: int
    per_minute: int


async def take_address_try(
    session: AsyncSession,
    activity: Activity,
    address: str,
    limits: AddressLimits,
    *,
    timezone: str,
    now: datetime,
) -> None:
    """Count one try from `address`, or refuse it (TooManyTriesFromAddress)."""
    owner = StockOwner("activity_address_tries", activity.id)
    holder = uuid.uuid5(_NAMESPACE, address)
    counted = {"merchant_id": activity.merchant_id}
    minute = now.strftime("%Y%m%d%H%M")
    if not await take_quota(
        session, owner, holder, limit=limits.per_minute, period=minute, **counted
    ):
        raise TooManyTriesFromAddress(retry_after=60 - now.second, for_the_day=False)
    local = now.astimezone(ZoneInfo(timezone))
    if not await take_quota(
        session, owner, holder, limit=limits.per_day, period=local.date().isoformat(), **counted
    ):
        seconds_today = local.hour * 3600 + local.minute * 60 + local.second
        raise TooManyTriesFromAddress(retry_after=24 * 3600 - seconds_today, for_the_day=True)
