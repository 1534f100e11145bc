"""Broadcasts: one message from the merchant to a segment of their chat customers, as a job.

The recipients are fixed when the broadcast is created (one chat per customer: the one they
last wrote from). Each chunk queues its recipients' messages with a key naming the broadcast
and the customer, so a chunk run again after a crash queues nothing twice: at most one copy per
customer. The chat sender then delivers them at each channel's rate.
"""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator, pick_language
from bots.conversation.messages import Link, Option, Reply
from core.activities.models import Play
from core.broadcasts.schemas import BroadcastCreate, BroadcastOut, Deliveries
from core.channels.models import ChannelAccount, OutgoingMessage
from core.channels.service import queue_messages
from core.clock import utcnow
from core.coupons.models import Coupon
from core.customers.models import ChannelIdentity
from core.jobs.models import Job
from core.jobs.schemas import ChunkOutcome
from core.jobs.service import create_job, job_view
from core.merchants.models import Merchant

BROADCAST_JOB_KIND = "broadcast"
MAX_RECIPIENTS = 100_000


async def recipients(
    session: AsyncSession, merchant_id: uuid.UUID, data: BroadcastCreate
) -> list[uuid.UUID]:
    """The chat identities to write to: one per customer, reachable, in the segment."""
    segment = data.segment
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
    chats = await recipients(session, merchant_id, data)
    return await create_job(
        session,
        merchant_id,
        kind=BROADCAST_JOB_KIND,
        params={
            "message": data.model_dump(mode="json", exclude={"segment"}),
            "recipients": [str(identity) for identity in chats],
        },
        total=len(chats),
        counters={"queued": 0},
    )


async def broadcast_chunk(session: AsyncSession, job: Job, start: int, end: int) -> ChunkOutcome:
    merchant = await session.get(Merchant, job.merchant_id)
    message = BroadcastCreate.model_validate(job.params["message"])
    ids = [uuid.UUID(value) for value in job.params["recipients"][start:end]]
    rows = await session.execute(
        select(ChannelIdentity, ChannelAccount)
        .join(ChannelAccount, ChannelAccount.id == ChannelIdentity.account_id)
        .where(ChannelIdentity.id.in_(ids))
    )
    queued = 0
    for identity, account in rows:
        t = Translator(pick_language(identity.locale, None), merchant.timezone)
        link = Link(title=message.link.title, url=message.link.url) if message.link else None
        reply = Reply(
            text=message.text,
            image_url=message.image_url,
            link=link,
            options=(Option(id="m", title=t("button.menu")),),
        )
        queued += await queue_messages(
            session,
            account,
            identity.address,
            [reply.model_dump(mode="json")],
            purpose="broadcast",
            customer_id=identity.customer_id,
            dedupe_key=f"broadcast:{job.id}:{identity.customer_id}",
        )
    return ChunkOutcome(counts={"queued": queued})


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
