"""Re-checking every try of an activity once its server seed is revealed, and the winners
ticker."""

import hashlib
import uuid

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities import fairness
from core.activities.models import Activity, Play, Prize, PrizeTable
from core.activities.prizes import draw_table
from core.activities.schemas import Winner
from core.activities.service import effective_status
from core.clock import utcnow
from core.customers.models import Customer


class FairnessReport(BaseModel):
    activity_id: uuid.UUID
    server_seed_hash: str
    server_seed: str | None
    seed_matches_hash: bool | None
    tries_checked: int
    mismatches: list[uuid.UUID]
    note: str


async def fairness_report(session: AsyncSession, activity: Activity) -> FairnessReport:
    if effective_status(activity, utcnow()) != "ended":
        return FairnessReport(
            activity_id=activity.id,
            server_seed_hash=activity.server_seed_hash,
            server_seed=None,
            seed_matches_hash=None,
            tries_checked=0,
            mismatches=[],
            note="The server seed is revealed when the activity ends; every try can then be "
            "re-checked here.",
        )
    seed = activity.server_seed
    tables = {
        table.version: draw_table(table.entries)
        for table in (
            await session.execute(select(PrizeTable).where(PrizeTable.activity_id == activity.id))
        ).scalars()
    }
    plays = (
        (
            await session.execute(
                select(Play).where(Play.activity_id == activity.id, Play.table_version.is_not(None))
            )
        )
        .scalars()
        .all()
    )
    mismatches = [
        play.id
        for play in plays
        if not fairness.verify(
            seed, play.client_seed, play.nonce, tables[play.table_version], str(play.drawn_prize_id)
        )
    ]
    return FairnessReport(
        activity_id=activity.id,
        server_seed_hash=activity.server_seed_hash,
        server_seed=seed,
        seed_matches_hash=hashlib.sha256(seed.encode()).hexdigest() == activity.server_seed_hash,
        tries_checked=len(plays),
        mismatches=mismatches,
        note="Each try: HMAC-SHA256(server_seed, client_seed:nonce) picks from the prize table "
        "version it records.",
    )


def _reward_label(outcome: dict) -> str:
    if outcome.get("type") == "points":
        return f"{outcome['points']} points"
    if outcome.get("type") == "code":
        return "a partner code"
    return "a coupon"


def mask_name(name: str) -> str:
    """`Alicia` → `A***a`: enough for a ticker, not enough to identify anyone."""
    name = name.strip()
    if len(name) <= 2:
        return (name[:1] or "*") + "***"
    return f"{name[0]}***{name[-1]}"


async def recent_winners(
    session: AsyncSession, activity: Activity, limit: int = 20
) -> list[Winner]:
    """The latest wins, newest first, read through the (activity, won, created_at) index: a
    rare prize won early still shows after thousands of losing tries."""
    query = (
        select(Play, Customer, Prize)
        .join(Customer, Customer.id == Play.customer_id)
        .outerjoin(Prize, Prize.id == Play.prize_id)
        .where(Play.activity_id == activity.id, Play.won.is_(True))
        .order_by(Play.created_at.desc())
        .limit(limit)
    )
    return [
        Winner(
            name=mask_name(customer.name or customer.external_id or "guest"),
            prize=prize.name if prize else _reward_label(play.outcome),
            won_at=play.created_at,
        )
        for play, customer, prize in (await session.execute(query)).all()
    ]
