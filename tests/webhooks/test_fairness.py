"""Deliveries go out concurrently within bounds, endpoints and merchants in turn: one endpoint's
backlog or one merchant's many endpoints never keep another merchant waiting."""

from datetime import timedelta

from core.clock import utcnow
from core.webhooks.circuit import FAILURES_TO_OPEN
from core.webhooks.delivery import PER_ENDPOINT
from core.webhooks.models import WebhookEndpoint
from tests.factories import merchant_with_key
from tests.webhooks.factories import (
    InFlightGauge,
    deliver_all,
    deliveries,
    due_deliveries,
    endpoint,
    sending_client,
)


async def test_a_dead_endpoints_thousands_of_retries_do_not_delay_fresh_deliveries(
    db, shop
) -> None:
    stuck, _ = await merchant_with_key(db, name="Stuck")
    healthy, _ = await merchant_with_key(db, name="Healthy")
    shop.answers["/dead"] = 503
    dead = await endpoint(db, stuck, shop.url("/dead"))
    fresh = await endpoint(db, healthy, shop.url("/fresh"))
    await due_deliveries(db, dead, 3_000, attempts=3, age=timedelta(hours=1))
    await due_deliveries(db, fresh, 40)
    shop.hold(until_in_flight=2 * PER_ENDPOINT, or_received=2 * PER_ENDPOINT)
    async with sending_client(db) as client:
        await deliver_all(db, client)
        first_round = shop.paths()[: 2 * PER_ENDPOINT]
        assert sorted(first_round) == ["/dead"] * PER_ENDPOINT + ["/fresh"] * PER_ENDPOINT
    assert [d.status for d in await deliveries(db, fresh.id)] == ["succeeded"] * 40
    # Its circuit opened: no more than the attempts in flight when it did.
    assert shop.paths().count("/dead") < FAILURES_TO_OPEN + PER_ENDPOINT


async def test_a_merchant_with_many_busy_endpoints_leaves_room_for_another(db, shop) -> None:
    big, _ = await merchant_with_key(db, name="Big")
    small, _ = await merchant_with_key(db, name="Small")
    for number in range(40):
        await due_deliveries(db, await endpoint(db, big, shop.url(f"/big-{number}")), 2)
    smalls = await endpoint(db, small, shop.url("/small"))
    await due_deliveries(db, smalls, 1)
    async with db.transaction() as session:
        # Served a moment ago, after all of the big merchant's endpoints: by endpoint alone
        # it would wait for all forty of them.
        (await session.get(WebhookEndpoint, smalls.id)).last_attempt_at = utcnow()
    total = db.settings.webhook_concurrency
    shop.hold(until_in_flight=total, or_received=81)
    async with sending_client(db) as client:
        assert await deliver_all(db, client) == 81
    assert "/small" in shop.paths()[:total]


async def test_one_endpoint_never_has_more_than_its_share_in_flight(db, shop) -> None:
    merchant, _ = await merchant_with_key(db)
    await due_deliveries(db, await endpoint(db, merchant, shop.url("/busy")), 12)
    shop.hold(until_in_flight=PER_ENDPOINT, or_received=12)
    async with sending_client(db) as client:
        gauge = InFlightGauge(client)
        assert await deliver_all(db, client) == 12
    assert gauge.most_by_path["/busy"] == PER_ENDPOINT


async def test_no_more_than_the_total_are_in_flight_across_endpoints(db, shop) -> None:
    merchant, _ = await merchant_with_key(db)
    for number in range(10):
        await due_deliveries(db, await endpoint(db, merchant, shop.url(f"/shop-{number}")), 5)
    total = db.settings.webhook_concurrency
    # Held until the sender has as many in flight as it may, so that it does reach the bound.
    shop.hold(until_in_flight=total, or_received=50)
    async with sending_client(db) as client:
        gauge = InFlightGauge(client)
        assert await deliver_all(db, client) == 50
    assert len(shop.received) == 50
    assert gauge.most == total
    assert max(gauge.most_by_path.values()) <= PER_ENDPOINT
