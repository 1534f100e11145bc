"""Jobs that run on a timer in every worker process; each is safe to run in several at once."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select

from core.activities.groups import expire_groups
from core.clock import utcnow
from core.coupons.service import expire_coupons
from core.db import Database
from core.idempotency.service import purge_expired
from core.merchants.models import Merchant
from core.points.rules import award_birthdays
from core.points.service import expire_points
from workers.webhooks import send_due_webhooks

log = structlog.get_logger("confetti.schedules")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[Database], Awaitable[int]]


async def _expire_coupons(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_coupons(session)


async def _purge_idempotency_records(db: Database) -> int:
    async with db.transaction() as session:
        return await purge_expired(session)


async def _expire_envelope_groups(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_groups(session)


async def _expire_points(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_points(session)


async def _award_birthdays(db: Database) -> int:
    """Birthday bonuses, by each merchant's own date; safe to run often (once per year each)."""
    async with db.transaction(write=False) as session:
        merchants = list((await session.execute(select(Merchant))).scalars())
    credited = 0
    for merchant in merchants:
        today = utcnow().astimezone(ZoneInfo(merchant.timezone)).date()
        async with db.transaction() as session:
            credited += await award_birthdays(session, merchant, today)
    return credited


SCHEDULED_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("coupons.expire", 60, _expire_coupons),
    PeriodicJob("envelope_groups.expire", 60, _expire_envelope_groups),
    PeriodicJob("idempotency.purge", 3600, _purge_idempotency_records),
    PeriodicJob("points.expire", 300, _expire_points),
    PeriodicJob("points.birthdays", 3600, _award_birthdays),
    PeriodicJob("webhooks.send", 2, send_due_webhooks),
)


async def run_periodically(db: Database, job: PeriodicJob) -> None:
    """Run `job` now and every interval until cancelled; a failure waits for the next turn."""
    while True:
        try:
            done = await job.run(db)
            if done:
                log.info("schedule.job.completed", job=job.name, count=done)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("schedule.job.failed", job=job.name)
        await asyncio.sleep(job.every_seconds)
