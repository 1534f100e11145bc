"""Retrying a given-up delivery through the API: sent once more, now, and answered with how it
went; only through the delivery's own endpoint of the key's merchant."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.webhooks.models import WebhookDelivery
from tests.factories import bearer, merchant_with_key
from tests.webhooks.factories import deliveries, due_deliveries, endpoint

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def settings(settings):
    """The test shop listens on 127.0.0.1, which real endpoints may not use."""
    return settings.model_copy(update={"webhooks_allow_private": True})


async def _given_up(db, target) -> WebhookDelivery:
    await due_deliveries(db, target, 1, attempts=12, age=timedelta(hours=25))
    async with db.transaction() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == target.id)
            .values(status="failed")
        )
    [delivery] = await deliveries(db, target.id)
    return delivery


async def _retry(client, key: str, endpoint_id, delivery_id):
    path = f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"
    _, response = await client.post(path, headers=bearer(key))
    return response


async def test_a_given_up_delivery_is_sent_again_and_answered_delivered(db, client, shop) -> None:
    merchant, key = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hook"))
    delivery = await _given_up(db, target)
    response = await _retry(client, key, target.id, delivery.id)
    assert response.status == 200, response.text
    assert (response.json["status"], response.json["attempts"]) == ("succeeded", 13)
    assert shop.paths() == ["/hook"]
    again = await _retry(client, key, target.id, delivery.id)
    assert (again.status, again.json["error"]["code"]) == (409, "webhook_delivery_not_retryable")
    assert shop.paths() == ["/hook"]


async def test_a_delivery_of_another_endpoint_or_merchant_is_not_found(db, client, shop) -> None:
    merchant, key = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hook"))
    other = await endpoint(db, merchant, shop.url("/other"))
    stranger, _ = await merchant_with_key(db, name="Other Shop")
    theirs = await _given_up(db, await endpoint(db, stranger, shop.url("/theirs")))
    mine = await _given_up(db, target)
    for endpoint_id, delivery_id in [(other.id, mine.id), (target.id, theirs.id)]:
        response = await _retry(client, key, endpoint_id, delivery_id)
        assert (response.status, response.json["error"]["code"]) == (
            404,
            "webhook_delivery_not_found",
        )
    assert shop.paths() == []
    assert [d.status for d in await deliveries(db, target.id)] == ["failed"]
