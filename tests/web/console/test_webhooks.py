"""Webhook endpoints in the console (owner only): added with the events they hear, their
recent deliveries listed newest first, and a given-up delivery sent again while the owner
waits; through core.webhooks."""

from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from core.staff.models import Role
from core.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import merchant_with_key
from tests.web.console.staff import log_in, staff
from tests.webhooks.factories import deliveries, due_deliveries, endpoint
from tests.webhooks.shop_server import ShopServer


@pytest.fixture
def settings(settings):
    """The test shop listens on 127.0.0.1, which real endpoints may not use."""
    return settings.model_copy(update={"webhooks_allow_private": True})


@pytest_asyncio.fixture
async def shop():
    server = ShopServer()
    await server.start()
    yield server
    await server.stop()


async def _endpoints(db) -> list[WebhookEndpoint]:
    async with db.transaction(write=False) as session:
        return list(await session.scalars(select(WebhookEndpoint)))


async def _add(client, token: str, url: str, events: list[str]):
    _, response = await client.post(
        "/console/webhooks/", data={"csrf_token": token, "url": url, "events": events}
    )
    return response


async def _given_up(db, target: WebhookEndpoint) -> WebhookDelivery:
    await due_deliveries(db, target, 1, attempts=12, age=timedelta(hours=25))
    async with db.transaction() as session:
        await session.execute(update(WebhookDelivery).values(status="failed"))
    [delivery] = await deliveries(db, target.id)
    return delivery


async def test_an_endpoint_is_added_for_the_events_ticked(client, db, token, shop) -> None:
    url = shop.url("/hook")
    response = await _add(client, token, url, ["coupon.claimed", "points.earned"])
    assert response.status == 303
    [added] = await _endpoints(db)
    assert (added.url, added.event_types) == (url, ["coupon.claimed", "points.earned"])
    _, page = await client.get(response.headers["location"])
    assert added.secret in page.text and "Nothing sent yet" in page.text


async def test_a_bad_url_and_no_events_are_refused_beside_their_fields(client, db, token) -> None:
    response = await _add(client, token, "shop.example/hook", [])
    assert response.status == 422
    assert 'id="url-error"' in response.text and 'id="events-error"' in response.text
    assert 'value="shop.example/hook"' in response.text
    assert await _endpoints(db) == []


async def test_a_local_address_is_refused_beside_the_url_with_the_events_kept(
    app, client, db, token, settings
) -> None:
    app.ctx.settings = settings.model_copy(update={"webhooks_allow_private": False})
    response = await _add(client, token, "http://127.0.0.1:9/hook", ["coupon.redeemed"])
    assert response.status == 422
    assert 'id="url-error"' in response.text
    assert 'value="coupon.redeemed" checked' in response.text
    assert await _endpoints(db) == []


async def test_a_given_up_delivery_is_sent_again_and_then_delivered(
    client, db, merchant, token, shop
) -> None:
    target = await endpoint(db, merchant, shop.url("/hook"))
    delivery = await _given_up(db, target)
    _, page = await client.get(f"/console/webhooks/{target.id}")
    assert "Given up" in page.text and "HTTP 503" in page.text
    retry = f"/console/webhooks/{target.id}/deliveries/{delivery.id}/retry"
    _, response = await client.post(retry, data={"csrf_token": token})
    assert response.status == 303
    assert shop.paths() == ["/hook"]
    [sent] = await deliveries(db, target.id)
    assert (sent.status, sent.attempts) == ("succeeded", 13)
    _, page = await client.get(response.headers["location"])
    assert "your shop received it" in page.text
    _, again = await client.post(retry, data={"csrf_token": token})
    assert again.status == 409 and shop.paths() == ["/hook"]


async def test_a_retry_that_fails_again_stays_given_up(client, db, merchant, token, shop) -> None:
    shop.answers["/down"] = 500
    target = await endpoint(db, merchant, shop.url("/down"))
    delivery = await _given_up(db, target)
    _, response = await client.post(
        f"/console/webhooks/{target.id}/deliveries/{delivery.id}/retry",
        data={"csrf_token": token},
    )
    [sent] = await deliveries(db, target.id)
    assert (sent.status, sent.last_error) == ("failed", "HTTP 500")
    _, page = await client.get(response.headers["location"])
    assert "failed once more" in page.text


async def test_a_delivery_is_retried_only_through_its_own_endpoint_of_this_merchant(
    client, db, merchant, token, shop
) -> None:
    target = await endpoint(db, merchant, shop.url("/hook"))
    other = await endpoint(db, merchant, shop.url("/other"))
    stranger = await merchant_with_key(db, name="Other Shop")
    theirs = await _given_up(db, await endpoint(db, stranger[0], shop.url("/theirs")))
    delivery = await _given_up(db, target)  # every delivery is given up on
    for endpoint_id, delivery_id in [(other.id, delivery.id), (target.id, theirs.id)]:
        _, response = await client.post(
            f"/console/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry",
            data={"csrf_token": token},
        )
        assert response.status == 404 and "text/html" in response.headers["content-type"]
    assert shop.paths() == []
    [untouched] = await deliveries(db, target.id)
    assert (untouched.status, untouched.attempts) == ("failed", 12)


async def test_adding_an_endpoint_needs_the_csrf_token(client, db, token, shop) -> None:
    response = await _add(client, "forged", shop.url("/hook"), ["*"])
    assert response.status == 403
    assert await _endpoints(db) == []


@pytest.mark.parametrize("role", [Role.CASHIER, Role.MANAGER])
async def test_only_the_owner_sees_webhooks(client, db, merchant, role) -> None:
    await staff(db, merchant, role, "staff@shop.example")
    await log_in(client, "staff@shop.example")
    _, response = await client.get("/console/webhooks/")
    assert response.status == 403
