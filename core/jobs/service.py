"""Jobs: work too large for a request, run by the workers one chunk at a time.

A worker takes a runnable job's lease (a conditional update on the job row: free or expired),
runs one chunk in one transaction and releases the lease, so jobs take turns and none hogs a
worker. The chunk's first write moves the cursor with a conditional update (`done` must still
be where the worker read it, and the lease still the worker's): of two processes that try the
same chunk, one applies it and the other changes nothing. The chunk's effects and the cursor
commit together, so a worker that dies mid-chunk leaves nothing of it, and whoever takes the
job after the lease runs out starts again at the first position not yet applied.
"""

import uuid
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from core.clock import utcnow
from core.db import Database, get_owned, upsert_insert
from core.errors import ConfettiError
from core.jobs.errors import JobNotFound, UnknownJobKind
from core.jobs.models import Job
from core.jobs.schemas import ChunkOutcome, JobOut
from core.pagination import Page, decode_cursor, encode_cursor

log = structlog.get_logger("confetti.jobs")

RUNNABLE = ("queued", "running")
KEPT_REFUSALS = 100
MAX_FAILURES = 5
RETRY_AFTER = timedelta(seconds=10)
UNEXPECTED_ERROR = "internal_error: the job kept failing on an unexpected error; see the logs"

ChunkRunner = Callable[[AsyncSession, Job, int, int], Awaitable[ChunkOutcome]]


@dataclass(frozen=True)
class JobKind:
    """How the workers run one kind of job: `run_chunk(session, job, start, end)` applies
    positions start..end-1 inside the caller's transaction and reports what happened."""

    name: str
    run_chunk: ChunkRunner
    chunk_size: int = 500


def _new_job(
    merchant_id: uuid.UUID,
    kind: str,
    params: dict[str, Any],
    total: int,
    counters: dict[str, int],
    key: str | None = None,
) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": uuid.uuid4(),
        "merchant_id": merchant_id,
        "key": key,
        "kind": kind,
        "status": "queued",
        "params": params,
        "total": total,
        "done": 0,
        "counters": counters,
        "result": {},
        "failures": 0,
        "created_at": now,
        "updated_at": now,
    }


async def create_job(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    kind: str,
    params: dict[str, Any],
    total: int,
    counters: dict[str, int],
) -> Job:
    """Queue a job; `counters` names the counts its kind reports, each starting at 0."""
    job = Job(**_new_job(merchant_id, kind, params, total, counters))
    session.add(job)
    await session.flush()
    return job


async def create_job_once(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    key: str,
    kind: str,
    params: dict[str, Any],
    total: int,
    counters: dict[str, int],
) -> bool:
    """Queue a job unless one with this key was ever queued (even by a concurrent caller)."""
    inserted = await session.execute(
        upsert_insert(session)(Job)
        .values(**_new_job(merchant_id, kind, params, total, counters, key))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return inserted.rowcount == 1


async def existing_job_keys(session: AsyncSession, keys: list[str]) -> set[str]:
    """Which of these keys name a job already queued."""
    if not keys:
        return set()
    return set((await session.execute(select(Job.key).where(Job.key.in_(keys)))).scalars())


async def get_job(session: AsyncSession, merchant_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    return await get_owned(session, Job, merchant_id, job_id, JobNotFound())


async def list_jobs(
    session: AsyncSession, merchant_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Job]:
    """The merchant's jobs newest first, by the same (created_at, id) cursor as elsewhere."""
    query = select(Job).where(Job.merchant_id == merchant_id)
    if cursor:
        created_at, job_id = decode_cursor(cursor)
        query = query.where(
            or_(Job.created_at < created_at, and_(Job.created_at == created_at, Job.id < job_id))
        )
    query = query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].created_at, rows[-1].id) if more else None)


def job_view(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        total=job.total,
        done=job.done,
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        updated_at=job.updated_at,
        **job.counters,
    )


def _lease_free(now: datetime):
    return or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now)


async def take_next_job(
    db: Database, *, holder: str, lease: timedelta, kinds: Collection[str]
) -> uuid.UUID | None:
    """Lease the runnable job that waited longest since its last chunk, if any is free, of a
    kind this process can run (during a rolling deploy an older worker leaves a newer kind's
    jobs to the newer workers, rather than failing them)."""
    now = utcnow()
    async with db.transaction() as session:
        candidates = await session.execute(
            select(Job.id)
            .where(Job.status.in_(RUNNABLE), Job.kind.in_(list(kinds)), _lease_free(now))
            .order_by(Job.updated_at)
            .limit(10)
        )
        for job_id in list(candidates.scalars()):
            taken = await session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(RUNNABLE), _lease_free(now))
                .values(
                    status="running",
                    lease_holder=holder,
                    lease_expires_at=now + lease,
                    started_at=func.coalesce(Job.started_at, now),
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                return job_id
    return None


async def run_job_chunk(
    db: Database, job_id: uuid.UUID, *, holder: str, kinds: Mapping[str, JobKind]
) -> bool:
    """Run the next chunk of a job whose lease `holder` holds, then release the lease.

    Returns whether a chunk was applied. A refusal of the job as a whole (a domain error, e.g.
    its template is gone) fails the job; anything else is retried later, up to MAX_FAILURES.
    """
    try:
        async with db.transaction() as session:
            return await _apply_next_chunk(session, job_id, holder, kinds)
    except ConfettiError as exc:
        if exc.status < 500:
            await _finish_failed(db, job_id, holder, f"{exc.code}: {exc.message}")
            return False
        log.warning("jobs.chunk.failed", job_id=str(job_id), error=exc.code)
    except Exception:
        log.exception("jobs.chunk.failed", job_id=str(job_id))
    await _record_failure(db, job_id, holder)
    return False


async def _apply_next_chunk(
    session: AsyncSession, job_id: uuid.UUID, holder: str, kinds: Mapping[str, JobKind]
) -> bool:
    job = (
        await session.execute(select(Job).options(undefer(Job.params)).where(Job.id == job_id))
    ).scalar_one_or_none()
    if job is None or job.status != "running" or job.lease_holder != holder:
        return False
    kind = kinds.get(job.kind)
    if kind is None:
        raise UnknownJobKind()
    start, end = job.done, min(job.done + kind.chunk_size, job.total)
    now = utcnow()
    moved = await session.execute(
        update(Job)
        .where(
            Job.id == job.id, Job.done == start, Job.status == "running", Job.lease_holder == holder
        )
        .values(done=end, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # another process applied this chunk, or took the job over
        return False
    outcome = await kind.run_chunk(session, job, start, end) if end > start else ChunkOutcome()
    _add_outcome(job, outcome)
    job.done = end
    job.failures = 0
    job.updated_at = now
    job.lease_holder = job.lease_expires_at = None
    if end >= job.total:
        job.status = "succeeded"
        job.finished_at = now
    await session.flush()
    log.info(
        "jobs.chunk.applied",
        job_id=str(job.id),
        merchant_id=str(job.merchant_id),
        kind=job.kind,
        done=end,
        total=job.total,
    )
    return True


def _add_outcome(job: Job, outcome: ChunkOutcome) -> None:
    counters = dict(job.counters)
    for name, count in outcome.counts.items():
        counters[name] = counters.get(name, 0) + count
    job.counters = counters
    if not outcome.refusals:
        return
    kept = list(job.result.get("refusals", []))
    reasons = dict(job.result.get("refusal_reasons", {}))
    for refusal in outcome.refusals:
        reason = str(refusal.get("reason"))
        reasons[reason] = reasons.get(reason, 0) + 1
    kept += outcome.refusals[: KEPT_REFUSALS - len(kept)]
    job.result = {**job.result, "refusals": kept, "refusal_reasons": reasons}


def _held_by(job_id: uuid.UUID, holder: str):
    return and_(Job.id == job_id, Job.status == "running", Job.lease_holder == holder)


async def _finish_failed(db: Database, job_id: uuid.UUID, holder: str, error: str) -> None:
    async with db.transaction() as session:
        job = await _held_job(session, job_id, holder)
        if job is not None:
            _fail(job, error)


async def _record_failure(db: Database, job_id: uuid.UUID, holder: str) -> None:
    """Keep the lease until RETRY_AFTER, so nobody retries at once; fail after MAX_FAILURES."""
    async with db.transaction() as session:
        job = await _held_job(session, job_id, holder)
        if job is None:
            return
        job.failures += 1
        job.updated_at = utcnow()
        if job.failures >= MAX_FAILURES:
            _fail(job, UNEXPECTED_ERROR)
        else:
            job.lease_expires_at = job.updated_at + RETRY_AFTER


async def _held_job(session: AsyncSession, job_id: uuid.UUID, holder: str) -> Job | None:
    query = select(Job).where(_held_by(job_id, holder)).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def _fail(job: Job, error: str) -> None:
    job.status = "failed"
    job.error = error[:500]
    job.finished_at = job.updated_at = utcnow()
    job.lease_holder = job.lease_expires_at = None
    log.warning(
        "jobs.job.failed", job_id=str(job.id), merchant_id=str(job.merchant_id), error=error
    )
