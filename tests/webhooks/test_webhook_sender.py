"""The webhook job keeps one pooled client for the process: run after run, a shop's connection
is reused rather than opened again, and shutting down closes it."""

import pytest

from tests.factories import merchant_with_key
from tests.webhooks.factories import FakeResolver, due_deliveries, endpoint
from workers.webhooks import WebhookSender

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE_ONLY
async def test_two_runs_of_the_webhook_job_send_over_one_connection(db, shop) -> None:
    merchant, _ = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hook", host="shop.test"))
    # The sender resolves a name each time it opens a connection, and only then.
    resolver = FakeResolver({"shop.test": ["127.0.0.1"]})
    settings = db.settings.model_copy(update={"webhooks_allow_private": True})
    sender = WebhookSender(settings, resolve=resolver)
    try:
        for _ in range(2):
            await due_deliveries(db, target, 1)
            assert await sender.send_due(db) == 1
    finally:
        await sender.close()
    assert shop.paths() == ["/hook", "/hook"]
    assert resolver.asked == ["shop.test"]


@SQLITE_ONLY
async def test_the_webhook_sender_opens_a_new_client_after_it_was_closed(db, shop) -> None:
    merchant, _ = await merchant_with_key(db)
    target = await endpoint(db, merchant, shop.url("/hook", host="shop.test"))
    resolver = FakeResolver({"shop.test": ["127.0.0.1"]})
    settings = db.settings.model_copy(update={"webhooks_allow_private": True})
    sender = WebhookSender(settings, resolve=resolver)
    for _ in range(2):
        await due_deliveries(db, target, 1)
        assert await sender.send_due(db) == 1
        await sender.close()  # as at shutdown: its connection goes with it
    assert resolver.asked == ["shop.test", "shop.test"]
