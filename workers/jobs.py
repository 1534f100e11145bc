"""Running jobs: each tick, chunks of runnable jobs in turn until none is left or the tick's
time is up. Any number of processes may run this at once (see core/jobs/service.py)."""

import time
from collections.abc import Mapping
from datetime import timedelta

from core.broadcasts.service import BROADCAST_JOB_KIND
from core.coupons.service import ISSUE_JOB_KIND, issue_coupons_chunk
from core.db import Database
from core.jobs.service import JobKind, run_job_chunk, take_next_job
from workers.broadcasts import broadcast_chunk
from workers.reminders import NEW_ROUND_JOB_KIND, new_round_chunk

# Longer than any chunk takes: a live holder releases well before, a dead one's runs out.
LEASE = timedelta(seconds=60)
TICK_BUDGET_SECONDS = 5.0

JOB_KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(ISSUE_JOB_KIND, issue_coupons_chunk, chunk_size=500),
        JobKind(BROADCAST_JOB_KIND, broadcast_chunk, chunk_size=500),
        JobKind(NEW_ROUND_JOB_KIND, new_round_chunk, chunk_size=500),
    )
}


async def run_due_jobs(
    db: Database,
    *,
    holder: str,
    kinds: Mapping[str, JobKind] = JOB_KINDS,
    lease: timedelta = LEASE,
    budget_seconds: float = TICK_BUDGET_SECONDS,
) -> int:
    """Run one chunk of a job, release it, take the next (the longest waiting, so jobs take
    turns), until no job is runnable or `budget_seconds` have passed; returns chunks applied."""
    deadline = time.monotonic() + budget_seconds
    applied = 0
    while time.monotonic() < deadline:
        job_id = await take_next_job(db, holder=holder, lease=lease, kinds=kinds)
        if job_id is None:
            break
        applied += await run_job_chunk(db, job_id, holder=holder, kinds=kinds)
    return applied
