"""Code batches: generating and importing codes, handing out partner codes, exporting them.
Redeeming a code (which grants a reward) is in `flows`."""

import uuid
from collections.abc import AsyncIterator, Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.code_alphabet import normalize_code
from core.codes import patterns
from core.codes.errors import (
    BatchNotFound,
    CodeExpired,
    CodeLimitReached,
    CodeNotRedeemable,
    CodeNotYetValid,
    CodeUsed,
    NoCodesLeft,
    WrongBatchKind,
)
from core.codes.imports import read_codes
from core.codes.models import Code, CodeBatch
from core.codes.schemas import CodeBatchCreate, CodeBatchOut
from core.coupons.templates import get_template
from core.customers.models import Customer
from core.db import Database, get_owned, upsert_insert
from core.errors import ValidationFailed
from core.events.service import record_event
from core.merchants.models import Merchant
from core.pagination import Page, paginate
from core.rewards.schemas import CouponReward, PointsReward
from core.stock import service as stock

DEFAULT_PATTERN = "#####-#####"
INSERT_CHUNK = 5_000
ProgressCallback = Callable[[int], None]


async def create_batch(
    session: AsyncSession, merchant: Merchant, data: CodeBatchCreate
) -> tuple[CodeBatch, list[str]]:
    """Create a batch (generating its codes now, if generated); returns it and any warnings."""
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise ValidationFailed("valid_until must be after valid_from", field="valid_until")
    warnings = (
        await _check_generated(session, merchant, data)
        if data.kind == "generated"
        else _check_imported(data)
    )
    batch = CodeBatch(
        id=uuid.uuid4(),
        merchant_id=merchant.id,
        name=data.name,
        kind=data.kind,
        pattern=(data.pattern or DEFAULT_PATTERN) if data.kind == "generated" else None,
        reward=data.reward.model_dump(mode="json") if data.reward else {"type": "code"},
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        per_customer_limit=data.per_customer_limit,
        created_at=utcnow(),
    )
    session.add(batch)
    await session.flush()
    if batch.kind == "generated":
        await _generate_codes(session, batch, data.count)
    else:
        await stock.create_stock(session, batch.stock_owner, merchant_id=merchant.id, quantity=0)
    return batch, warnings


async def _check_generated(
    session: AsyncSession, merchant: Merchant, data: CodeBatchCreate
) -> list[str]:
    if data.count is None:
        raise ValidationFailed("count is required for generated codes", field="count")
    if not isinstance(data.reward, CouponReward | PointsReward):
        raise ValidationFailed("a generated batch grants a coupon or points", field="reward")
    if isinstance(data.reward, CouponReward):
        template = await get_template(session, merchant.id, data.reward.template_id)
        if template.status != "active" or template.auto_apply:
            raise ValidationFailed(
                "the coupon template must be active and not a promotion", field="reward"
            )
    pattern = data.pattern or DEFAULT_PATTERN
    bits = patterns.entropy_bits(pattern)
    if patterns.slots(pattern) == 0:
        raise ValidationFailed("the pattern needs at least one '#'", field="pattern")
    if patterns.capacity(pattern) < data.count * patterns.HEADROOM:
        raise ValidationFailed(
            f"the pattern allows {patterns.capacity(pattern)} codes, too few for {data.count} "
            f"unique ones: add '#'",
            field="pattern",
        )
    if bits < patterns.MIN_BITS and not data.allow_low_entropy:
        raise ValidationFailed(
            f"the pattern has {bits:.1f} bits of randomness, under {patterns.MIN_BITS}: codes "
            "could be guessed. Add '#' or set allow_low_entropy",
            field="pattern",
        )
    if bits < patterns.MIN_BITS:
        return [f"low entropy: {bits:.1f} bits per code; codes are easier to guess"]
    return []


def _check_imported(data: CodeBatchCreate) -> list[str]:
    for field in ("count", "pattern", "reward"):
        if getattr(data, field) is not None:
            message = f"{field} is not used by an imported batch: the partner code is the reward"
            raise ValidationFailed(message, field=field)
    return []


STALLED_ROUNDS = 3


async def _generate_codes(session: AsyncSession, batch: CodeBatch, count: int) -> None:
    # A code may already exist in another batch of the merchant; top up until `count` are in,
    # unless the merchant's other batches leave too few free codes of this pattern.
    missing, stalled = count, 0
    while missing:
        added = await _insert_codes(session, batch, patterns.generate(batch.pattern, missing))
        missing -= added
        stalled = 0 if added else stalled + 1
        if stalled == STALLED_ROUNDS:
            raise ValidationFailed(
                "the pattern has too few free codes left for this merchant: add '#'",
                field="pattern",
            )


async def _insert_codes(
    session: AsyncSession,
    batch: CodeBatch,
    codes: dict[str, str],
    progress: ProgressCallback | None = None,
) -> int:
    """Insert in chunks, skipping codes the merchant already has; returns how many went in."""
    insert = upsert_insert(session)
    before = await _count_codes(session, batch.id)
    items = list(codes.items())
    for start in range(0, len(items), INSERT_CHUNK):
        chunk = items[start : start + INSERT_CHUNK]
        rows = [
            {
                "merchant_id": batch.merchant_id,
                "batch_id": batch.id,
                "code": code,
                "raw": raw,
                "status": "available",
            }
            for code, raw in chunk
        ]
        await session.execute(insert(Code).on_conflict_do_nothing(), rows)
        if progress:
            progress(len(chunk))
    return await _count_codes(session, batch.id) - before


async def _count_codes(
    session: AsyncSession, batch_id: uuid.UUID, status: str | None = None
) -> int:
    query = select(func.count()).select_from(Code).where(Code.batch_id == batch_id)
    if status:
        query = query.where(Code.status == status)
    return (await session.execute(query)).scalar_one()


async def import_codes(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    batch_id: uuid.UUID,
    data: bytes,
    progress: ProgressCallback | None = None,
) -> tuple[CodeBatch, int, int]:
    """Import a partner's CSV: every row good or nothing imported; codes already present are
    skipped, so importing a file again imports nothing twice. Returns (batch, new, present)."""
    # Locked: concurrent imports into one batch take turns, so each counts only its own rows.
    batch = await get_owned(
        session, CodeBatch, merchant_id, batch_id, BatchNotFound(field="batch_id"), lock=True
    )
    if batch.kind != "imported":
        raise WrongBatchKind("Codes can be imported only into an imported batch.")
    codes = read_codes(data)
    imported = await _insert_codes(session, batch, codes, progress)
    await stock.adjust_stock(session, batch.stock_owner, imported)
    return batch, imported, len(codes) - imported


async def get_batch(
    session: AsyncSession, merchant_id: uuid.UUID, batch_id: uuid.UUID
) -> CodeBatch:
    return await get_owned(
        session, CodeBatch, merchant_id, batch_id, BatchNotFound(field="batch_id")
    )


async def find_batch(session: AsyncSession, batch_id: uuid.UUID) -> CodeBatch | None:
    """Any merchant's batch: for operators (the CLI), who name it by id."""
    return await session.get(CodeBatch, batch_id)


async def list_batches(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[CodeBatch]:
    query = select(CodeBatch).where(CodeBatch.merchant_id == merchant_id)
    return await paginate(session, query, CodeBatch, limit=limit, cursor=cursor)


async def batch_view(
    session: AsyncSession, batch: CodeBatch, warnings: list[str] | None = None
) -> CodeBatchOut:
    reward = None if batch.kind == "imported" else batch.reward
    return CodeBatchOut(
        id=batch.id,
        name=batch.name,
        kind=batch.kind,
        pattern=batch.pattern,
        reward=reward,
        valid_from=batch.valid_from,
        valid_until=batch.valid_until,
        per_customer_limit=batch.per_customer_limit,
        total_codes=await _count_codes(session, batch.id),
        available_codes=await _count_codes(session, batch.id, "available"),
        created_at=batch.created_at,
        warnings=warnings or [],
    )


async def code_by_text(
    session: AsyncSession, merchant_id: uuid.UUID, typed: str
) -> tuple[Code, CodeBatch] | None:
    """The merchant's code as typed or scanned (any case, with or without its dashes) and its
    batch: what a cashier sees before redeeming it. Another merchant's code is none."""
    row = (
        await session.execute(
            select(Code, CodeBatch)
            .join(CodeBatch, CodeBatch.id == Code.batch_id)
            .where(Code.merchant_id == merchant_id, Code.code == normalize_code(typed))
        )
    ).one_or_none()
    return None if row is None else tuple(row)


def check_redeemable(code: Code, batch: CodeBatch) -> None:
    """Why this code cannot be redeemed now, raised: a partner's, already used, or outside its
    batch's dates."""
    if batch.kind != "generated":
        raise CodeNotRedeemable(field="code")
    if code.status != "available":
        raise CodeUsed(field="code")
    check_window(batch)


def check_window(batch: CodeBatch) -> None:
    now = utcnow()
    if batch.valid_from is not None and now < batch.valid_from:
        raise CodeNotYetValid()
    if batch.valid_until is not None and now >= batch.valid_until:
        raise CodeExpired()


async def take_customer_quota(session: AsyncSession, batch: CodeBatch, customer: Customer) -> None:
    limit = batch.per_customer_limit
    if limit is not None and not await stock.take_quota(
        session, batch.stock_owner, customer.id, merchant_id=batch.merchant_id, limit=limit
    ):
        raise CodeLimitReached(limit)


async def assign_code(
    session: AsyncSession, merchant_id: uuid.UUID, batch_id: uuid.UUID, customer: Customer
) -> str:
    """Hand one unused partner code to `customer`; exactly once per code under any concurrency.

    The batch's stock (one unit per unused code) decides who gets one; SKIP LOCKED then lets
    concurrent winners each take a different row without waiting on each other.
    """
    batch = await get_batch(session, merchant_id, batch_id)
    if batch.kind != "imported":
        raise WrongBatchKind("Only partner (imported) codes are handed out.")
    check_window(batch)
    await take_customer_quota(session, batch, customer)
    if not await stock.take_stock(session, batch.stock_owner):
        raise NoCodesLeft()
    code = (
        await session.execute(
            select(Code)
            .where(Code.batch_id == batch.id, Code.status == "available")
            .order_by(Code.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one()
    code.status = "assigned"
    code.customer_id = customer.id
    code.used_at = utcnow()
    await session.flush()
    await record_event(
        session,
        merchant_id=merchant_id,
        type="code.assigned",
        payload={"batch_id": str(batch.id), "code_id": code.id, "customer_id": str(customer.id)},
    )
    return code.raw


async def export_rows(
    db: Database, merchant_id: uuid.UUID, batch_id: uuid.UUID, *, chunk: int = 5_000
) -> AsyncIterator[list[tuple]]:
    """The batch's codes in chunks (code, status, customer, used_at), each chunk its own short
    read, so a million codes never sit in memory at once."""
    last_id = 0
    while True:
        async with db.transaction(write=False) as session:
            await get_batch(session, merchant_id, batch_id)
            rows = (
                await session.execute(
                    select(Code.id, Code.raw, Code.status, Customer.external_id, Code.used_at)
                    .outerjoin(Customer, Customer.id == Code.customer_id)
                    .where(Code.batch_id == batch_id, Code.id > last_id)
                    .order_by(Code.id)
                    .limit(chunk)
                )
            ).all()
        if not rows:
            return
        last_id = rows[-1][0]
        yield [row[1:] for row in rows]
