"""On every delivery the sender resolves the host itself, refuses it if any address it resolves
to is not public, and connects to the address it checked, keeping the name for Host and TLS."""

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.webhooks.delivery import deliver_due
from tests.factories import merchant_with_key
from tests.webhooks.certificates import contexts_for
from tests.webhooks.factories import (
    FakeResolver,
    deliveries,
    due_deliveries,
    endpoint,
    legacy_endpoint,
    sending_client,
)
from tests.webhooks.shop_server import ShopServer
from workers.webhooks import WebhookSender

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def refused_attempt(db, shop, url: str, *, resolve=None) -> str:
    """Deliver once to a legacy endpoint at `url` (its `{port}` the shop's); the shop must
    receive nothing. Returns the attempt's recorded error."""
    merchant, _ = await merchant_with_key(db)
    target = await legacy_endpoint(db, merchant, url.format(port=shop.port))
    await due_deliveries(db, target, 1)
    if resolve is None:  # the job's own sender, with its settings
        sender = WebhookSender(db.settings)
        try:
            assert await sender.send_due(db) == 1
        finally:
            await sender.close()
    else:
        async with sending_client(db, allow_private=False, resolve=resolve) as client:
            assert await deliver_due(db, client) == 1
    assert shop.received == []
    [delivery] = await deliveries(db)
    # Failed like any other attempt: retried later, given up after a day.
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > utcnow() + timedelta(seconds=5)
    return delivery.last_error


@SQLITE_ONLY
@pytest.mark.parametrize(
    "url",
    [
        "http://127.1:{port}/hook",
        "http://2130706433:{port}/hook",
        "http://0x7f000001:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://localhost:{port}/hook",
    ],
)
async def test_a_stored_url_on_a_loopback_form_is_refused_on_delivery(db, shop, url) -> None:
    error = await refused_attempt(db, shop, url)
    assert error.startswith("refused: ") and error.endswith("(loopback)"), error


@SQLITE_ONLY
async def test_a_name_that_resolves_to_loopback_is_refused_on_delivery(db, shop) -> None:
    dns = FakeResolver({"127.0.0.1.nip.io": ["127.0.0.1"]})
    error = await refused_attempt(db, shop, "http://127.0.0.1.nip.io:{port}/hook", resolve=dns)
    assert (
        error == "refused: 127.0.0.1.nip.io resolves to a non-public address 127.0.0.1 (loopback)"
    )


@SQLITE_ONLY
async def test_a_name_with_one_private_address_among_public_ones_is_refused(db, shop) -> None:
    dns = FakeResolver({"shop.example": ["93.184.215.14", "10.0.0.7"]})
    error = await refused_attempt(db, shop, "http://shop.example:{port}/hook", resolve=dns)
    assert "10.0.0.7 (private)" in error


@SQLITE_ONLY
@pytest.mark.parametrize(
    "address", ["100.64.0.1", "169.254.169.254", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "fe80::1"]
)
async def test_a_name_that_resolves_to_any_non_public_range_is_refused(db, shop, address) -> None:
    dns = FakeResolver({"shop.example": [address]})
    error = await refused_attempt(db, shop, "http://shop.example:{port}/hook", resolve=dns)
    assert error.startswith("refused: shop.example resolves to a non-public address")


@SQLITE_ONLY
async def test_delivery_connects_to_the_address_it_resolved_and_keeps_the_host(db, shop) -> None:
    # shop.example exists in no real DNS: reaching the shop proves the connection went to the
    # address the sender's own resolution gave, looked up once.
    dns = FakeResolver({"shop.example": ["127.0.0.1"]})
    merchant, _ = await merchant_with_key(db)
    target = await endpoint(db, merchant, f"http://shop.example:{shop.port}/hook")
    await due_deliveries(db, target, 1)
    async with sending_client(db, resolve=dns) as client:
        assert await deliver_due(db, client) == 1
    assert dns.asked == ["shop.example"]
    assert [r.headers["Host"] for r in shop.received] == [f"shop.example:{shop.port}"]


@SQLITE_ONLY
async def test_tls_is_verified_for_the_name_not_the_address_connected_to(db) -> None:
    server_tls, client_tls = contexts_for("shop.example")
    shop = ShopServer(ssl_context=server_tls)
    await shop.start()
    try:
        dns = FakeResolver({"shop.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
        merchant, _ = await merchant_with_key(db)
        good = await endpoint(db, merchant, shop.url("/good", host="shop.example"))
        wrong = await endpoint(db, merchant, shop.url("/wrong", host="other.example"))
        await due_deliveries(db, good, 1)
        await due_deliveries(db, wrong, 1)
        async with sending_client(db, resolve=dns, verify=client_tls) as client:
            assert await deliver_due(db, client) == 2
    finally:
        await shop.stop()
    assert shop.paths() == ["/good"]
    [delivered] = await deliveries(db, good.id)
    [refused] = await deliveries(db, wrong.id)
    assert delivered.status == "succeeded"
    assert "CERTIFICATE_VERIFY_FAILED" in refused.last_error
