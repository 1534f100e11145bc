"""Activities: creating, checking, publishing, changing and reading them. A try at one is in
`flows`; its prize table in `prizes`."""

import secrets
import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.checks import problems_of
from core.activities.envelopes import split_pot
from core.activities.errors import (
    ActivityInvalid,
    ActivityNotFound,
    InvalidStatusChange,
)
from core.activities.fairness import new_server_seed, seed_hash
from core.activities.models import DRAW_KINDS, Activity, EnvelopeShare
from core.activities.prizes import add_prizes, prizes_of, save_table
from core.activities.schemas import ActivityCreate
from core.clock import utcnow
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponTemplateCreate
from core.coupons.templates import create_template
from core.db import get_owned
from core.errors import ValidationFailed
from core.events.service import record_event
from core.merchants.models import Merchant
from core.pagination import Page, paginate
from core.stock import service as stock


async def create_activity(
    session: AsyncSession, merchant: Merchant, data: ActivityCreate
) -> Activity:
    if data.ends_at <= data.starts_at:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    seed = new_server_seed()
    activity = Activity(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        kind=data.kind,
        name=data.name,
        description=data.description,
        cover_image_url=data.cover_image_url,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        slug=secrets.token_urlsafe(9),
        rules=data.rules.model_dump(mode="json"),
        settings={
            "marquee": data.marquee.model_dump() if data.marquee else None,
            "envelope": data.envelope.model_dump() if data.envelope else None,
            "templates": [str(t) for t in data.templates],
        },
        budget=data.budget,
        server_seed=seed,
        server_seed_hash=seed_hash(seed),
        created_at=utcnow(),
    )
    session.add(activity)
    add_prizes(session, activity, data.prizes)
    await session.flush()
    return activity


async def get_activity(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, *, lock: bool = False
) -> Activity:
    return await get_owned(
        session, Activity, merchant_id, activity_id, ActivityNotFound(), lock=lock
    )


async def activity_by_slug(session: AsyncSession, slug: str) -> Activity:
    activity = (
        await session.execute(select(Activity).where(Activity.slug == slug))
    ).scalar_one_or_none()
    if activity is None:
        raise ActivityNotFound()
    return activity


async def live_activities(
    session: AsyncSession, merchant_id: uuid.UUID, *, now: datetime, limit: int
) -> list[Activity]:
    """What customers can play now, the soonest to end first."""
    rows = await session.execute(
        select(Activity)
        .where(
            Activity.merchant_id == merchant_id,
            Activity.status.in_(("live", "scheduled")),
            Activity.starts_at <= now,
            Activity.ends_at > now,
        )
        .order_by(Activity.ends_at)
        .limit(limit)
    )
    return list(rows.scalars())


async def live_draws(session: AsyncSession, now: datetime) -> list[tuple[Activity, str]]:
    """Every merchant's draws live now, each with its merchant's timezone."""
    rows = await session.execute(
        select(Activity, Merchant.timezone)
        .join(Merchant, Merchant.id == Activity.merchant_id)
        .where(
            Activity.kind.in_(DRAW_KINDS),
            Activity.status.in_(("live", "scheduled")),
            Activity.starts_at <= now,
            Activity.ends_at > now,
        )
    )
    return [(activity, timezone) for activity, timezone in rows]


async def find_activity(session: AsyncSession, activity_id: uuid.UUID) -> Activity | None:
    """Any merchant's activity: for operators (the CLI) and workers that hold its id."""
    return await session.get(Activity, activity_id)


async def activities_by_name(session: AsyncSession, merchant_id: uuid.UUID) -> list[Activity]:
    rows = await session.execute(
        select(Activity).where(Activity.merchant_id == merchant_id).order_by(Activity.name)
    )
    return list(rows.scalars())


async def list_activities(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Activity]:
    query = select(Activity).where(Activity.merchant_id == merchant_id)
    return await paginate(session, query, Activity, limit=limit, cursor=cursor)


def effective_status(activity: Activity, now: datetime) -> str:
    """The status as the window makes it: start and end happen on time, whether or not a
    scheduled job has run."""
    if activity.status in ("scheduled", "live", "paused") and now >= activity.ends_at:
        return "ended"
    if activity.status == "scheduled" and now >= activity.starts_at:
        return "live"
    return activity.status


async def publish(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID
) -> Activity:
    """Check everything, then set up stock, the first prize table and the envelope shares."""
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    if activity.status != "draft":
        raise InvalidStatusChange(f"Only a draft can be published; this one is {activity.status}.")
    prizes = await prizes_of(session, activity.id)
    problems = await problems_of(session, activity, prizes)
    if problems:
        raise ActivityInvalid(problems)
    for prize in prizes:
        if prize.stock is not None:
            await stock.create_stock(
                session, prize.stock_owner, merchant_id=merchant_id, quantity=prize.stock
            )
    if activity.budget is not None:
        await stock.create_stock(
            session, activity.budget_owner, merchant_id=merchant_id, quantity=activity.budget
        )
    if activity.kind in DRAW_KINDS:
        await save_table(session, activity, 1, prizes)
    if activity.kind == "red_envelope":
        await _split_envelope(session, activity)
    now = utcnow()
    activity.status = "live" if activity.starts_at <= now else "scheduled"
    activity.published_at = now
    await session.flush()
    if activity.status == "live":
        await record_status_event(session, activity.merchant_id, activity.id, "started")
    return activity


async def record_status_event(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, happened: str
) -> None:
    await record_event(
        session,
        merchant_id=merchant_id,
        type=f"activity.{happened}",
        payload={"activity_id": str(activity_id)},
    )


async def catch_up_statuses(session: AsyncSession) -> int:
    """Store what the clock has done: scheduled activities whose start has come are live, and
    those whose end has come are ended, each with its event (activity.started, activity.ended).
    effective_status already behaves so; this records it once, whoever runs it and how often."""
    now = utcnow()
    moves = (
        (
            "started",
            (Activity.status == "scheduled")
            & (Activity.starts_at <= now)
            & (Activity.ends_at > now),
            {"status": "live"},
        ),
        (
            "ended",
            Activity.status.in_(("scheduled", "live", "paused")) & (Activity.ends_at <= now),
            {"status": "ended", "ended_at": Activity.ends_at},
        ),
    )
    moved = 0
    for happened, due, values in moves:
        rows = await session.execute(
            update(Activity)
            .where(due)
            .values(**values, updated_at=now)
            .returning(Activity.merchant_id, Activity.id)
            .execution_options(synchronize_session=False)
        )
        for merchant_id, activity_id in rows.all():
            await record_status_event(session, merchant_id, activity_id, happened)
            moved += 1
    return moved


async def _split_envelope(session: AsyncSession, activity: Activity) -> None:
    envelope = activity.settings["envelope"]
    if envelope["pot_type"] == "money":
        template = await _envelope_coupon_template(session, activity)
        activity.settings = {
            **activity.settings,
            "envelope": {**envelope, "template_id": str(template.id)},
        }
    amounts = split_pot(envelope["pot"], envelope["shares"], envelope["min_share"])
    session.add_all(
        EnvelopeShare(activity_id=activity.id, position=n, amount=amount)
        for n, amount in enumerate(amounts)
    )
    await stock.create_stock(
        session, activity.envelope_owner, merchant_id=activity.merchant_id, quantity=len(amounts)
    )
    await session.flush()


async def _envelope_coupon_template(session: AsyncSession, activity: Activity) -> CouponTemplate:
    """The fixed-coupon template money shares are paid out in; each coupon carries its share."""
    merchant = await session.get(Merchant, activity.merchant_id)
    terms = CouponTemplateCreate(
        name=f"Red envelope: {activity.name}"[:200],
        kind="fixed",
        amount_off=max(activity.settings["envelope"]["min_share"], 1),
        valid_days=30,
    )
    return await create_template(session, merchant, terms)


_TRANSITIONS = {
    "pause": ({"live"}, "paused"),
    "resume": ({"paused"}, "live"),
    "end": ({"scheduled", "live", "paused"}, "ended"),
}


async def change_status(
    session: AsyncSession, merchant_id: uuid.UUID, activity_id: uuid.UUID, action: str
) -> Activity:
    activity = await get_activity(session, merchant_id, activity_id, lock=True)
    now = utcnow()
    current = effective_status(activity, now)
    allowed, target = _TRANSITIONS[action]
    if current not in allowed:
        raise InvalidStatusChange(f"Cannot {action} an activity that is {current}.")
    # Started by the clock, but not yet recorded by catch_up_statuses: record it now, which
    # the stored status is about to stop showing.
    started_unrecorded = activity.status == "scheduled" and current == "live"
    activity.status = target
    activity.updated_at = now
    if target == "ended":
        activity.ended_at = now
    await session.flush()
    if started_unrecorded:
        await record_status_event(session, merchant_id, activity.id, "started")
    if target == "ended":
        await record_status_event(session, merchant_id, activity.id, "ended")
    return activity


async def record_view(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID | None, channel: str
) -> None:
    """Someone saw the activity (a share page, a chat message, the shop's own app)."""
    await record_event(
        session,
        merchant_id=activity.merchant_id,
        type="activity.viewed",
        payload={
            "activity_id": str(activity.id),
            "customer_id": str(customer_id) if customer_id else None,
            "channel": channel,
        },
    )
