"""The one stock mechanism: conditional writes that can never oversell, on any database.

Stock (`take_stock`): a decrement guarded by `remaining >= quantity` in the same UPDATE, so two
concurrent takers of the last unit cannot both succeed — the database's row lock decides. A hot
owner can be created with several shards; a take starts at a random shard and moves on when one
is empty, so callers never know how many rows there are.

Quota (`take_quota`): a per-holder counter (a customer's claims of a template, tries per day)
raised by an upsert guarded by `used + quantity <= limit`, equally race-free.

Both run inside the caller's transaction: if anything later fails, the rollback gives the units
back. `return_stock` and `return_quota` undo a take that was committed (a refund).

An owner a take found empty is remembered as sold out (`sold_out`), and units coming back (a
return, a top-up, a rolled-back take) clear that once their transaction ends.
"""

import random
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from core.db import upsert_insert
from core.stock import sold_out
from core.stock.models import MAX_AUTO_SHARDS, SHARD_ABOVE, QuotaUsage, StockBucket, StockOwner

# The owners a transaction took units of, and those it gave units back to (session.info keys).
_TAKEN = "confetti_stock_taken"
_RETURNED = "confetti_stock_returned"


def _remember(session: AsyncSession, which: str, owner: StockOwner) -> None:
    session.info.setdefault(which, set()).add(sold_out.key_of(owner))


def record_take(session: AsyncSession, owner: StockOwner) -> None:
    """A statement of its own (the one-statement claim) took units of `owner`: a rollback then
    announces them back, as for `take_stock`."""
    _remember(session, _TAKEN, owner)


@sa_event.listens_for(Session, "after_commit")
def _announce_returned_units(session: Session) -> None:
    session.info.pop(_TAKEN, None)
    returned = session.info.pop(_RETURNED, None)
    if returned:
        sold_out.marks_of(session).units_returned(sorted(returned))


@sa_event.listens_for(Session, "after_soft_rollback")
def _announce_untaken_units(session: Session, previous: SessionTransaction) -> None:
    """What a rolled-back take held is back. A savepoint's rollback may give back only some of
    the session's takes; announcing them all costs another process one round trip at most."""
    if previous.nested:
        taken = session.info.get(_TAKEN)
    else:
        taken = session.info.pop(_TAKEN, None)
        session.info.pop(_RETURNED, None)
    if taken:
        sold_out.marks_of(session).units_returned(sorted(taken))


def shards_for(quantity: int, *, above: int = SHARD_ABOVE) -> int:
    """How many rows a new stock of `quantity` units is spread over (see `SHARD_ABOVE`)."""
    if quantity <= above:
        return 1
    return min(MAX_AUTO_SHARDS, -(-quantity // above))


async def create_stock(
    session: AsyncSession, owner: StockOwner, *, merchant_id: uuid.UUID, quantity: int
) -> None:
    """Give `owner` `quantity` units, spread evenly over its shard rows."""
    shards = owner.shards
    base, extra = divmod(quantity, shards)
    _remember(session, _RETURNED, owner)
    session.add_all(
        StockBucket(
            owner_kind=owner.kind,
            owner_id=owner.id,
            shard=shard,
            merchant_id=merchant_id,
            remaining=base + (1 if shard < extra else 0),
        )
        for shard in range(shards)
    )
    await session.flush()


def _bucket(owner: StockOwner, shard: int):
    return (
        StockBucket.owner_kind == owner.kind,
        StockBucket.owner_id == owner.id,
        StockBucket.shard == shard,
    )


async def take_stock(session: AsyncSession, owner: StockOwner, quantity: int = 1) -> bool:
    """Take `quantity` units from one shard; False when no shard has that many left (known
    from memory, without a round trip, while the owner is marked sold out)."""
    marks = sold_out.marks_of(session)
    if marks.is_sold_out(owner, quantity):
        return False
    seen_at = marks.generation()
    start = random.randrange(owner.shards)
    for offset in range(owner.shards):
        if await _take_exact(session, owner, (start + offset) % owner.shards, quantity):
            return True
    marks.mark(owner, quantity, seen_at=seen_at)
    return False


async def return_stock(session: AsyncSession, owner: StockOwner, quantity: int = 1) -> None:
    _remember(session, _RETURNED, owner)
    await session.execute(
        update(StockBucket)
        .where(*_bucket(owner, 0))
        .values(remaining=StockBucket.remaining + quantity)
    )


async def adjust_stock(session: AsyncSession, owner: StockOwner, delta: int) -> bool:
    """Add (or with a negative delta, remove) units. False if fewer than -delta remain; the
    caller must then roll back, as some shards may already have been taken from."""
    if delta >= 0:
        await return_stock(session, owner, delta)
        return True
    needed = -delta
    for shard in range(owner.shards):
        row = await session.execute(
            select(StockBucket.remaining).where(*_bucket(owner, shard)).with_for_update()
        )
        available = row.scalar_one()
        taken = min(available, needed)
        if taken and not await _take_exact(session, owner, shard, taken):
            return False
        needed -= taken
    return needed == 0


async def _take_exact(session: AsyncSession, owner: StockOwner, shard: int, quantity: int) -> bool:
    result = await session.execute(
        update(StockBucket)
        .where(*_bucket(owner, shard), StockBucket.remaining >= quantity)
        .values(remaining=StockBucket.remaining - quantity)
    )
    if result.rowcount != 1:
        return False
    _remember(session, _TAKEN, owner)
    return True


async def remaining_stocks(
    session: AsyncSession, kind: str, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """What is left of each of several owners of one kind, in one query (no rows: absent)."""
    rows = await session.execute(
        select(StockBucket.owner_id, func.sum(StockBucket.remaining))
        .where(StockBucket.owner_kind == kind, StockBucket.owner_id.in_(owner_ids))
        .group_by(StockBucket.owner_id)
    )
    return {owner_id: int(left) for owner_id, left in rows.all()}


async def remaining_stock(session: AsyncSession, owner: StockOwner) -> int:
    query = select(func.coalesce(func.sum(StockBucket.remaining), 0)).where(
        StockBucket.owner_kind == owner.kind, StockBucket.owner_id == owner.id
    )
    return (await session.execute(query)).scalar_one()


async def take_quota(
    session: AsyncSession,
    owner: StockOwner,
    holder_id: uuid.UUID,
    *,
    merchant_id: uuid.UUID,
    limit: int,
    period: str = "",
    quantity: int = 1,
) -> int | None:
    """Count `quantity` more uses by `holder_id`: how many are counted now, or None if that
    would pass `limit` (the same statement answers both, so a caller need not read it back)."""
    if quantity > limit:
        return None
    insert = upsert_insert(session)
    statement = insert(QuotaUsage).values(
        owner_kind=owner.kind,
        owner_id=owner.id,
        holder_id=holder_id,
        period=period,
        merchant_id=merchant_id,
        used=quantity,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["owner_kind", "owner_id", "holder_id", "period"],
        set_={"used": QuotaUsage.used + quantity},
        where=QuotaUsage.used + quantity <= limit,
    )
    result = await session.execute(statement.returning(QuotaUsage.used))
    return result.scalar_one_or_none()


async def quota_used(
    session: AsyncSession, owner: StockOwner, holder_id: uuid.UUID, *, period: str = ""
) -> int:
    query = select(QuotaUsage.used).where(
        QuotaUsage.owner_kind == owner.kind,
        QuotaUsage.owner_id == owner.id,
        QuotaUsage.holder_id == holder_id,
        QuotaUsage.period == period,
    )
    return (await session.execute(query)).scalar_one_or_none() or 0


async def delete_stock(session: AsyncSession, owner: StockOwner) -> None:
    """Make the owner unlimited: it has no stock rows at all."""
    _remember(session, _RETURNED, owner)
    await session.execute(
        delete(StockBucket).where(
            StockBucket.owner_kind == owner.kind, StockBucket.owner_id == owner.id
        )
    )


async def return_quota(
    session: AsyncSession, owner: StockOwner, holder_id: uuid.UUID, *, period: str = ""
) -> None:
    """Give one use back (a try that came to nothing through no fault of the holder)."""
    await session.execute(
        update(QuotaUsage)
        .where(
            QuotaUsage.owner_kind == owner.kind,
            QuotaUsage.owner_id == owner.id,
            QuotaUsage.holder_id == holder_id,
            QuotaUsage.period == period,
            QuotaUsage.used > 0,
        )
        .values(used=QuotaUsage.used - 1)
    )
