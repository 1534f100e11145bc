"""Tries counted per network address and activity, on top of each customer's own limits: a
web visitor who clears their cookies is a new customer, but not a new address.

So an address may bring only `share_visitors_per_address` customers to an activity (1 by
default: clearing cookies buys no extra try; a merchant whose customers share a shop's wifi
raises it). Each of them then has their own tries, referral bonuses included. On top, the
address's tries in the merchant's day are capped, and a burst of tries in one minute makes it
cool off until the next.

All are counters of the quota mechanism, raised in the try's own transaction (so a refused or
failed try counts nothing) and shared by every web process.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import TooManyTriesFromAddress
from core.activities.models import Activity
from core.settings import Settings
from core.stock.models import StockOwner
from core.stock.service import take_quota

_NAMESPACE = uuid.UUID("0f8e1c52-7a0b-4b8e-9d0e-5b9c1f2a6d33")


@dataclass(frozen=True)
class AddressLimits:
    players: int
    per_day: int
    per_minute: int

    @classmethod
    def of(cls, settings: Settings) -> "AddressLimits":
        return cls(
            players=settings.share_visitors_per_address,
            per_day=settings.share_tries_per_address_per_day,
            per_minute=settings.share_tries_per_address_per_minute,
        )


async def take_address_try(
    session: AsyncSession,
    activity: Activity,
    address: str,
    customer_id: uuid.UUID,
    limits: AddressLimits,
    *,
    timezone: str,
    now: datetime,
) -> None:
    """Count one try by `customer_id` from `address`, or refuse it (TooManyTriesFromAddress)."""
    counted = {"merchant_id": activity.merchant_id}
    holder = uuid.uuid5(_NAMESPACE, address)
    pair = uuid.uuid5(_NAMESPACE, f"{address}\x00{customer_id}")
    seen = StockOwner("activity_address_player_seen", activity.id, activity.merchant_id)
    if await take_quota(session, seen, pair, limit=1, **counted) is not None:
        # This customer's first try from this address: one more of its players.
        players = StockOwner("activity_address_players", activity.id, activity.merchant_id)
        if not await take_quota(session, players, holder, limit=limits.players, **counted):
            raise TooManyTriesFromAddress("players")
    tries = StockOwner("activity_address_tries", activity.id, activity.merchant_id)
    minute = now.strftime("%Y%m%d%H%M")
    if not await take_quota(
        session, tries, holder, limit=limits.per_minute, period=minute, **counted
    ):
        raise TooManyTriesFromAddress("minute", retry_after=60 - now.second)
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date().isoformat()
    if not await take_quota(session, tries, holder, limit=limits.per_day, period=day, **counted):
        seconds_today = local.hour * 3600 + local.minute * 60 + local.second
        raise TooManyTriesFromAddress("day", retry_after=24 * 3600 - seconds_today)
