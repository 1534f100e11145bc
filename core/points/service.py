"""Points: the ledger, its lots, and every way a balance moves. Reading them is in `balances`,
the merchant's expiry policy in `policy`.

Each change appends one entry to the ledger and moves lots in step, so the ledger's sum always
equals the lots' remaining points. A credit creates a lot that expires by the merchant's policy;
a debit takes from live lots, oldest-expiring first (lots that never expire last). The balance
counts live lots only, so points stop counting the moment they expire; `expire_points` later
writes the `expire` entries that bring the ledger in line.

Changes to one account are serialized: on PostgreSQL by locking the account row, on SQLite by
the write lock every write transaction takes up front (core/db.py).
"""

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import upsert_insert
from core.errors import ValidationFailed
from core.events.service import record_event
from core.merchants.models import Merchant
from core.points.balances import live_lot
from core.points.errors import InsufficientPoints
from core.points.models import PointsAccount, PointsEntry, PointsLot
from core.points.policy import expiry_of, get_settings

EVENT_TYPES = {
    "earn": "points.earned",
    "spend": "points.spent",
    "expire": "points.expired",
    "adjust": "points.adjusted",
    "reverse": "points.reversed",
}


async def lock_account(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """Open the customer's account if need be, and hold its lock until the transaction ends."""
    locked = select(PointsAccount.customer_id).where(
        PointsAccount.customer_id == customer_id, PointsAccount.merchant_id == merchant_id
    )
    if (await session.execute(locked.with_for_update())).first() is not None:
        return
    await session.execute(
        upsert_insert(session)(PointsAccount)
        .values(customer_id=customer_id, merchant_id=merchant_id, created_at=utcnow())
        .on_conflict_do_nothing()
    )
    await session.execute(locked.with_for_update())


async def find_entry(
    session: AsyncSession, merchant_id: uuid.UUID, source_ref: str
) -> PointsEntry | None:
    query = select(PointsEntry).where(
        PointsEntry.merchant_id == merchant_id, PointsEntry.source_ref == source_ref
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _append(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    kind: str,
    points: int,
    reason: str,
    now: datetime,
    source_ref: str | None = None,
    lot_id: uuid.UUID | None = None,
) -> PointsEntry:
    reason = reason[:200]  # reasons built from names may run long; the ledger keeps the start
    entry = PointsEntry(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind=kind,
        points=points,
        reason=reason,
        source_ref=source_ref,
        lot_id=lot_id,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    await record_event(
        session,
        merchant_id=merchant_id,
        type=EVENT_TYPES[kind],
        payload={
            "entry_id": str(entry.id),
            "customer_id": str(customer_id),
            "points": points,
            "reason": reason,
            "source_ref": source_ref,
        },
    )
    return entry


async def _credit(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    kind: str,
    points: int,
    reason: str,
    source_ref: str | None = None,
) -> PointsEntry:
    """A new lot of `points`, expiring by the merchant's policy, and its entry."""
    now = utcnow()
    merchant = await session.get(Merchant, merchant_id)
    policy = await get_settings(session, merchant_id)
    lot = PointsLot(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        customer_id=customer_id,
        points=points,
        remaining=points,
        expires_at=expiry_of(policy, now, merchant.timezone),
        created_at=now,
    )
    session.add(lot)
    await session.flush()  # before its entry, which refers to it
    return await _append(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind=kind,
        points=points,
        reason=reason,
        now=now,
        source_ref=source_ref,
        lot_id=lot.id,
    )


async def _debit(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    kind: str,
    points: int,
    reason: str,
) -> PointsEntry:
    """Take `points` from live lots, oldest-expiring first; refused if the balance is short."""
    now = utcnow()
    lots = await _live_lots(session, customer_id, now)
    balance = sum(lot.remaining for lot in lots)
    if balance < points:
        raise InsufficientPoints(balance, points)
    left = points
    for lot in lots:
        taken = min(lot.remaining, left)
        lot.remaining -= taken
        left -= taken
        if left == 0:
            break
    return await _append(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind=kind,
        points=-points,
        reason=reason,
        now=now,
    )


async def _live_lots(
    session: AsyncSession, customer_id: uuid.UUID, now: datetime
) -> list[PointsLot]:
    """The account's live lots in spending order, locked (the expiry job skips locked lots)."""
    query = (
        select(PointsLot)
        .where(PointsLot.customer_id == customer_id, live_lot(now))
        .order_by(PointsLot.expires_at.asc().nulls_last(), PointsLot.created_at, PointsLot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(query)).scalars())


def _require_positive(points: int) -> None:
    if points < 1:
        raise ValidationFailed("points: must be at least 1", field="points")


async def earn_points(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
    source_ref: str | None = None,
) -> PointsEntry:
    """Credit `points`. With a `source_ref`, once: a repeat returns the first entry."""
    entry, _ = await earn_once(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        points=points,
        reason=reason,
        source_ref=source_ref,
    )
    return entry


async def earn_once(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
    source_ref: str | None,
) -> tuple[PointsEntry, bool]:
    """`earn_points`, also telling whether this call credited (True) or found the entry."""
    _require_positive(points)
    await lock_account(session, merchant_id, customer_id)
    credit = {"merchant_id": merchant_id, "customer_id": customer_id, "points": points}
    if source_ref is None:
        return await _credit(session, kind="earn", reason=reason, **credit), True
    existing = await find_entry(session, merchant_id, source_ref)
    if existing is not None:
        return existing, False
    try:
        async with session.begin_nested():
            entry = await _credit(
                session, kind="earn", reason=reason, source_ref=source_ref, **credit
            )
    except IntegrityError:  # the same source_ref credited to another account at the same time
        return await find_entry(session, merchant_id, source_ref), False
    return entry, True


async def spend_points(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
) -> PointsEntry:
    """Spend `points`, oldest-expiring first; InsufficientPoints if the balance is short."""
    _require_positive(points)
    await lock_account(session, merchant_id, customer_id)
    return await _debit(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind="spend",
        points=points,
        reason=reason,
    )


async def adjust_points(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
) -> PointsEntry:
    """The merchant's correction: + credits a new lot, - debits like a spend (never below 0)."""
    await lock_account(session, merchant_id, customer_id)
    move = _credit if points > 0 else _debit
    return await move(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind="adjust",
        points=abs(points),
        reason=reason,
    )


async def reverse_earning(
    session: AsyncSession,
    *,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    earning: PointsEntry | None,
    reason: str,
    source_ref: str,
) -> PointsEntry:
    """Take back what is left of one earning's lot; spent or expired points stay so.

    The entry is written even when nothing is left (or nothing was earned), so the reversal
    is recorded once and a late report of the earning can see it.
    """
    await lock_account(session, merchant_id, customer_id)
    now = utcnow()
    lot = None
    if earning is not None and earning.lot_id is not None:
        lot = await session.get(
            PointsLot, earning.lot_id, with_for_update=True, populate_existing=True
        )
    points = lot.remaining if lot is not None and lot.is_live(now) else 0
    if lot is not None:
        lot.remaining -= points
    return await _append(
        session,
        merchant_id=merchant_id,
        customer_id=customer_id,
        kind="reverse",
        points=-points,
        reason=reason,
        now=now,
        source_ref=source_ref,
        lot_id=lot.id if lot is not None else None,
    )


async def expire_points(session: AsyncSession, *, batch_size: int = 500) -> int:
    """Write `expire` entries for what is left of one batch of expired lots; how many lots.

    Balances never wait for this (they count live lots only); it keeps the ledger equal to the
    lots and tells the workers. Several workers may run it at once: lots are claimed with SKIP
    LOCKED, and a spend holding a lot's lock simply leaves it to the next run.
    """
    now = utcnow()
    query = (
        select(PointsLot)
        .where(PointsLot.remaining > 0, PointsLot.expires_at <= now)
        .order_by(PointsLot.expires_at)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    lots = list((await session.execute(query)).scalars())
    for lot in lots:
        points, lot.remaining = lot.remaining, 0
        await _append(
            session,
            merchant_id=lot.merchant_id,
            customer_id=lot.customer_id,
            kind="expire",
            points=-points,
            reason="points expired",
            now=now,
            lot_id=lot.id,
        )
    await session.flush()
    return len(lots)
