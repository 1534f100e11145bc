"""Red envelopes: opening one, alone or together with friends.

A share is taken from the pre-split pot with the stock mechanism and held for its opener. Alone,
it is paid at once. In a group, shares are held until the starter and `group_friends` friends
have all opened, then everyone is paid in that last opener's transaction; if the deadline passes
first, the expiry job gives the shares and the tries back, and nobody is paid.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.errors import AlreadyInGroup, GroupClosed, GroupNotFound
from core.activities.models import Activity, EnvelopeGroup, EnvelopeShare
from core.activities.schemas import GroupOut
from core.clock import utcnow
from core.coupons.errors import OutOfStock
from core.coupons.service import coupon_view, grant_coupon
from core.coupons.templates import get_template
from core.customers.models import Customer
from core.events.service import record_event
from core.points.service import earn_points
from core.rewards.schemas import GrantedReward
from core.stock import service as stock


async def take_share(
    session: AsyncSession, activity: Activity, customer: Customer, group_id: uuid.UUID | None
) -> EnvelopeShare:
    if not await stock.take_stock(session, activity.envelope_owner):
        raise OutOfStock("Every envelope has been opened.", variant="envelopes")
    share = (
        await session.execute(
            select(EnvelopeShare)
            .where(EnvelopeShare.activity_id == activity.id, EnvelopeShare.opened_by.is_(None))
            .order_by(EnvelopeShare.position)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one()
    share.opened_by = customer.id
    share.group_id = group_id
    await session.flush()
    return share


async def pay_share(
    session: AsyncSession,
    activity: Activity,
    customer: Customer,
    share: EnvelopeShare,
    *,
    announce: bool = False,
) -> GrantedReward:
    """Pay one share: points, or a fixed coupon worth the share for a money pot. `announce`:
    the customer is not the one opening now (their group just filled), so tell them."""
    share.opened_at = utcnow()
    envelope = activity.settings["envelope"]
    await record_event(
        session,
        merchant_id=activity.merchant_id,
        type="envelope.opened",
        payload={
            "activity_id": str(activity.id),
            "customer_id": str(customer.id),
            "share": share.amount,
            "pot_type": envelope["pot_type"],
            "group_id": str(share.group_id) if share.group_id else None,
            "announce": announce,
        },
    )
    if envelope["pot_type"] == "money":
        template = await get_template(
            session, activity.merchant_id, uuid.UUID(envelope["template_id"])
        )
        coupon = await grant_coupon(
            session, template, customer, source="activity", amount_off=share.amount
        )
        view = coupon_view(coupon, template, customer.external_id, utcnow())
        return GrantedReward(type="coupon", coupon=view)
    await earn_points(
        session,
        merchant_id=activity.merchant_id,
        customer_id=customer.id,
        points=share.amount,
        reason=f"activity:{activity.id}",
    )
    return GrantedReward(type="points", points=share.amount)


async def open_together(
    session: AsyncSession, activity: Activity, customer: Customer, group_id: uuid.UUID | None
) -> tuple[GrantedReward, EnvelopeShare | None, GroupOut]:
    """Start a group (no id) or join one; returns this customer's reward (none until the group
    pays out), their share once paid, and the group."""
    group = (
        await _start_group(session, activity, customer)
        if group_id is None
        else (await _joinable_group(session, activity, group_id, customer))
    )
    share = await take_share(session, activity, customer, group.id)
    members = list(
        (
            await session.execute(select(EnvelopeShare).where(EnvelopeShare.group_id == group.id))
        ).scalars()
    )
    reward, paid_share = GrantedReward(type="none"), None
    if len(members) >= group.needed:
        group.status = "paid"
        for member_share in members:
            member = await session.get(Customer, member_share.opened_by)
            granted = await pay_share(
                session, activity, member, member_share, announce=member_share is not share
            )
            if member_share is share:
                reward, paid_share = granted, share
    await session.flush()
    return reward, paid_share, await group_view(session, group)


async def _start_group(
    session: AsyncSession, activity: Activity, customer: Customer
) -> EnvelopeGroup:
    envelope = activity.settings["envelope"]
    now = utcnow()
    group = EnvelopeGroup(
        id=uuid.uuid4(),
        activity_id=activity.id,
        starter_id=customer.id,
        needed=envelope["group_friends"] + 1,
        deadline=now + timedelta(hours=envelope["group_hours"]),
        status="open",
        created_at=now,
    )
    session.add(group)
    await session.flush()
    return group


async def _joinable_group(
    session: AsyncSession, activity: Activity, group_id: uuid.UUID, customer: Customer
) -> EnvelopeGroup:
    # Locked: joins of one group queue up, so exactly one of them completes it.
    group = (
        await session.execute(
            select(EnvelopeGroup)
            .where(EnvelopeGroup.id == group_id, EnvelopeGroup.activity_id == activity.id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if group is None:
        raise GroupNotFound(field="group")
    if group.status != "open" or utcnow() >= group.deadline:
        raise GroupClosed(field="group")
    member = await session.scalar(
        select(EnvelopeShare.position).where(
            EnvelopeShare.group_id == group.id, EnvelopeShare.opened_by == customer.id
        )
    )
    if member is not None:
        raise AlreadyInGroup(field="group")
    return group


async def group_activity(
    session: AsyncSession, merchant_id: uuid.UUID, group_id: uuid.UUID
) -> Activity:
    """The activity a group envelope belongs to, if it is this merchant's."""
    activity = await session.scalar(
        select(Activity)
        .join(EnvelopeGroup, EnvelopeGroup.activity_id == Activity.id)
        .where(EnvelopeGroup.id == group_id, Activity.merchant_id == merchant_id)
    )
    if activity is None:
        raise GroupNotFound(field="group")
    return activity


async def group_view(session: AsyncSession, group: EnvelopeGroup) -> GroupOut:
    members = (
        await session.execute(
            select(EnvelopeShare.position).where(EnvelopeShare.group_id == group.id)
        )
    ).all()
    status = "expired" if group.status == "open" and utcnow() >= group.deadline else group.status
    return GroupOut(
        id=group.id,
        status=status,
        members=len(members),
        needed=group.needed,
        deadline=group.deadline,
    )


async def expire_groups(session: AsyncSession, *, batch_size: int = 100) -> int:
    """Close groups past their deadline: shares back to the pot, tries back to the members."""
    due = (
        (
            await session.execute(
                select(EnvelopeGroup)
                .where(EnvelopeGroup.status == "open", EnvelopeGroup.deadline <= utcnow())
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    for group in due:
        activity = await session.get(Activity, group.activity_id)
        shares = (
            (await session.execute(select(EnvelopeShare).where(EnvelopeShare.group_id == group.id)))
            .scalars()
            .all()
        )
        for share in shares:
            await stock.return_quota(session, activity.tries_owner, share.opened_by)
            share.opened_by = None
            share.group_id = None
        await stock.return_stock(session, activity.envelope_owner, len(shares))
        group.status = "expired"
        await record_event(
            session,
            merchant_id=activity.merchant_id,
            type="envelope.group_expired",
            payload={
                "activity_id": str(activity.id),
                "group_id": str(group.id),
                "members": len(shares),
            },
        )
    await session.flush()
    return len(due)


async def customer_group(
    session: AsyncSession, activity: Activity, customer_id: uuid.UUID
) -> GroupOut | None:
    """The group envelope this customer is in at this activity (one per customer), if any."""
    group = await session.scalar(
        select(EnvelopeGroup)
        .join(EnvelopeShare, EnvelopeShare.group_id == EnvelopeGroup.id)
        .where(EnvelopeShare.activity_id == activity.id, EnvelopeShare.opened_by == customer_id)
    )
    return await group_view(session, group) if group is not None else None
