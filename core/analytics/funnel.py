"""An activity's funnel: viewed → joined → played → won → reward used.

- viewed: customers who saw it, and each view by someone not known as a customer;
- joined: customers known at the activity (a view as a known customer, a referral into it, a
  try): how many of those who saw it are identified;
- played: customers who took a try; won: who won at least once;
- reward used: who used a coupon won at it in an applied (not rolled back) order.

Each customer counts once per step, at the first time they reached it within the conversion
window. Doing a step implies the earlier ones (nobody plays what they never saw, whether or
not the view was reported), so a customer reached a step at the earliest time they did it or
any later step: the counts only narrow, step after step. A customer belongs to the channel
where they first met the activity (their first view or try), and is new or returning by
whether they were known before it began. Views by someone not known as a customer cannot be
told apart: each counts as one viewer, `anonymous`.
"""

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, Play, Referral
from core.analytics.customers import activity_began, kinds_of
from core.analytics.filters import Filters, local_day, rate
from core.analytics.rewards import orders_using, wins_of
from core.analytics.schemas import STEPS, Funnel, FunnelRow, FunnelStep
from core.events.models import Event
from core.merchants.models import Merchant

VIEWED, JOINED, PLAYED, WON, REWARD_USED = range(len(STEPS))
DEFAULT_WINDOW_DAYS = 7


class _Journeys:
    """Per customer, the first time they did each step, and where they first came from."""

    def __init__(self) -> None:
        self.first: dict[uuid.UUID, list[datetime | None]] = defaultdict(lambda: [None] * 5)
        self.came_from: dict[uuid.UUID, tuple[datetime, str]] = {}

    def did(self, customer: uuid.UUID, step: int, at: datetime, channel: str | None = None) -> None:
        times = self.first[customer]
        if times[step] is None or at < times[step]:
            times[step] = at
        if channel is not None and (
            customer not in self.came_from or at < self.came_from[customer][0]
        ):
            self.came_from[customer] = (at, channel)

    def reached(self, customer: uuid.UUID) -> list[datetime | None]:
        """When the customer reached each step: that step or any later one, whichever first."""
        times = list(self.first[customer])
        for step in reversed(range(len(times) - 1)):
            later = times[step + 1]
            if later is not None and (times[step] is None or later < times[step]):
                times[step] = later
        return times

    def channel_of(self, customer: uuid.UUID) -> str:
        return self.came_from[customer][1] if customer in self.came_from else "api"


async def activity_funnel(
    session: AsyncSession,
    merchant: Merchant,
    activity: Activity,
    filters: Filters,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Funnel:
    window = filters.within(
        activity_began(activity), activity.ends_at + timedelta(days=window_days)
    )
    journeys, anonymous = _Journeys(), []
    await _views(session, activity, window, journeys, anonymous)
    await _joins_and_tries(session, activity, window, journeys)
    wins = await wins_of(session, activity, Filters(window.start, window.end))
    for win in wins:
        journeys.did(win.customer_id, WON, win.at)
    coupons = {win.coupon_id for win in wins if win.coupon_id is not None}
    for order in await orders_using(session, merchant.id, coupons, window):
        journeys.did(order.customer_id, REWARD_USED, order.at)
    kinds = await kinds_of(session, activity, journeys.first.keys())
    timezone = ZoneInfo(merchant.timezone)
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(STEPS))
    for customer in journeys.first:
        channel = journeys.channel_of(customer)
        if window.channel and channel != window.channel:
            continue
        for step, at in enumerate(journeys.reached(customer)):
            if at is not None:
                counts[(local_day(at, timezone), channel, kinds[customer])][step] += 1
    for at, channel in anonymous:
        if not window.channel or channel == window.channel:
            counts[(local_day(at, timezone), channel, "anonymous")][VIEWED] += 1
    rows = [
        FunnelRow(day=day, channel=channel, customer_kind=kind, **dict(zip(STEPS, n, strict=True)))
        for (day, channel, kind), n in sorted(counts.items())
    ]
    return Funnel(
        activity_id=activity.id,
        window_from=window.start,
        window_to=window.end,
        timezone=merchant.timezone,
        steps=funnel_steps(rows),
        by_customer_kind=_split(rows, lambda row: row.customer_kind),
        by_channel=_split(rows, lambda row: row.channel),
        rows=rows,
    )


async def _views(
    session: AsyncSession,
    activity: Activity,
    window: Filters,
    journeys: _Journeys,
    anonymous: list[tuple[datetime, str]],
) -> None:
    rows = await session.execute(
        select(
            Event.payload["customer_id"].as_string(),
            Event.payload["channel"].as_string(),
            Event.occurred_at,
        ).where(
            Event.merchant_id == activity.merchant_id,
            Event.type == "activity.viewed",
            Event.payload["activity_id"].as_string() == str(activity.id),
            *window.during(Event.occurred_at),
        )
    )
    for customer, channel, at in rows:
        if customer:
            journeys.did(uuid.UUID(customer), JOINED, at, channel or "web")
        else:
            anonymous.append((at, channel or "web"))


async def _joins_and_tries(
    session: AsyncSession, activity: Activity, window: Filters, journeys: _Journeys
) -> None:
    referred = await session.execute(
        select(Referral.friend_id, Referral.created_at).where(
            Referral.activity_id == activity.id, *window.during(Referral.created_at)
        )
    )
    for customer, at in referred:
        journeys.did(customer, JOINED, at)
    tries = await session.execute(
        select(Play.customer_id, Play.created_at, Play.channel).where(
            Play.activity_id == activity.id, *window.during(Play.created_at)
        )
    )
    for customer, at, channel in tries:
        journeys.did(customer, PLAYED, at, channel or "api")


def funnel_steps(rows: Iterable[FunnelRow]) -> list[FunnelStep]:
    totals = Counter()
    for row in rows:
        totals.update({step: getattr(row, step) for step in STEPS})
    viewed = totals["viewed"]
    return [
        FunnelStep(
            step=step,
            customers=totals[step],
            conversion=rate(totals[step], totals[STEPS[n - 1]]) if n else None,
            of_viewed=rate(totals[step], viewed),
        )
        for n, step in enumerate(STEPS)
    ]


def _split(rows: list[FunnelRow], key: Callable[[FunnelRow], str]) -> dict[str, list[FunnelStep]]:
    groups: dict[str, list[FunnelRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {name: funnel_steps(group) for name, group in sorted(groups.items())}
