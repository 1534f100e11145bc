"""What an endpoint hears of: nothing from before it was registered, nothing more once it is
deleted, and nothing lost when the worker sending to it dies."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from core.coupons.service import claim_coupon
from core.events.models import ProcessedEvent
from core.webhooks.delivery import deliver_due
from core.webhooks.models import WebhookDelivery
from core.webhooks.service import queue_deliveries
from tests.factories import bearer, coupon_template, customer, merchant_with_key
from tests.waiting import wait_until
from tests.webhooks.factories import deliveries, due_deliveries, endpoint, event, sending_client
from workers.runtime import WorkerRuntime
from workers.webhooks import WEBHOOK_QUEUER

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def register(client, key, url="https://shop.example/hooks"):
    _, response = await client.post(
        "/api/v1/webhook-endpoints", headers=bearer(key), json={"url": url, "events": ["*"]}
    )
    assert response.status == 201, response.json
    return response.json


async def test_an_endpoint_never_hears_of_an_event_from_before_it_was_registered(
    client, db
) -> None:
    merchant, key = await merchant_with_key(db)
    earlier = event(merchant, occurred_at=utcnow() - timedelta(seconds=1))
    created = await register(client, key)
    later = event(merchant)
    for occurred in (earlier, later):
        async with db.transaction() as session:
            await queue_deliveries(session, occurred)
    assert [d.event_id for d in await deliveries(db)] == [later.id]
    assert created["circuit"] == {"state": "closed", "until": None, "consecutive_failures": 0}


@SQLITE_ONLY
async def test_an_event_still_in_the_outbox_is_not_sent_to_an_endpoint_registered_after_it(
    client, db, settings, memory_broker
) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    template = await coupon_template(db, merchant)
    async with db.transaction() as session:
        await claim_coupon(session, merchant.id, template.id, "alice")
    await register(client, key)
    runtime = WorkerRuntime(settings, db, memory_broker, consumers=[WEBHOOK_QUEUER], jobs=[])
    await runtime.start()
    try:

        async def queuer_had_it() -> bool:
            async with db.transaction(write=False) as session:
                query = select(ProcessedEvent).where(ProcessedEvent.consumer == "webhooks")
                return (await session.scalars(query)).first() is not None

        await wait_until(queuer_had_it)
    finally:
        await runtime.stop()
    assert await deliveries(db) == []


async def test_deleting_an_endpoint_cancels_what_it_has_not_received(client, db, shop) -> None:
    merchant, key = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hooks"))
    await due_deliveries(db, target, 1)
    async with sending_client(db) as sender:
        assert await deliver_due(db, sender) == 1
    await due_deliveries(db, target, 2)
    _, deleted = await client.delete(f"/api/v1/webhook-endpoints/{target.id}", headers=bearer(key))
    assert (deleted.status, deleted.json["active"]) == (200, False)
    async with sending_client(db) as sender:
        assert await deliver_due(db, sender) == 0
    assert len(shop.received) == 1
    _, listed = await client.get(
        f"/api/v1/webhook-endpoints/{target.id}/deliveries", headers=bearer(key)
    )
    assert sorted(d["status"] for d in listed.json["items"]) == [
        "cancelled",
        "cancelled",
        "succeeded",
    ]


async def test_deliveries_leased_by_a_worker_that_dies_are_sent_once_the_lease_lapses(
    db, shop
) -> None:
    merchant, _ = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hooks"))
    await due_deliveries(db, target, 3)
    shop.hold(until_in_flight=10, or_received=10)  # never answers: the worker dies first
    async with sending_client(db) as sender:
        dying = asyncio.create_task(deliver_due(db, sender))
        await wait_until(lambda: len(shop.received) == 3)
        dying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dying
    leased = await deliveries(db)
    assert [(d.status, d.attempts) for d in leased] == [("pending", 0)] * 3
    assert all(d.next_attempt_at > utcnow() for d in leased)
    async with db.transaction() as session:  # two minutes later
        await session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
    shop.hold(until_in_flight=1, or_received=1)
    async with sending_client(db) as sender:
        assert await deliver_due(db, sender) == 3
    assert [d.status for d in await deliveries(db)] == ["succeeded"] * 3


@SQLITE_ONLY
async def test_openapi_documents_cancelled_deliveries_and_the_endpoint_circuit(client) -> None:
    _, response = await client.get("/api/v1/openapi.json")
    schemas = response.json["components"]["schemas"]
    assert "cancelled" in schemas["DeliveryOut"]["properties"]["status"]["enum"]
    assert "circuit" in schemas["EndpointOut"]["required"]
    assert (
        "404"
        in response.json["paths"]["/api/v1/webhook-endpoints/{endpoint_id}"]["get"]["responses"]
    )
