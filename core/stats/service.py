"""Rolling events up into daily counters the analytics read. The consumer that calls this is
idempotent by event id (workers.consumers.deliver), so a redelivered event is counted once."""

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import upsert_insert
from core.events.service import EventEnvelope
from core.merchants.models import Merchant
from core.stats.models import DailyStat

# The subject an event is about, by the first of these ids its payload carries.
SUBJECTS = (
    ("activity", "activity_id"),
    ("coupon_template", "template_id"),
    ("code_batch", "batch_id"),
    ("redemption", "redemption_id"),
)
NO_SUBJECT = uuid.UUID(int=0)
# What an event is worth: money taken off, points moved, an envelope share.
AMOUNT_FIELDS = ("amount", "points", "share")


def subject_of(payload: dict) -> tuple[str, uuid.UUID]:
    for kind, field in SUBJECTS:
        if payload.get(field):
            return kind, uuid.UUID(str(payload[field]))
    return "merchant", NO_SUBJECT


def amount_of(payload: dict) -> int:
    for field in AMOUNT_FIELDS:
        value = payload.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0


async def count_event(session: AsyncSession, event: EventEnvelope) -> None:
    merchant = await session.get(Merchant, event.merchant_id)
    kind, subject = subject_of(event.payload)
    await add_to_daily_stat(
        session,
        merchant_id=event.merchant_id,
        day=event.occurred_at.astimezone(ZoneInfo(merchant.timezone)).date(),
        metric=event.type,
        subject=(kind, subject),
        channel=str(event.payload.get("channel") or "api")[:16],
        count=1,
        amount=amount_of(event.payload),
    )


async def add_to_daily_stat(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    day: date,
    metric: str,
    subject: tuple[str, uuid.UUID],
    channel: str,
    count: int,
    amount: int,
) -> None:
    """Add to one day's counter, creating it at the first."""
    statement = upsert_insert(session)(DailyStat).values(
        merchant_id=merchant_id,
        day=day,
        metric=metric,
        subject_kind=subject[0],
        subject_id=subject[1],
        channel=channel,
        count=count,
        amount=amount,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[
                "merchant_id",
                "day",
                "metric",
                "subject_kind",
                "subject_id",
                "channel",
            ],
            set_={"count": DailyStat.count + count, "amount": DailyStat.amount + amount},
        )
    )


async def daily_counts(
    session: AsyncSession, merchant_id: uuid.UUID, metric: str, day: date
) -> dict[tuple[str, uuid.UUID, str], tuple[int, int]]:
    rows = await session.execute(
        select(DailyStat).where(
            DailyStat.merchant_id == merchant_id, DailyStat.metric == metric, DailyStat.day == day
        )
    )
    return {
        (row.subject_kind, row.subject_id, row.channel): (row.count, row.amount)
        for row in rows.scalars()
    }
