"""The embedded default, `confetti serve` on SQLite with the in-process broker (relay, consumers
and chat sender in the web process), killed with SIGKILL in the middle of 2,000 prize events and
started again: no event is lost, each has its effect once."""

from pathlib import Path

from core.db import Database
from tests.fixtures.databases import make_settings
from tests.fixtures.processes import free_port
from tests.reliability.prizes import (
    SENDER_IN_FLIGHT,
    TelegramBot,
    assert_each_prize_delivered_once,
    open_shop,
    prize_messages,
    progress,
    settled,
    win_prizes,
)
from tests.reliability.processes import kill, start_serving, stop, tail
from tests.waiting import wait_until


async def test_serve_killed_mid_batch_loses_no_prize_and_notifies_each_once(
    env, fake_telegram, tmp_path: Path
) -> None:
    env = {**env, "CONFETTI_TELEGRAM_API_BASE": fake_telegram.base_url}
    db = Database(make_settings(tmp_path, env["CONFETTI_DATABASE_URL"]))
    first_log, second_log = tmp_path / "serve-1.log", tmp_path / "serve-2.log"
    first = second = None
    try:
        shop = await open_shop(db, TelegramBot(fake_telegram))
        await win_prizes(db, shop)
        first = await start_serving(env, free_port(), first_log)
        await wait_until(lambda: len(prize_messages(shop)) >= 200, within=90)
        await kill(first)
        at_kill = await progress(db, shop)
        assert at_kill.notified < len(shop.users), f"too late: {at_kill}"
        second = await start_serving(env, free_port(), second_log)
        # One SQLite process relays, consumes and sends all at once: the catch-up runs at
        # 20-30 messages a second, so only the stall check (30 s without progress) is tight.
        await settled(db, shop, logs=[first_log, second_log], within=240)
        duplicates = await assert_each_prize_delivered_once(
            db, shop, duplicates_allowed=SENDER_IN_FLIGHT
        )
        print(f"killed at: {at_kill}; chat messages sent twice after the restart: {duplicates}")
        assert await stop(second) == 0, tail(second_log)
    finally:
        for process in (first, second):
            if process is not None:
                await kill(process)
        await db.dispose()
