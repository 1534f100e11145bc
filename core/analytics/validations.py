"""Validations that failed, by reason: the question merchants ask most when a customer
complains that a code did not work.

A quote changes nothing, so nothing else records a refused code: each quote that refuses one
adds to a counter per merchant-local day and reason (a daily statistic). A quote that refuses
nothing writes nothing and stays a read, as fast as before.

The reasons are the quote's own (`not_applied[].reason`): not_found (an unknown code),
expired, not_yet_valid, used (its one use is taken: the limit reached), not_owner, duplicate,
min_order_not_met (below the minimum order), out_of_scope, currency_mismatch, not_stackable.
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.analytics.filters import Filters, local_day
from core.analytics.schemas import ValidationReport, ValidationRow
from core.merchants.models import Merchant
from core.redemptions.schemas import QuoteOut
from core.stats.models import DailyStat
from core.stats.service import NO_SUBJECT, add_to_daily_stat

METRIC = "validation.failed:"
# Quotes are asked through the API only.
CHANNEL = "api"


def refusals(quote: QuoteOut) -> Counter[str]:
    """Reason → codes refused for it (a promotion that does not apply is no refused code)."""
    return Counter(left.reason for left in quote.not_applied if left.code is not None)


async def count_failed_validations(
    session: AsyncSession, merchant: Merchant, reasons: Counter[str], now: datetime
) -> None:
    day = local_day(now, ZoneInfo(merchant.timezone))
    for reason, count in sorted(reasons.items()):  # one order everywhere: no deadlock
        await add_to_daily_stat(
            session,
            merchant_id=merchant.id,
            day=day,
            metric=f"{METRIC}{reason}",
            subject=("merchant", NO_SUBJECT),
            channel=CHANNEL,
            count=count,
            amount=0,
        )


async def validation_report(
    session: AsyncSession, merchant: Merchant, filters: Filters
) -> ValidationReport:
    """Counted by whole merchant-local days: `from` and `to` take in the days they fall on."""
    timezone = ZoneInfo(merchant.timezone)
    query = select(DailyStat.day, DailyStat.metric, DailyStat.count).where(
        DailyStat.merchant_id == merchant.id,
        DailyStat.metric.startswith(METRIC),
        DailyStat.channel == (filters.channel or CHANNEL),
    )
    if filters.start is not None:
        query = query.where(DailyStat.day >= local_day(filters.start, timezone))
    if filters.end is not None:
        last = local_day(filters.end - timedelta(microseconds=1), timezone)
        query = query.where(DailyStat.day <= last)
    rows = [
        ValidationRow(day=day, reason=metric.removeprefix(METRIC), failed=count)
        for day, metric, count in await session.execute(
            query.order_by(DailyStat.day, DailyStat.metric)
        )
    ]
    by_reason = Counter()
    for row in rows:
        by_reason[row.reason] += row.failed
    return ValidationReport(by_reason=dict(sorted(by_reason.items())), rows=rows)
