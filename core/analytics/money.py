"""What an activity cost and brought in: its rewards' cost against the budget, the orders its
coupons were used in (influenced revenue), the share of all orders they are, and the return.

Cost is what the merchant gave: the discounts its coupons took off orders, and the points and
partner codes won, at each prize's configured cost. A coupon prize's configured cost counts
on the budget when won, but its cost here is the discount it actually gave when used.
"""

import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity
from core.analytics.customers import CUSTOMER_KINDS, kinds_of
from core.analytics.filters import Filters, rate
from core.analytics.rewards import RewardOrder, Win, orders_using, wins_of
from core.analytics.schemas import Cost, MoneyReport, MoneyRow
from core.merchants.models import Merchant
from core.redemptions.models import Redemption
from core.stock import service as stock


async def money_report(
    session: AsyncSession, merchant: Merchant, activity: Activity, filters: Filters
) -> MoneyReport:
    wins = await wins_of(session, activity, filters)
    coupons = {win.coupon_id for win in wins if win.coupon_id is not None}
    orders = await orders_using(session, merchant.id, coupons, filters)
    kinds = await kinds_of(
        session, activity, {w.customer_id for w in wins} | {o.customer_id for o in orders}
    )
    wins_by, orders_by = defaultdict(list), defaultdict(list)
    for win in wins:
        wins_by[kinds[win.customer_id]].append(win)
    for order in orders:
        orders_by[kinds[order.customer_id]].append(order)
    rows = [_row(kind, wins_by[kind], orders_by[kind]) for kind in CUSTOMER_KINDS]
    cost = Cost(
        discounts=sum(row.cost_discounts for row in rows),
        points=sum(row.cost_points for row in rows),
        codes=sum(row.cost_codes for row in rows),
        total=sum(row.cost_total for row in rows),
    )
    revenue = sum(row.influenced_revenue for row in rows)
    all_orders = await _orders_in(session, merchant.id, filters)
    budget_used = await _budget_used(session, activity)
    return MoneyReport(
        activity_id=activity.id,
        currency=merchant.currency,
        budget=activity.budget,
        budget_used=budget_used,
        budget_left=None if budget_used is None else activity.budget - budget_used,
        cost=cost,
        points_issued=sum(row.points_issued for row in rows),
        orders=all_orders,
        influenced_orders=len(orders),
        influenced_revenue=revenue,
        influence_rate=rate(len(orders), all_orders),
        roi=roi(revenue, cost.total),
        rows=rows,
    )


def roi(revenue: int, cost: int) -> float | None:
    return rate(revenue - cost, cost)


def _row(kind: str, wins: list[Win], orders: list[RewardOrder]) -> MoneyRow:
    points = sum(win.prize_cost for win in wins if win.reward_type == "points")
    codes = sum(win.prize_cost for win in wins if win.reward_type == "code")
    discounts = sum(order.discount for order in orders)
    revenue = sum(order.revenue for order in orders)
    return MoneyRow(
        customer_kind=kind,
        winners=len({win.customer_id for win in wins}),
        cost_discounts=discounts,
        cost_points=points,
        cost_codes=codes,
        cost_total=discounts + points + codes,
        points_issued=sum(win.points for win in wins),
        influenced_orders=len(orders),
        influenced_revenue=revenue,
        roi=roi(revenue, discounts + points + codes),
    )


async def _orders_in(session: AsyncSession, merchant_id: uuid.UUID, filters: Filters) -> int:
    """Orders redeemed at checkout (applied, not rolled back) in the period: the orders
    Confetti sees, with or without a coupon."""
    query = select(func.count()).where(
        Redemption.merchant_id == merchant_id,
        Redemption.status == "applied",
        *filters.during(Redemption.created_at),
    )
    return (await session.execute(query)).scalar_one()


async def _budget_used(session: AsyncSession, activity: Activity) -> int | None:
    if activity.budget is None:
        return None
    if activity.published_at is None:
        return 0
    return activity.budget - await stock.remaining_stock(session, activity.budget_owner)
