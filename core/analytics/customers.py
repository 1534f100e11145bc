"""New or returning: whether a customer was known before an activity began."""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity
from core.analytics.filters import chunks
from core.customers.models import Customer

CustomerKind = Literal["new", "returning"]
CUSTOMER_KINDS: tuple[CustomerKind, ...] = ("new", "returning")


def activity_began(activity: Activity) -> datetime:
    """From when the activity could bring anyone in: its publication (the moment that
    `new_customers_only` judges by), or its start while it is a draft."""
    return activity.published_at or activity.starts_at


async def kinds_of(
    session: AsyncSession, activity: Activity, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CustomerKind]:
    """`returning` for a customer known before the activity began, else `new` (the rule that
    `new_customers_only` applies)."""
    began = activity_began(activity)
    kinds: dict[uuid.UUID, CustomerKind] = {}
    for chunk in chunks(customer_ids):
        rows = await session.execute(
            select(Customer.id, Customer.created_at).where(
                Customer.merchant_id == activity.merchant_id, Customer.id.in_(chunk)
            )
        )
        for customer_id, created_at in rows:
            kinds[customer_id] = "returning" if created_at < began else "new"
    return kinds
