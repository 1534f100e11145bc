"""RabbitMQ gone and back again while a worker relays and consumes 2,000 prize events, and while
the shop goes on taking plays: no event is lost, each has its effect once, and as no process
died, no chat message is sent twice. The outage is a TCP proxy cut between the worker and the
machine's RabbitMQ (its connections reset, new ones refused), never the shared server stopped."""

import pytest

from tests.reliability.prizes import (
    TelegramBot,
    assert_each_prize_delivered_once,
    open_shop,
    prize_messages,
    progress,
    settled,
    win_prizes,
)
from tests.reliability.processes import ON_POSTGRES, kill, start, stop, tail
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, ON_POSTGRES]
DURING_OUTAGE = 480  # prizes won while RabbitMQ is unreachable: they wait in the outbox


async def test_rabbitmq_restarted_mid_publish_loses_no_prize_and_notifies_each_once(
    db, fake_telegram, worker_env, amqp_url, rabbitmq_proxy, tmp_path
) -> None:
    shop = await open_shop(db, TelegramBot(fake_telegram))
    before, during = shop.copied_users[:-DURING_OUTAGE], shop.copied_users[-DURING_OUTAGE:]
    await win_prizes(db, shop, before)
    log = tmp_path / "worker.log"
    env = {**worker_env, "CONFETTI_BROKER_URL": rabbitmq_proxy.url(amqp_url)}
    worker = await start(env, log, "worker")
    try:
        # Some prizes through, the relay still publishing its backlog of a few hundred events.
        await wait_until(lambda: len(prize_messages(shop)) >= 50, within=90)
        async with rabbitmq_proxy.cut():
            at_stop = await progress(db, shop)
            await win_prizes(db, shop, during)
            await wait_until(lambda: "outbox.relay.failed" in log.read_text(), within=30)
        assert worker.returncode is None, tail(log)
        # 800 chats through one sender on a shared 2-core machine, every AMQP byte through
        # the proxy in this process: minutes when the machine is busy. A loss still fails
        # fast, as 30 s without progress.
        await settled(db, shop, logs=[log], within=240)
        duplicates = await assert_each_prize_delivered_once(db, shop, duplicates_allowed=0)
        print(f"RabbitMQ stopped at: {at_stop}; chat messages sent twice: {duplicates}")
        assert await stop(worker) == 0, tail(log)
    finally:
        await kill(worker)
