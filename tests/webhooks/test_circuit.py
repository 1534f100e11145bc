"""An endpoint that keeps failing has its circuit opened: its deliveries wait unattempted for a
growing cool-off, then one is tried before the rest; the merchant sees it in the endpoint."""

from datetime import datetime, timedelta

from core.clock import utcnow
from core.webhooks.circuit import FAILURES_TO_OPEN, FIRST_COOL_OFF
from core.webhooks.delivery import PER_ENDPOINT, deliver_due
from core.webhooks.models import WebhookEndpoint
from tests.factories import bearer, merchant_with_key
from tests.webhooks.factories import deliveries, due_deliveries, endpoint, sending_client


async def circuit_of(client, key, endpoint_id) -> dict:
    _, response = await client.get(f"/api/v1/webhook-endpoints/{endpoint_id}", headers=bearer(key))
    assert response.status == 200, response.json
    return response.json["circuit"]


async def cool_off_passes(db, endpoint_id) -> None:
    async with db.transaction() as session:
        (await session.get(WebhookEndpoint, endpoint_id)).circuit_until = utcnow()


async def send(db) -> int:
    async with sending_client(db) as client:
        return await deliver_due(db, client)


async def failing_endpoint(db, shop, due: int):
    merchant, key = await merchant_with_key(db)
    shop.answers["/down"] = 503
    target = await endpoint(db, merchant, shop.url("/down"))
    await due_deliveries(db, target, due)
    return target, key


async def test_repeated_failures_open_the_circuit_and_its_deliveries_wait(client, db, shop) -> None:
    target, key = await failing_endpoint(db, shop, 30)
    await send(db)
    tried = len(shop.received)
    # Those already in flight when the circuit opened still finish.
    assert FAILURES_TO_OPEN <= tried < FAILURES_TO_OPEN + PER_ENDPOINT
    assert await send(db) == 0
    assert len(shop.received) == tried
    circuit = await circuit_of(client, key, target.id)
    assert (circuit["state"], circuit["consecutive_failures"]) == ("open", tried)
    assert utcnow() < datetime.fromisoformat(circuit["until"]) <= utcnow() + FIRST_COOL_OFF
    # Waiting behind the circuit spends none of a delivery's attempts.
    assert sum(d.attempts for d in await deliveries(db)) == tried
    assert sum(d.attempts == 0 for d in await deliveries(db)) == 30 - tried


async def test_after_the_cool_off_one_trial_failing_reopens_the_circuit_for_longer(
    client, db, shop
) -> None:
    target, key = await failing_endpoint(db, shop, 30)
    await send(db)
    tried = len(shop.received)
    await cool_off_passes(db, target.id)
    assert (await circuit_of(client, key, target.id))["state"] == "half_open"
    assert await send(db) == 1
    assert len(shop.received) == tried + 1
    async with db.transaction(write=False) as session:
        reopened = await session.get(WebhookEndpoint, target.id)
    assert reopened.circuit_state == "open"
    assert reopened.circuit_until - utcnow() > FIRST_COOL_OFF


async def test_after_the_cool_off_one_trial_succeeding_closes_the_circuit(client, db, shop) -> None:
    target, key = await failing_endpoint(db, shop, 30)
    await send(db)
    tried = len(shop.received)
    shop.answers["/down"] = 200
    await cool_off_passes(db, target.id)
    await send(db)
    circuit = await circuit_of(client, key, target.id)
    assert circuit == {"state": "closed", "until": None, "consecutive_failures": 0}
    # The trial and all that had waited went; those that had failed wait for their retry.
    statuses = [d.status for d in await deliveries(db)]
    assert (statuses.count("succeeded"), statuses.count("pending")) == (30 - tried, tried)


async def test_deliveries_behind_an_open_circuit_still_give_up_after_a_day(
    client, db, shop
) -> None:
    target, key = await failing_endpoint(db, shop, 10)
    await send(db)
    await due_deliveries(db, target, 1, age=timedelta(hours=24, minutes=1))
    await send(db)
    _, listed = await client.get(
        f"/api/v1/webhook-endpoints/{target.id}/deliveries", headers=bearer(key)
    )
    [expired] = [d for d in listed.json["items"] if d["status"] == "failed"]
    assert (expired["attempts"], expired["last_error"]) == (0, "gave up after 24 hours")
