"""A customer's tries at an activity: counted against its limits (in all, per day in the
merchant's timezone, plus those unlocked by referrals), each with the next nonce."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import NoTriesLeft
from core.activities.models import Activity, Play, Referral
from core.activities.schemas import Rules
from core.customers.models import Customer
from core.stock import service as stock

UNLIMITED = 2**31 - 1


@dataclass(frozen=True)
class Try:
    nonce: int
    tries_left: int | None


async def _total_limit(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID, rules: Rules
) -> int | None:
    """Tries allowed in all: the rule (an envelope is one per customer), plus referral unlocks."""
    base = 1 if activity.kind == "red_envelope" else rules.tries_per_customer_total
    if base is None or rules.referral is None:
        return base
    friends = (
        await session.execute(
            select(func.count()).where(
                Referral.activity_id == activity.id, Referral.referrer_id == customer_id
            )
        )
    ).scalar_one()
    return base + friends // rules.referral.friends_per_unlock * rules.referral.extra_tries


async def take_try(
    session: AsyncSession,
    activity: Activity,
    customer: Customer,
    rules: Rules,
    timezone: str,
    now: datetime,
) -> Try:
    owner = activity.tries_owner
    total = await _total_limit(session, activity, customer.id, rules)
    common = {"merchant_id": activity.merchant_id}
    used = await stock.take_quota(session, owner, customer.id, limit=total or UNLIMITED, **common)
    if used is None:
        raise NoTriesLeft()
    left = [total - used] if total else []
    daily = rules.tries_per_customer_per_day
    if daily is not None:
        day = now.astimezone(ZoneInfo(timezone)).date().isoformat()
        used_today = await stock.take_quota(
            session, owner, customer.id, limit=daily, period=day, **common
        )
        if used_today is None:
            raise NoTriesLeft("No tries left today; come back tomorrow.", variant="today")
        left.append(daily - used_today)
    # The customer's tries are serialized by the quota row just taken, so counting their plays
    # gives each try the next nonce (tries handed back later never reuse one).
    nonce = (
        await session.execute(
            select(func.count()).where(
                Play.activity_id == activity.id, Play.customer_id == customer.id
            )
        )
    ).scalar_one()
    return Try(nonce=nonce, tries_left=min(left) if left else None)


async def fresh_round(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID, rules: Rules, day: str
) -> bool:
    """Whether the customer has all of `day`'s tries still to take and tries left overall."""
    owner = activity.tries_owner
    if await stock.quota_used(session, owner, customer_id, period=day):
        return False
    total = await _total_limit(session, activity, customer_id, rules)
    return total is None or await stock.quota_used(session, owner, customer_id) < total
