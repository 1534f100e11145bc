"""An activity's prizes: how often each was drawn, granted and won, by whom, the stock left, and
when it runs out if wins go on at the last 24 hours' rate."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, Play, Prize
from core.activities.prizes import prizes_of
from core.analytics.filters import Filters
from core.analytics.schemas import PrizeReport, PrizeRow
from core.clock import utcnow
from core.stock import service as stock

RATE_SPAN = timedelta(hours=24)


async def prize_report(
    session: AsyncSession, activity: Activity, filters: Filters, now: datetime | None = None
) -> PrizeReport:
    now = now or utcnow()
    granted = await _tries_by(session, activity, filters, Play.prize_id)
    drawn = await _tries_by(session, activity, filters, Play.drawn_prize_id)
    recent = await _tries_by(session, activity, Filters(start=now - RATE_SPAN), Play.prize_id)
    rows = []
    for prize in await prizes_of(session, activity.id):
        plays, wins, winners = granted.get(prize.id, (0, 0, 0))
        left = await _stock_left(session, activity, prize)
        wins_recently = recent.get(prize.id, (0, 0, 0))[1]
        runs_out = _runs_out_at(left, wins_recently, now)
        rows.append(
            PrizeRow(
                prize_id=prize.id,
                name=prize.name,
                consolation=prize.consolation,
                weight=prize.weight,
                cost=prize.cost,
                drawn=drawn.get(prize.id, (0, 0, 0))[0],
                plays=plays,
                wins=wins,
                winners=winners,
                stock=None if prize.consolation else prize.stock,
                stock_left=left,
                wins_last_24h=wins_recently,
                runs_out_at=runs_out,
                runs_out_before_end=left == 0
                or (runs_out is not None and runs_out < activity.ends_at),
            )
        )
    return PrizeReport(activity_id=activity.id, rows=rows)


async def _tries_by(
    session: AsyncSession, activity: Activity, filters: Filters, column
) -> dict[uuid.UUID, tuple[int, int, int]]:
    """prize id → (tries, winning tries, distinct winners), grouped by `column`."""
    query = (
        select(
            column,
            func.count(),
            func.count().filter(Play.won),
            func.count(distinct(Play.customer_id)).filter(Play.won),
        )
        .where(
            Play.activity_id == activity.id, column.is_not(None), *filters.during(Play.created_at)
        )
        .group_by(column)
    )
    if filters.channel:
        query = query.where(Play.channel == filters.channel)
    return {prize: (n, wins, winners) for prize, n, wins, winners in await session.execute(query)}


async def _stock_left(session: AsyncSession, activity: Activity, prize: Prize) -> int | None:
    if prize.stock is None or prize.consolation:
        return None
    if activity.published_at is None:  # a draft's stock is not taken yet
        return prize.stock
    return await stock.remaining_stock(session, prize.stock_owner)


def _runs_out_at(left: int | None, wins_recently: int, now: datetime) -> datetime | None:
    if left is None or left == 0 or wins_recently == 0:
        return None
    return now + RATE_SPAN * (left / wins_recently)
