import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.clock import utcnow
from core.coupons.schemas import IssueRequest
from core.coupons.service import ISSUE_JOB_KIND, issue_coupons_chunk, start_issue_job
from core.jobs.models import Job
from core.jobs.service import (
    MAX_FAILURES,
    JobKind,
    create_job,
    run_job_chunk,
    take_next_job,
)
from tests.factories import coupon_template, merchant_with_key
from tests.jobs.bulk import coupons_per_customer, load_job, many_customers
from tests.waiting import wait_until
from workers.jobs import JOB_KINDS, run_due_jobs

MINUTE = timedelta(minutes=1)
SMALL_CHUNKS = {ISSUE_JOB_KIND: replace(JOB_KINDS[ISSUE_JOB_KIND], chunk_size=50)}


class WorkerKilled(BaseException):
    """Stands for the process dying: nothing in the runner may catch or record it."""


async def _issue_job(db, count: int, **template_fields):
    merchant, _ = await merchant_with_key(db)
    template = await coupon_template(db, merchant, **template_fields)
    customers = await many_customers(db, merchant, count)
    async with db.transaction() as session:
        job = await start_issue_job(
            session, merchant.id, IssueRequest(template_id=template.id, customers=customers)
        )
    return job.id, template, customers


async def _drop_lease(db, job_id) -> None:
    """What the clock does to a dead worker's lease."""
    async with db.transaction() as session:
        await session.execute(
            update(Job).where(Job.id == job_id).values(lease_expires_at=utcnow() - MINUTE)
        )


async def test_a_job_resumes_after_a_crash_from_its_last_committed_chunk(db) -> None:
    job_id, template, customers = await _issue_job(db, 230)
    chunks_started = 0

    async def dies_in_the_second_chunk(session, job, start, end):
        nonlocal chunks_started
        chunks_started += 1
        outcome = await issue_coupons_chunk(session, job, start, end)
        if chunks_started == 2:  # its coupons are written, not yet committed
            raise WorkerKilled()
        return outcome

    crashing = {ISSUE_JOB_KIND: JobKind(ISSUE_JOB_KIND, dies_in_the_second_chunk, chunk_size=50)}
    with pytest.raises(WorkerKilled):
        await run_due_jobs(db, holder="worker-a", kinds=crashing)
    crashed = await load_job(db, job_id)
    assert (crashed.status, crashed.done, crashed.lease_holder) == ("running", 50, "worker-a")
    assert sum((await coupons_per_customer(db, template.id)).values()) == 50
    # Another worker leaves the job alone while the dead one's lease lasts, then carries on.
    assert await run_due_jobs(db, holder="worker-b", kinds=SMALL_CHUNKS) == 0
    await _drop_lease(db, job_id)
    assert await run_due_jobs(db, holder="worker-b", kinds=SMALL_CHUNKS) == 4
    finished = await load_job(db, job_id)
    assert (finished.status, finished.done, finished.counters) == (
        "succeeded",
        230,
        {"issued": 230, "refused": 0},
    )
    held = await coupons_per_customer(db, template.id)
    assert sorted(held) == customers and set(held.values()) == {1}


# PostgreSQL only: aiosqlite force-stops a connection cancelled mid-statement, and SQLite's
# write lock then lasts until that connection is garbage-collected, which no test should time.
# The crash test above covers both databases.
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_worker_cancelled_mid_job_leaves_every_position_issued_once(db) -> None:
    job_id, template, customers = await _issue_job(db, 300)
    first = asyncio.create_task(run_due_jobs(db, holder="worker-a", kinds=SMALL_CHUNKS))

    async def past_two_chunks() -> bool:
        return (await load_job(db, job_id)).done >= 100

    await wait_until(past_two_chunks)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await _drop_lease(db, job_id)
    await run_due_jobs(db, holder="worker-b", kinds=SMALL_CHUNKS)
    finished = await load_job(db, job_id)
    assert (finished.status, finished.counters["issued"]) == ("succeeded", 300)
    held = await coupons_per_customer(db, template.id)
    assert sorted(held) == customers and set(held.values()) == {1}


async def test_two_workers_racing_on_one_job_apply_each_chunk_exactly_once(db) -> None:
    job_id, template, customers = await _issue_job(db, 400)
    applied = await asyncio.gather(
        *(run_due_jobs(db, holder=f"worker-{n}", kinds=SMALL_CHUNKS) for n in range(2))
    )
    # One racer may stop early while the other holds the lease: whatever is left, in turn.
    while more := await run_due_jobs(db, holder="worker-0", kinds=SMALL_CHUNKS):
        applied.append(more)
    assert sum(applied) == 8
    finished = await load_job(db, job_id)
    assert (finished.status, finished.done, finished.counters["issued"]) == ("succeeded", 400, 400)
    held = await coupons_per_customer(db, template.id)
    assert sorted(held) == customers and set(held.values()) == {1}


async def test_a_worker_whose_lease_was_taken_over_applies_nothing(db) -> None:
    job_id, template, _ = await _issue_job(db, 120)
    assert await take_next_job(db, holder="worker-a", lease=MINUTE, kinds=SMALL_CHUNKS) == job_id
    await _drop_lease(db, job_id)
    assert await take_next_job(db, holder="worker-b", lease=MINUTE, kinds=SMALL_CHUNKS) == job_id
    results = await asyncio.gather(
        run_job_chunk(db, job_id, holder="worker-a", kinds=SMALL_CHUNKS),
        run_job_chunk(db, job_id, holder="worker-b", kinds=SMALL_CHUNKS),
        run_job_chunk(db, job_id, holder="worker-b", kinds=SMALL_CHUNKS),
    )
    assert sorted(results) == [False, False, True]
    job = await load_job(db, job_id)
    assert (job.done, job.lease_holder) == (50, None)
    assert sum((await coupons_per_customer(db, template.id)).values()) == 50


async def test_jobs_take_turns_chunk_by_chunk(db) -> None:
    first, _, _ = await _issue_job(db, 100)
    second, _, _ = await _issue_job(db, 100)
    order = [await take_next_job(db, holder="worker", lease=MINUTE, kinds=SMALL_CHUNKS)]
    await run_job_chunk(db, order[0], holder="worker", kinds=SMALL_CHUNKS)
    order.append(await take_next_job(db, holder="worker", lease=MINUTE, kinds=SMALL_CHUNKS))
    await run_job_chunk(db, order[1], holder="worker", kinds=SMALL_CHUNKS)
    order.append(await take_next_job(db, holder="worker", lease=MINUTE, kinds=SMALL_CHUNKS))
    assert order == [first, second, first]


async def test_a_job_whose_template_is_gone_fails_with_the_reason(db) -> None:
    merchant, _ = await merchant_with_key(db)
    async with db.transaction() as session:
        job = await create_job(
            session,
            merchant.id,
            kind=ISSUE_JOB_KIND,
            params={"template_id": "6f1c2b0e-8d1a-4c36-9a55-3f1f0b1e2a10", "customers": ["a"]},
            total=1,
            counters={"issued": 0, "refused": 0},
        )
    assert await run_due_jobs(db, holder="worker") == 0
    failed = await load_job(db, job.id)
    assert failed.status == "failed" and failed.error.startswith("template_not_found")
    assert failed.finished_at is not None and failed.lease_holder is None


async def test_unexpected_errors_are_retried_then_fail_the_job(db) -> None:
    job_id, _, _ = await _issue_job(db, 10)

    async def broken(session, job, start, end):
        raise RuntimeError("connection reset by peer, or a bug")

    kinds = {ISSUE_JOB_KIND: JobKind(ISSUE_JOB_KIND, broken)}
    assert await run_due_jobs(db, holder="worker", kinds=kinds) == 0
    waiting = await load_job(db, job_id)
    assert (waiting.status, waiting.failures) == ("running", 1)
    assert waiting.lease_expires_at > utcnow()  # not retried at once
    for _ in range(MAX_FAILURES - 1):
        await _drop_lease(db, job_id)
        await run_due_jobs(db, holder="worker", kinds=kinds)
    failed = await load_job(db, job_id)
    assert (failed.status, failed.done) == ("failed", 0)
    assert failed.error.startswith("internal_error") and "peer" not in failed.error


async def test_a_worker_leaves_a_job_of_a_kind_it_does_not_know_to_one_that_does(db) -> None:
    job_id, _, _ = await _issue_job(db, 40)
    older = {"some.other.kind": JOB_KINDS[ISSUE_JOB_KIND]}
    assert await run_due_jobs(db, holder="older-worker", kinds=older) == 0
    untouched = await load_job(db, job_id)
    assert (untouched.status, untouched.done, untouched.lease_holder) == ("queued", 0, None)
    assert await run_due_jobs(db, holder="newer-worker", kinds=SMALL_CHUNKS) == 1
    assert (await load_job(db, job_id)).status == "succeeded"
