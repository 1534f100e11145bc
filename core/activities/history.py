"""A customer's tries across the merchant's activities, newest first: what each one won."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities.models import Activity, Play, Prize
from core.pagination import Page, paginate


@dataclass(frozen=True)
class PlayLine:
    played_at: datetime
    activity_id: uuid.UUID
    activity_name: str
    prize_name: str | None
    won: bool


async def customer_plays(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PlayLine]:
    query = select(Play).where(Play.merchant_id == merchant_id, Play.customer_id == customer_id)
    page = await paginate(session, query, Play, limit=limit, cursor=cursor, newest_first=True)
    activities = await _names(session, Activity, {play.activity_id for play in page.items})
    prizes = await _names(session, Prize, {play.prize_id for play in page.items} - {None})
    lines = [
        PlayLine(
            played_at=play.created_at,
            activity_id=play.activity_id,
            activity_name=activities[play.activity_id],
            prize_name=prizes.get(play.prize_id),
            won=play.won,
        )
        for play in page.items
    ]
    return Page(lines, page.next_cursor)


async def _names(session: AsyncSession, model: type, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    return {row_id: name for row_id, name in rows}
