"""Jobs that run on a timer in every worker process; each is safe to run in several at once."""

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog

from core.activities.groups import expire_groups
from core.activities.service import catch_up_statuses
from core.channels.service import purge_inbound
from core.clock import utcnow
from core.coupons.expiry import expire_coupons
from core.db import Database
from core.events.service import purge_processed
from core.idempotency.service import purge_expired
from core.leases.service import take_lease
from core.merchants.service import all_merchants
from core.points.rules import award_birthdays
from core.points.service import expire_points
from workers.jobs import run_due_jobs
from workers.pacing import rest
from workers.reminders import (
    remind_expiring_coupons,
    remind_expiring_points,
    start_new_round_reminders,
)
from workers.webhooks import WebhookSender

log = structlog.get_logger("confetti.schedules")
PURGE_BATCH = 5_000


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    run: Callable[[Database], Awaitable[int]]


async def _catch_up_activities(db: Database) -> int:
    async with db.transaction() as session:
        return await catch_up_statuses(session)


async def _expire_coupons(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_coupons(session)


async def _purge_idempotency_records(db: Database) -> int:
    async with db.transaction() as session:
        return await purge_expired(session)


async def _purge_processed_events(db: Database) -> int:
    """In batches, each its own transaction, so writers get the lock in between."""
    purged = 0
    while True:
        async with db.transaction() as session:
            batch = await purge_processed(session, limit=PURGE_BATCH)
        purged += batch
        if batch < PURGE_BATCH:
            return purged


async def _purge_chat_inbound(db: Database) -> int:
    async with db.transaction() as session:
        return await purge_inbound(session)


async def _expire_envelope_groups(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_groups(session)


async def _expire_points(db: Database) -> int:
    async with db.transaction() as session:
        return await expire_points(session)


async def _award_birthdays(db: Database) -> int:
    """Birthday bonuses, by each merchant's own date; safe to run often (once per year each)."""
    async with db.transaction(write=False) as session:
        merchants = await all_merchants(session)
    credited = 0
    for merchant in merchants:
        today = utcnow().astimezone(ZoneInfo(merchant.timezone)).date()
        async with db.transaction() as session:
            credited += await award_birthdays(session, merchant, today)
    return credited


async def _run_jobs(db: Database) -> int:
    return await run_due_jobs(db, holder=PROCESS_ID)


# Every timed job but the webhooks' (`scheduled_jobs` adds it, with its pooled client).
SCHEDULED_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("activities.start_and_end", 30, _catch_up_activities),
    PeriodicJob("coupons.expire", 60, _expire_coupons),
    PeriodicJob("envelope_groups.expire", 60, _expire_envelope_groups),
    PeriodicJob("idempotency.purge", 3600, _purge_idempotency_records),
    PeriodicJob("points.expire", 300, _expire_points),
    PeriodicJob("points.birthdays", 3600, _award_birthdays),
    PeriodicJob("jobs.run", 1, _run_jobs),
    PeriodicJob("reminders.coupons", 300, remind_expiring_coupons),
    PeriodicJob("reminders.points", 3600, remind_expiring_points),
    PeriodicJob("reminders.new_round", 300, start_new_round_reminders),
    PeriodicJob("chat_inbound.purge", 3600, _purge_chat_inbound),
    PeriodicJob("processed_events.purge", 3600, _purge_processed_events),
)


def scheduled_jobs(webhooks: WebhookSender) -> tuple[PeriodicJob, ...]:
    """Every timed job, webhooks sent by the process's own sender."""
    return (*SCHEDULED_JOBS, PeriodicJob("webhooks.send", 2, webhooks.send_due))


# Each process's name for itself when it holds a lease.
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _holds_lease(db: Database, job: PeriodicJob) -> bool:
    # Held a little longer than the interval, so the holder keeps it while it is alive.
    duration = timedelta(seconds=max(job.every_seconds * 3, 10))
    async with db.transaction() as session:
        return await take_lease(session, job.name, PROCESS_ID, duration)


async def run_periodically(db: Database, job: PeriodicJob, stopping: asyncio.Event) -> None:
    """Run `job` now and every interval until stopping, in whichever worker process holds its
    lease; a failure waits for the next turn."""
    while not stopping.is_set():
        try:
            done = await job.run(db) if await _holds_lease(db, job) else 0
            if done:
                log.info("schedule.job.completed", job=job.name, count=done)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("schedule.job.failed", job=job.name)
        await rest(stopping, job.every_seconds)
