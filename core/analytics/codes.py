"""Code batches, by partner (an imported batch is a partner's codes): how many codes each has
and has left, how many were handed to customers and how many redeemed in the period."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.analytics.filters import Filters
from core.analytics.schemas import CodeBatchReport, CodeBatchRow
from core.codes.models import Code, CodeBatch
from core.merchants.models import Merchant


async def code_batch_report(
    session: AsyncSession, merchant: Merchant, filters: Filters
) -> CodeBatchReport:
    # A code's used_at is when it was handed out (assigned) or redeemed, whichever it was.
    in_period = Code.used_at.is_not(None)
    for condition in filters.during(Code.used_at):
        in_period = in_period & condition
    counts = await session.execute(
        select(
            Code.batch_id,
            func.count(),
            func.count().filter(Code.status == "available"),
            func.count().filter(Code.status == "assigned", in_period),
            func.count().filter(Code.status == "redeemed", in_period),
        )
        .where(Code.merchant_id == merchant.id)
        .group_by(Code.batch_id)
    )
    by_batch = {batch: tuple(numbers) for batch, *numbers in counts}
    batches = await session.execute(
        select(CodeBatch)
        .where(CodeBatch.merchant_id == merchant.id)
        .order_by(CodeBatch.created_at, CodeBatch.id)
    )
    rows = []
    for batch in batches.scalars():
        codes, available, assigned, redeemed = by_batch.get(batch.id, (0, 0, 0, 0))
        rows.append(
            CodeBatchRow(
                batch_id=batch.id,
                name=batch.name,
                kind=batch.kind,
                codes=codes,
                available=available,
                assigned=assigned,
                redeemed=redeemed,
            )
        )
    return CodeBatchReport(rows=rows)
