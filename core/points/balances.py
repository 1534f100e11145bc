"""Reading points: the balance (live lots only, so points stop counting the moment they expire),
what expires soon, and the ledger page by page."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.customers.service import get_customer
from core.pagination import Page, decode_cursor, encode_cursor
from core.points.models import PointsEntry, PointsLot
from core.points.schemas import EntryOut, MovementOut, PointsOut

EXPIRING_SOON = timedelta(days=30)


def live_lot(now: datetime):
    return and_(
        PointsLot.remaining > 0,
        or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > now),
    )


async def _lots_sum(session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID, *where):
    query = select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
        PointsLot.merchant_id == merchant_id, PointsLot.customer_id == customer_id, *where
    )
    return (await session.execute(query)).scalar_one()


async def points_balance(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """Points the customer can spend now: expired lots never count, swept or not."""
    return await _lots_sum(session, merchant_id, customer_id, live_lot(utcnow()))


async def expiring_soon(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    now = utcnow()
    return await _lots_sum(
        session,
        merchant_id,
        customer_id,
        live_lot(now),
        PointsLot.expires_at <= now + EXPIRING_SOON,
    )


async def ledger_page(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PointsEntry]:
    """The account's entries newest first, by the same (created_at, id) cursor as elsewhere."""
    query = select(PointsEntry).where(
        PointsEntry.merchant_id == merchant_id, PointsEntry.customer_id == customer_id
    )
    if cursor:
        created_at, entry_id = decode_cursor(cursor)
        query = query.where(
            or_(
                PointsEntry.created_at < created_at,
                and_(PointsEntry.created_at == created_at, PointsEntry.id < entry_id),
            )
        )
    query = query.order_by(PointsEntry.created_at.desc(), PointsEntry.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None)


async def points_view(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    external_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> PointsOut:
    """What a customer sees: the balance, what of it expires soon, and a page of the ledger."""
    customer = await get_customer(session, merchant_id, external_id)
    page = await ledger_page(session, merchant_id, customer.id, limit=limit, cursor=cursor)
    return PointsOut(
        balance=await points_balance(session, merchant_id, customer.id),
        expiring_soon=await expiring_soon(session, merchant_id, customer.id),
        entries=[EntryOut.model_validate(entry) for entry in page.items],
        next_cursor=page.next_cursor,
    )


async def movement_view(session: AsyncSession, entry: PointsEntry) -> MovementOut:
    balance = await points_balance(session, entry.merchant_id, entry.customer_id)
    return MovementOut(entry=EntryOut.model_validate(entry), balance=balance)


async def expiring_by_customer(
    session: AsyncSession, merchant_id: uuid.UUID, *, now: datetime, before: datetime
) -> list[tuple[uuid.UUID, int, datetime]]:
    """Each customer's points that expire before `before`: (customer, points, first expiry)."""
    rows = await session.execute(
        select(PointsLot.customer_id, func.sum(PointsLot.remaining), func.min(PointsLot.expires_at))
        .where(
            PointsLot.merchant_id == merchant_id,
            PointsLot.remaining > 0,
            PointsLot.expires_at > now,
            PointsLot.expires_at < before,
        )
        .group_by(PointsLot.customer_id)
    )
    return [(customer_id, points, first) for customer_id, points, first in rows]
