"""A merchant's daily counters summed over every subject and channel: what the console's
dashboard shows for today and draws for the last days."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.stats.models import DailyStat


@dataclass(frozen=True)
class Total:
    count: int = 0
    amount: int = 0


async def merchant_totals(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    metrics: Iterable[str],
    *,
    first_day: date,
    last_day: date,
) -> dict[tuple[date, str], Total]:
    """(day, metric) → its count and amount, for the merchant-local days from first to last;
    a day on which nothing happened is absent."""
    rows = await session.execute(
        select(
            DailyStat.day, DailyStat.metric, func.sum(DailyStat.count), func.sum(DailyStat.amount)
        )
        .where(
            DailyStat.merchant_id == merchant_id,
            DailyStat.metric.in_(list(metrics)),
            DailyStat.day >= first_day,
            DailyStat.day <= last_day,
        )
        .group_by(DailyStat.day, DailyStat.metric)
    )
    return {(day, metric): Total(int(count), int(amount)) for day, metric, count, amount in rows}
