"""Broadcasts: one message from the merchant to a segment of their chat customers, as a job.

The recipients are fixed when the broadcast is created (one chat per customer: the one they
last wrote from). The workers run it chunk by chunk (workers/broadcasts.py).
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import ActivityNotFound
from core.activities.models import Play
from core.activities.service import effective_status, get_activity
from core.broadcasts.schemas import BroadcastCreate, BroadcastOut, Deliveries, Segment
from core.channels.models import OutgoingMessage
from core.clock import utcnow
from core.coupons.models import Coupon
from core.customers.models import ChannelIdentity
from core.errors import ValidationFailed
from core.jobs.models import Job
from core.jobs.service import create_job, job_view

BROADCAST_JOB_KIND = "broadcast"
MAX_RECIPIENTS = 100_000


async def recipients(
    session: AsyncSession, merchant_id: uuid.UUID, segment: Segment
) -> list[uuid.UUID]:
    """The chat identities to write to: one per customer, reachable, in the segment."""
    query = select(ChannelIdentity.id, ChannelIdentity.customer_id).where(
        ChannelIdentity.merchant_id == merchant_id,
        ChannelIdentity.account_id.is_not(None),
        ChannelIdentity.unreachable_at.is_(None),
        ChannelIdentity.channel.in_(
            (segment.channel,) if segment.channel else ("telegram", "whatsapp")
        ),
    )
    if segment.played_activity is not None:
        query = query.where(
            ChannelIdentity.customer_id.in_(
                select(Play.customer_id).where(
                    Play.merchant_id == merchant_id, Play.activity_id == segment.played_activity
                )
            )
        )
    if segment.holding_unused_coupon:
        now = utcnow()
        query = query.where(
            ChannelIdentity.customer_id.in_(
                select(Coupon.customer_id).where(
                    Coupon.merchant_id == merchant_id,
                    Coupon.status == "available",
                    (Coupon.valid_until.is_(None)) | (Coupon.valid_until > now),
                )
            )
        )
    rows = await session.execute(
        query.order_by(ChannelIdentity.customer_id, ChannelIdentity.last_inbound_at.desc())
    )
    chosen: dict[uuid.UUID, uuid.UUID] = {}
    for identity_id, customer_id in rows:
        chosen.setdefault(customer_id, identity_id)
        if len(chosen) > MAX_RECIPIENTS:
            break
    return list(chosen.values())[:MAX_RECIPIENTS]


async def start_broadcast(
    session: AsyncSession, merchant_id: uuid.UUID, data: BroadcastCreate
) -> Job:
    if data.activity is not None:
        try:
            activity = await get_activity(session, merchant_id, data.activity)
        except ActivityNotFound:
            raise ValidationFailed("no such activity", field="activity") from None
        # Its "Take part" button must lead somewhere a customer can play, now or soon.
        if effective_status(activity, utcnow()) not in ("live", "scheduled"):
            raise ValidationFailed("the activity is not live or scheduled", field="activity")
    chats = await recipients(session, merchant_id, data.segment)
    return await create_job(
        session,
        merchant_id,
        kind=BROADCAST_JOB_KIND,
        params={
            "message": data.model_dump(mode="json", exclude={"segment"}, exclude_none=True),
            "recipients": [str(identity) for identity in chats],
        },
        total=len(chats),
        counters={"queued": 0},
    )


async def broadcast_view(session: AsyncSession, job: Job) -> BroadcastOut:
    """The job's progress and, so far, what became of its messages."""
    counts = await session.execute(
        select(OutgoingMessage.status, func.count())
        .where(
            OutgoingMessage.merchant_id == job.merchant_id,
            OutgoingMessage.dedupe_key.like(f"broadcast:{job.id}:%"),
        )
        .group_by(OutgoingMessage.status)
    )
    return BroadcastOut(job=job_view(job), deliveries=Deliveries(**dict(counts.all())))
