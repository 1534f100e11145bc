"""Who brought whom: a friend arriving by a customer's share link credits that customer once."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, Play, Referral
from core.clock import utcnow
from core.customers.models import Customer
from core.customers.service import find_customer
from core.db import upsert_insert
from core.events.service import record_event


async def credit_referral(
    session: AsyncSession, activity: Activity, friend: Customer, referrer_external_id: str | None
) -> uuid.UUID | None:
    """Record who brought a friend here: once per friend, never oneself, only on a first visit."""
    if referrer_external_id is None:
        return None
    referrer = await find_customer(session, activity.merchant_id, referrer_external_id)
    if referrer is None or referrer.id == friend.id:
        return None
    played_before = (
        await session.execute(
            select(func.count()).where(
                Play.activity_id == activity.id, Play.customer_id == friend.id
            )
        )
    ).scalar_one()
    if played_before:
        return None
    insert = upsert_insert(session)
    added = await session.execute(
        insert(Referral)
        .values(
            activity_id=activity.id,
            friend_id=friend.id,
            referrer_id=referrer.id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    if added.rowcount != 1:
        return None
    await record_event(
        session,
        merchant_id=activity.merchant_id,
        type="referral.joined",
        payload={
            "activity_id": str(activity.id),
            "referrer_id": str(referrer.id),
            "friend_id": str(friend.id),
        },
    )
    return referrer.id
