"""Jobs that run on a timer in every worker process; each is safe to run in several at once."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from core.coupons.service import expire_coupons
from core.db import Database
from core.idempotency.service import purge_expired

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


SCHEDULED_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("coupons.expire", 60, _expire_coupons),
    PeriodicJob("idempotency.purge", 3600, _purge_idempotency_records),
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
