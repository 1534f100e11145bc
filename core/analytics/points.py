"""Points: issued, spent and expired in a period, from the ledger; and the liability now, the
unspent, unexpired points at the value the merchant set for one point."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.analytics.filters import Filters
from core.analytics.schemas import PointsReport, PointsRow
from core.clock import utcnow
from core.merchants.models import Merchant
from core.points.models import PointsEntry, PointsLot, PointsSettings

KINDS = ("earn", "spend", "expire", "adjust", "reverse")


async def points_report(
    session: AsyncSession, merchant: Merchant, filters: Filters, now: datetime | None = None
) -> PointsReport:
    now = now or utcnow()
    sums = {
        kind: (entries, int(points))
        for kind, entries, points in await session.execute(
            select(PointsEntry.kind, func.count(), func.sum(PointsEntry.points))
            .where(PointsEntry.merchant_id == merchant.id, *filters.during(PointsEntry.created_at))
            .group_by(PointsEntry.kind)
        )
    }
    by_kind = {kind: sums.get(kind, (0, 0)) for kind in KINDS}
    rows = [PointsRow(kind=kind, entries=n, points=p) for kind, (n, p) in by_kind.items()]
    outstanding = await _outstanding(session, merchant, now)
    settings = await session.get(PointsSettings, merchant.id)
    value = settings.point_value if settings is not None else None
    return PointsReport(
        issued=by_kind["earn"][1],
        spent=-by_kind["spend"][1],
        expired=-by_kind["expire"][1],
        outstanding=outstanding,
        point_value=float(value) if value is not None else None,
        liability=liability(outstanding, value),
        currency=merchant.currency,
        rows=rows,
    )


def liability(points: int, point_value: Decimal | None) -> int | None:
    """What `points` are worth, to the nearest minor unit (half up)."""
    if point_value is None:
        return None
    return int((points * point_value).to_integral_value(rounding=ROUND_HALF_UP))


async def _outstanding(session: AsyncSession, merchant: Merchant, now: datetime) -> int:
    """What customers hold now: the lots' remaining points, those not yet expired (a lot past
    its expiry is worth nothing, even before the expiry job writes it off)."""
    query = select(func.coalesce(func.sum(PointsLot.remaining), 0)).where(
        PointsLot.merchant_id == merchant.id,
        or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > now),
    )
    return int((await session.execute(query)).scalar_one())
