"""A `confetti worker` killed with SIGKILL in the middle of a batch of prize events (800 on
Telegram, 400 on WhatsApp), then replaced: no event is lost, each has its effect once.

The chat messages the dead worker had in flight are where the channels differ. Telegram cannot
say whether one went, so it may arrive twice. Meta's status webhooks (reaching a `confetti serve
--web-only` beside the workers, as in production) say which WhatsApp messages went, so on
WhatsApp each customer gets the prize message exactly once.
"""

import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from core.channels.models import OutgoingMessage
from core.db import Database
from tests.fixtures.processes import free_port
from tests.reliability.prizes import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    SENDER_IN_FLIGHT,
    Shop,
    TelegramBot,
    WhatsAppNumber,
    assert_each_prize_delivered_once,
    in_doubt,
    open_shop,
    prize_messages,
    progress,
    settled,
    win_prizes,
)
from tests.reliability.processes import ON_POSTGRES, kill, start, start_serving, stop, tail
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, ON_POSTGRES]
# Meta reports a message's status a moment after accepting it, not in the same breath.
STATUS_DELAY = 0.5
# Half as many customers on WhatsApp: a message costs more there (a commit before the send, two
# status webhooks handled by a second process), and those in doubt at the kill are at most the
# sender's messages in flight, however many more wait.
WHATSAPP_CUSTOMERS = 400
# Prize messages received before the kill: enough that the relay, the consumers and the sender
# all have work in hand, few enough that most of the batch is still to come.
KILL_AT = 100


async def test_worker_killed_mid_batch_loses_no_prize_and_notifies_each_once(
    db, fake_telegram, worker_env, tmp_path
) -> None:
    shop = await open_shop(db, TelegramBot(fake_telegram))
    await kill_worker_mid_batch(db, shop, worker_env, tmp_path, duplicates_allowed=SENDER_IN_FLIGHT)


async def test_worker_killed_mid_batch_sends_each_whatsapp_prize_exactly_once(
    db, fake_whatsapp, worker_env, tmp_path
) -> None:
    shop = await open_shop(db, WhatsAppNumber(fake_whatsapp), customers=WHATSAPP_CUSTOMERS)
    port, web_log = free_port(), tmp_path / "web.log"
    web = await start_serving(worker_env, port, web_log, "--web-only")
    try:
        webhook = f"http://127.0.0.1:{port}/webhooks/whatsapp/{shop.account_id}"
        fake_whatsapp.report_statuses({PHONE_NUMBER_ID: webhook}, APP_SECRET, delay=STATUS_DELAY)
        await kill_worker_mid_batch(
            db, shop, worker_env, tmp_path, duplicates_allowed=0, beside=[web_log]
        )
        # Each message went with its own row's tag, which its status webhooks echoed back.
        async with db.transaction(write=False) as session:
            ids = (await session.execute(select(OutgoingMessage.id))).scalars().all()
        tags = Counter(call.body.get("biz_opaque_callback_data") for call in fake_whatsapp.sent())
        assert tags == Counter(f"confetti:{id}" for id in ids)
        await wait_until(
            lambda: all(report.outcome != "pending" for report in fake_whatsapp.reports),
            within=30,
        )
        refused = Counter(
            str(report.answers) for report in fake_whatsapp.reports if report.outcome != "delivered"
        )
        assert not refused, f"status webhooks the web process never accepted: {refused}"
        assert "chat_sender." not in web_log.read_text(), "the web process sent chat messages"
        assert await stop(web) == 0, tail(web_log)
    finally:
        await kill(web)


async def kill_worker_mid_batch(
    db: Database,
    shop: Shop,
    env: dict[str, str],
    tmp_path: Path,
    *,
    duplicates_allowed: int,
    beside: Sequence[Path] = (),
) -> None:
    """Every customer wins; a worker starts on the backlog, is killed mid-batch, and another
    takes over. Asserts each prize reached its chat, with at most `duplicates_allowed` repeats.
    `beside`: the logs of other processes running meanwhile, shown if it does not settle."""
    await win_prizes(db, shop)
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = await start(env, first_log, "worker")
    second, started = None, time.monotonic()
    try:
        # Mid-batch: the relay, the consumers and the sender all have work in hand.
        await wait_until(lambda: len(prize_messages(shop)) >= KILL_AT, within=90)
        await kill(first)
        doubt = await in_doubt(db, shop)  # first: a status webhook may settle one any moment
        at_kill, killed = await progress(db, shop), time.monotonic()
        print(
            f"\n{shop.chat.channel} worker killed after {killed - started:.0f} s at: {at_kill}; "
            f"{doubt}"
        )
        assert at_kill.notified < len(shop.users), f"too late: {at_kill}"
        # The replacement relays what is left, gets what the dead one held unacked back from
        # RabbitMQ, and sends once the dead one's `chat.sender` lease lapses (20 s).
        second = await start(env, second_log, "worker")
        # Its start alone (importing aiogram's types is seconds of CPU) may take longer than
        # the stall check allows on a loaded machine: the check counts from its start.
        await wait_until(lambda: "worker.started" in second_log.read_text(), within=120)
        await settled(db, shop, logs=[*beside, first_log, second_log])
        duplicates = await assert_each_prize_delivered_once(
            db, shop, duplicates_allowed=duplicates_allowed
        )
        print(
            f"settled {time.monotonic() - killed:.0f} s after the kill; "
            f"chat messages sent twice after the takeover: {duplicates}"
        )
        assert await stop(second) == 0, tail(second_log)
    finally:
        await kill(first)
        if second is not None:
            await kill(second)
