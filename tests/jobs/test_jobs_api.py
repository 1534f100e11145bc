import uuid
from datetime import timedelta

from core.clock import utcnow
from core.jobs.service import create_job
from tests.factories import bearer, coupon_template, customer, merchant_with_key
from tests.jobs.bulk import coupons_per_customer, load_job, many_customers
from tests.waiting import wait_until
from workers.jobs import run_due_jobs
from workers.runtime import WorkerRuntime
from workers.schedules import SCHEDULED_JOBS

ISSUE = "/api/v1/coupons/issue"


async def _issue(client, key: str, template_id, customers: list[str]):
    body = {"template_id": str(template_id), "customers": customers}
    _, response = await client.post(ISSUE, headers=bearer(key), json=body)
    return response


async def test_issuing_to_2500_customers_is_a_job_that_issues_each_exactly_once(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant)
    customers = await many_customers(db, merchant, 2500)
    accepted = await _issue(client, key, template.id, customers)
    assert accepted.status == 202, accepted.text
    job = accepted.json
    assert accepted.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["kind"], job["status"], job["total"], job["done"]) == (
        "coupons.issue",
        "queued",
        2500,
        0,
    )
    assert (job["issued"], job["refused"]) == (0, 0)
    assert await run_due_jobs(db, holder="test-worker", budget_seconds=120) == 5
    _, followed = await client.get(accepted.headers["location"], headers=bearer(key))
    assert followed.status == 200
    finished = followed.json
    assert (finished["status"], finished["done"], finished["issued"], finished["refused"]) == (
        "succeeded",
        2500,
        2500,
        0,
    )
    assert finished["started_at"] and finished["finished_at"] and finished["error"] is None
    held = await coupons_per_customer(db, template.id)
    assert sorted(held) == customers and set(held.values()) == {1}


async def test_the_workers_schedule_runs_a_job_and_counts_refusals_when_stock_runs_out(
    client, db, settings, memory_broker
) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant, total_stock=1000)
    customers = await many_customers(db, merchant, 2500)
    accepted = await _issue(client, key, template.id, customers)
    assert accepted.status == 202, accepted.text
    job_id = uuid.UUID(accepted.json["id"])
    jobs_run = next(job for job in SCHEDULED_JOBS if job.name == "jobs.run")
    runtime = WorkerRuntime(settings, db, memory_broker, consumers=[], jobs=[jobs_run])
    await runtime.start()
    try:

        async def finished() -> bool:  # read the row: polling the API would starve the worker
            return (await load_job(db, job_id)).status == "succeeded"

        await wait_until(finished, within=120)
    finally:
        await runtime.stop()
    _, response = await client.get(accepted.headers["location"], headers=bearer(key))
    job = response.json
    assert (job["done"], job["issued"], job["refused"]) == (2500, 1000, 1500)
    assert job["result"]["refusal_reasons"] == {"out_of_stock": 1500}
    kept = job["result"]["refusals"]
    assert len(kept) == 100
    assert kept[0] == {"position": 1000, "customer": customers[1000], "reason": "out_of_stock"}
    held = await coupons_per_customer(db, template.id)
    assert sorted(held) == customers[:1000] and set(held.values()) == {1}


async def test_up_to_1000_customers_are_still_issued_in_the_request(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant)
    customers = await many_customers(db, merchant, 1000)
    response = await _issue(client, key, template.id, customers)
    assert response.status == 200, response.text
    assert (response.json["issued"], response.json["refused"]) == (1000, 0)
    assert len(response.json["outcomes"]) == 1000
    _, jobs = await client.get("/api/v1/jobs", headers=bearer(key))
    assert jobs.json == {"items": [], "next_cursor": None}


async def test_bad_issue_requests_are_refused_with_422(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    template = await coupon_template(db, merchant)
    too_many = [f"c{n}" for n in range(100_001)]
    for template_id, customers in (
        (template.id, []),
        (template.id, too_many),
        ("not-a-uuid", ["alice"]),
        (template.id, ["not an id!"]),
    ):
        response = await _issue(client, key, template_id, customers)
        assert response.status == 422, (template_id, len(customers), response.text)
        assert response.json["error"]["code"] == "validation_failed"


async def test_a_job_for_an_unknown_template_is_refused_with_404_before_it_is_queued(
    client, db
) -> None:
    _, key = await merchant_with_key(db)
    response = await _issue(client, key, uuid.uuid4(), [f"c{n}" for n in range(1001)])
    assert response.status == 404
    assert response.json["error"]["code"] == "template_not_found"
    _, jobs = await client.get("/api/v1/jobs", headers=bearer(key))
    assert jobs.json["items"] == []


async def test_another_merchants_job_is_not_found(client, db) -> None:
    owner, owner_key = await merchant_with_key(db, name="Owner")
    _, other_key = await merchant_with_key(db, name="Other")
    template = await coupon_template(db, owner)
    await customer(db, owner, "alice")
    accepted = await _issue(client, owner_key, template.id, ["alice"] * 1001)
    assert accepted.status == 202
    location = accepted.headers["location"]
    _, mine = await client.get(location, headers=bearer(owner_key))
    _, theirs = await client.get(location, headers=bearer(other_key))
    assert mine.status == 200
    assert theirs.status == 404 and theirs.json["error"]["code"] == "job_not_found"
    _, listed = await client.get("/api/v1/jobs", headers=bearer(other_key))
    assert listed.json["items"] == []


async def test_jobs_are_listed_newest_first_page_by_page(client, db) -> None:
    merchant, key = await merchant_with_key(db)
    start = utcnow()
    async with db.transaction() as session:
        created = []
        for minutes in range(3):
            job = await create_job(
                session,
                merchant.id,
                kind="coupons.issue",
                params={},
                total=1,
                counters={"issued": 0, "refused": 0},
            )
            job.created_at = start + timedelta(minutes=minutes)
            created.append(str(job.id))
    _, first = await client.get("/api/v1/jobs?limit=2", headers=bearer(key))
    assert [job["id"] for job in first.json["items"]] == created[:0:-1]
    cursor = first.json["next_cursor"]
    _, second = await client.get(f"/api/v1/jobs?limit=2&cursor={cursor}", headers=bearer(key))
    assert [job["id"] for job in second.json["items"]] == created[:1]
    assert second.json["next_cursor"] is None
    _, bad = await client.get("/api/v1/jobs?cursor=nonsense", headers=bearer(key))
    assert bad.status == 400 and bad.json["error"]["code"] == "invalid_cursor"
