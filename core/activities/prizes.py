"""An activity's prizes and its prize table: built, saved, drawn from, and rebuilt when a prize
runs out (every version kept, so each try can be re-checked against the table it was drawn from)."""

import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities import fairness
from core.activities.models import PRIZE_STOCK_KIND, Activity, Play, Prize, PrizeTable
from core.activities.schemas import PrizeIn
from core.db import upsert_insert
from core.stock import service as stock
from core.stock.sold_out import marks_of


class PrizeTerms(Protocol):
    """What the draw needs to know of a prize: a `Prize` row, or the forecast's copy of one."""

    id: uuid.UUID
    weight: int
    stock: int | None
    cost: int
    consolation: bool


def table_entries(prizes: Iterable[PrizeTerms]) -> list[list]:
    """A prize table's (key, weight) entries, in the prizes' order."""
    return [[str(prize.id), prize.weight] for prize in prizes]


def can_win(prize: PrizeTerms, stock_left: int, budget_left: int | None) -> bool:
    """Whether a prize can still be won: stock left (any, when unlimited) and its cost within
    what is left of the budget (`None`: no budget). The consolation prize always can."""
    return (prize.stock is None or stock_left > 0) and (
        prize.consolation or budget_left is None or prize.cost <= budget_left
    )


AnyPrize = TypeVar("AnyPrize", bound=PrizeTerms)


def consolation_of(prizes: Iterable[AnyPrize]) -> AnyPrize:
    """What a draw grants instead of a prize that cannot be won."""
    return next(prize for prize in prizes if prize.consolation)


async def prizes_of(session: AsyncSession, activity_id: uuid.UUID) -> list[Prize]:
    rows = await session.execute(
        select(Prize).where(Prize.activity_id == activity_id).order_by(Prize.position)
    )
    return list(rows.scalars())


async def won_prize(
    session: AsyncSession, prize_id: uuid.UUID, play_id: uuid.UUID
) -> tuple[Prize, Play] | None:
    """A prize and the try that won it (to tell the winner), if both still exist."""
    prize = await session.get(Prize, prize_id)
    play = await session.get(Play, play_id)
    return (prize, play) if prize is not None and play is not None else None


def add_prizes(session: AsyncSession, activity: Activity, prizes: list[PrizeIn]) -> None:
    session.add_all(
        Prize(
            activity_id=activity.id,
            merchant_id=activity.merchant_id,
            position=n,
            reward=prize.reward.model_dump(mode="json"),
            **prize.model_dump(exclude={"reward"}),
        )
        for n, prize in enumerate(prizes)
    )


async def save_table(
    session: AsyncSession, activity: Activity, version: int, prizes: list[Prize]
) -> PrizeTable:
    entries = table_entries(prizes)
    table = PrizeTable(
        activity_id=activity.id,
        version=version,
        entries=entries,
        fingerprint=fairness.table_fingerprint(draw_table(entries)),
    )
    session.add(table)
    await session.flush()
    return table


def draw_table(entries: list[list]) -> fairness.PrizeTable:
    return _built_table(tuple((key, weight) for key, weight in entries))


@lru_cache(maxsize=256)
def _built_table(entries: tuple[tuple[str, int], ...]) -> fairness.PrizeTable:
    """Build each table's alias structure once per process, so a draw stays O(1)."""
    return fairness.PrizeTable(entries)


async def current_table(session: AsyncSession, activity_id: uuid.UUID) -> PrizeTable:
    return (
        await session.execute(
            select(PrizeTable)
            .where(PrizeTable.activity_id == activity_id)
            .order_by(PrizeTable.version.desc())
            .limit(1)
        )
    ).scalar_one()


def known_sold_out(session: AsyncSession, prize: Prize) -> bool:
    """The prize's stock is known to be gone: refused without a savepoint or a round trip."""
    return prize.stock is not None and marks_of(session).is_sold_out(prize.stock_owner)


async def take_prize(session: AsyncSession, activity: Activity, prize: Prize) -> bool:
    if prize.consolation:
        return True
    budgeted = bool(prize.cost) and activity.budget is not None
    if budgeted and not await stock.take_stock(session, activity.budget_owner, prize.cost):
        return False
    if prize.stock is not None and not await stock.take_stock(session, prize.stock_owner):
        if budgeted:  # the budget was taken for a prize that is gone: give it back
            await stock.return_stock(session, activity.budget_owner, prize.cost)
        return False
    return True


async def winnable_prizes(session: AsyncSession, activity: Activity) -> list[Prize]:
    """The prizes that can still be won: stock left, and within what is left of the budget."""
    return await winnable_among(session, activity, await prizes_of(session, activity.id))


async def winnable_among(
    session: AsyncSession, activity: Activity, prizes: list[Prize]
) -> list[Prize]:
    """Those of `prizes` (all the activity's, as read already) that can still be won."""
    budget_left = None
    if activity.budget is not None:
        budget_left = await stock.remaining_stock(session, activity.budget_owner)
    stocked = [prize.id for prize in prizes if prize.stock is not None]
    left = await stock.remaining_stocks(session, PRIZE_STOCK_KIND, stocked) if stocked else {}
    return [prize for prize in prizes if can_win(prize, left.get(prize.id, 0), budget_left)]


async def rebuild_table(session: AsyncSession, activity: Activity, prizes: list[Prize]) -> None:
    """A new table version of those of `prizes` (all the activity's) that can still be won, if
    it differs from the latest. The latest is read again, not taken from the start of the try:
    a concurrent try has usually rebuilt it already, and comparing with a stale version would
    make every such try insert it again and queue on the first one's uncommitted row."""
    winnable = table_entries(await winnable_among(session, activity, prizes))
    latest = await current_table(session, activity.id)
    if winnable == latest.entries:
        return
    insert = upsert_insert(session)
    await session.execute(
        insert(PrizeTable)
        .values(
            activity_id=activity.id,
            version=latest.version + 1,
            entries=winnable,
            fingerprint=fairness.table_fingerprint(draw_table(winnable)),
        )
        .on_conflict_do_nothing()
    )
