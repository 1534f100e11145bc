"""Webhooks out: registered, queued once per event, signed, retried with backoff, given up
after a day, and shown to the merchant."""

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest

from core.clock import utcnow
from core.coupons.service import claim_coupon
from core.webhooks.delivery import SIGNATURE_HEADER, deliver_due
from core.webhooks.models import WebhookDelivery
from core.webhooks.schemas import EndpointCreate
from core.webhooks.service import create_endpoint, queue_deliveries
from tests.factories import bearer, coupon_template, customer, merchant_with_key
from tests.waiting import wait_until
from tests.webhooks.factories import deliveries, event
from workers.runtime import WorkerRuntime
from workers.schedules import PeriodicJob
from workers.webhooks import WEBHOOK_QUEUER

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


class FakeShop:
    """Records what the merchant's endpoint received; answers as told."""

    def __init__(self, answer=lambda request: httpx.Response(200)) -> None:
        self.received: list[httpx.Request] = []
        self.answer = answer
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self._handle))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        return self.answer(request)


async def endpoint_for(db, merchant, events=("coupon.claimed",)):
    async with db.transaction() as session:
        return await create_endpoint(
            session,
            merchant.id,
            EndpointCreate(url="https://shop.example/hooks", events=list(events)),
            allow_private=False,
        )


async def test_an_event_is_queued_once_for_each_interested_endpoint(db) -> None:
    merchant, _ = await merchant_with_key(db)
    other, _ = await merchant_with_key(db, name="Other")
    await endpoint_for(db, merchant)
    await endpoint_for(db, merchant, events=("points.earned",))
    await endpoint_for(db, other, events=("*",))
    claimed = event(merchant)
    for _ in range(2):  # a redelivered event queues nothing more
        async with db.transaction() as session:
            await queue_deliveries(session, claimed)
    queued = await deliveries(db)
    assert [(d.event_type, d.merchant_id) for d in queued] == [("coupon.claimed", merchant.id)]


async def test_delivery_is_signed_and_recorded(db) -> None:
    merchant, _ = await merchant_with_key(db)
    endpoint = await endpoint_for(db, merchant)
    async with db.transaction() as session:
        await queue_deliveries(session, event(merchant))
    shop = FakeShop()
    assert await deliver_due(db, shop.client) == 1
    request = shop.received[0]
    timestamp, signature = request.headers[SIGNATURE_HEADER].split(",")
    signed = f"{timestamp.removeprefix('t=')}.{request.content.decode()}"
    expected = hmac.new(endpoint.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"
    assert json.loads(request.content)["type"] == "coupon.claimed"
    [delivery] = await deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert await deliver_due(db, shop.client) == 0


async def test_failures_back_off_and_give_up_after_a_day(db) -> None:
    merchant, _ = await merchant_with_key(db)
    await endpoint_for(db, merchant)
    async with db.transaction() as session:
        await queue_deliveries(session, event(merchant))
    failing = FakeShop(lambda request: httpx.Response(503))
    await deliver_due(db, failing.client)
    [delivery] = await deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 503")
    assert delivery.next_attempt_at - utcnow() > timedelta(seconds=5)
    assert await deliver_due(db, failing.client) == 0  # not due yet
    async with db.transaction() as session:
        row = await session.get(WebhookDelivery, delivery.id)
        row.next_attempt_at = utcnow()
        # Its last attempt within the day: the next wait would pass the day, so it gives up.
        row.created_at = utcnow() - timedelta(hours=23, minutes=59, seconds=50)

    def timing_out(request):
        raise httpx.ReadTimeout("too slow", request=request)

    await deliver_due(db, FakeShop(timing_out).client)
    [delivery] = await deliveries(db)
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.last_error.startswith("ReadTimeout")


@SQLITE_ONLY
async def test_claiming_a_coupon_reaches_the_shop_through_the_workers(
    client, db, settings, memory_broker
) -> None:
    merchant, key = await merchant_with_key(db)
    await customer(db, merchant, "alice")
    template = await coupon_template(db, merchant)
    _, created = await client.post(
        "/api/v1/webhook-endpoints",
        headers=bearer(key),
        json={"url": "https://shop.example/hooks", "events": ["coupon.claimed"]},
    )
    assert created.status == 201 and created.json["secret"].startswith("whsec_")
    shop = FakeShop()
    sender = PeriodicJob("webhooks.send", 0.02, lambda db: deliver_due(db, shop.client))
    runtime = WorkerRuntime(settings, db, memory_broker, consumers=[WEBHOOK_QUEUER], jobs=[sender])
    await runtime.start()
    try:
        async with db.transaction() as session:
            await claim_coupon(session, merchant.id, template.id, "alice")

        async def delivered() -> bool:
            return [d.status for d in await deliveries(db)] == ["succeeded"]

        await wait_until(delivered)
    finally:
        await runtime.stop()
    _, listed = await client.get(
        f"/api/v1/webhook-endpoints/{created.json['id']}/deliveries", headers=bearer(key)
    )
    assert [(d["event_type"], d["status"]) for d in listed.json["items"]] == [
        ("coupon.claimed", "succeeded")
    ]
