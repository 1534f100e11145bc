"""A `confetti worker` killed with SIGKILL in the middle of 2,000 prize events, then replaced:
no event is lost, each has its effect once."""

import pytest

from tests.reliability.prizes import (
    SENDER_IN_FLIGHT,
    assert_each_prize_delivered_once,
    open_shop,
    prize_messages,
    progress,
    settled,
    win_prizes,
)
from tests.reliability.processes import kill, start, stop, tail
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]


async def test_worker_killed_mid_batch_loses_no_prize_and_notifies_each_once(
    db, fake_telegram, worker_env, tmp_path
) -> None:
    shop = await open_shop(db, fake_telegram)
    await win_prizes(db, shop)
    first_log, second_log = tmp_path / "worker-1.log", tmp_path / "worker-2.log"
    first = await start(worker_env, first_log, "worker")
    second = None
    try:
        # Mid-batch: the relay, the consumers and the sender all have work in hand.
        await wait_until(lambda: len(prize_messages(fake_telegram)) >= 200, within=90)
        await kill(first)
        at_kill = await progress(db, fake_telegram)
        assert at_kill.notified < len(shop.users), f"too late: {at_kill}"
        # The replacement relays what is left, gets what the dead one held unacked back from
        # RabbitMQ, and sends once the dead one's `chat.sender` lease lapses (20 s).
        second = await start(worker_env, second_log, "worker")
        await settled(db, fake_telegram, shop, logs=[first_log, second_log])
        duplicates = await assert_each_prize_delivered_once(
            db, fake_telegram, shop, duplicates_allowed=SENDER_IN_FLIGHT
        )
        print(f"killed at: {at_kill}; chat messages sent twice after the takeover: {duplicates}")
        assert await stop(second) == 0, tail(second_log)
    finally:
        await kill(first)
        if second is not None:
            await kill(second)
