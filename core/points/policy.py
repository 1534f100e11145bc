"""The merchant's points expiry policy, and when points earned at a given moment expire."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import utcnow
from core.db import upsert_insert
from core.points.models import PointsSettings
from core.points.schemas import PointsSettingsIn, PointsSettingsOut

NEVER_EXPIRE = PointsSettingsOut(expiry="never", expiry_days=None)


async def get_settings(session: AsyncSession, merchant_id: uuid.UUID) -> PointsSettingsOut:
    row = await session.get(PointsSettings, merchant_id)
    if row is None:
        return NEVER_EXPIRE
    return PointsSettingsOut(
        expiry=row.expiry, expiry_days=row.expiry_days, point_value=row.point_value
    )


async def set_settings(
    session: AsyncSession, merchant_id: uuid.UUID, data: PointsSettingsIn
) -> PointsSettingsOut:
    """Change the policy for points earned from now on; existing lots keep their expiry."""
    data.check()
    values = {
        "expiry": data.expiry,
        "expiry_days": data.expiry_days,
        "point_value": data.point_value,
        "updated_at": utcnow(),
    }
    await session.execute(
        upsert_insert(session)(PointsSettings)
        .values(merchant_id=merchant_id, **values)
        .on_conflict_do_update(index_elements=["merchant_id"], set_=values)
    )
    return PointsSettingsOut(
        expiry=data.expiry, expiry_days=data.expiry_days, point_value=data.point_value
    )


def expiry_of(policy: PointsSettingsOut, earned_at: datetime, timezone: str) -> datetime | None:
    """When points earned at `earned_at` expire, by calendar in the merchant's timezone.

    `end_of_month` / `end_of_year`: at the end of the month (year) *following* the one in which
    they were earned, so points earned on the 31st do not vanish the next day.
    """
    if policy.expiry == "never":
        return None
    local = earned_at.astimezone(ZoneInfo(timezone))
    if policy.expiry == "days":
        end = local + timedelta(days=policy.expiry_days)  # wall-clock days, DST-proof
    elif policy.expiry == "end_of_month":
        years, month_index = divmod(local.month + 1, 12)  # the month after next, 0-based
        end = datetime(local.year + years, month_index + 1, 1, tzinfo=local.tzinfo)
    else:
        end = datetime(local.year + 2, 1, 1, tzinfo=local.tzinfo)
    return end.astimezone(UTC)
