"""RabbitMQ unreachable for `OUTAGE_SECONDS` while customers keep playing through the API: a
TCP proxy between the processes and the machine's RabbitMQ resets their connections and refuses
new ones, the shared server itself never stops. Every play is answered, its events wait in the
outbox, and once the broker is back each prize reaches its chat once."""

import asyncio
import time
from dataclasses import dataclass, replace

import httpx
import pytest

from core.db import Database
from tests.factories import bearer
from tests.fixtures.processes import free_port
from tests.fixtures.tcp_proxy import TcpProxy
from tests.reliability.prizes import (
    REAL_PLAYS,
    Shop,
    TelegramBot,
    assert_each_prize_delivered_once,
    open_shop,
    prize_messages,
    progress,
    settled,
)
from tests.reliability.processes import ON_POSTGRES, answering, kill, start, stop, tail
from tests.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, ON_POSTGRES]
OUTAGE_SECONDS = 30
CLIENTS = 2  # customers playing at once, each one after another
PLAYS_PER_SECOND = 6  # at most, whatever the machine: a busy one answers fewer
AFTER_SECONDS = 3  # plays go on this long once RabbitMQ is back
# More than the clients can play through (the wait for the first prizes, the outage, the
# seconds after it): only those who played count.
CUSTOMERS = REAL_PLAYS + PLAYS_PER_SECOND * (OUTAGE_SECONDS + 60)


@dataclass(frozen=True)
class Answer:
    user: int
    status: int
    at: float  # time.monotonic() when it came


async def play_until_won(client: httpx.AsyncClient, shop: Shop, user: int) -> Answer:
    """A customer's tries through the API until one wins the prize (or one is refused)."""
    while True:
        response = await client.post(
            f"/api/v1/activities/{shop.activity_id}/play", json={"customer": f"telegram:{user}"}
        )
        won = response.status_code == 200 and not response.json()["prize"]["consolation"]
        if won or response.status_code != 200:
            return Answer(user, response.status_code, time.monotonic())


async def play_until(stopping: asyncio.Event, client: httpx.AsyncClient, shop: Shop):
    """`CLIENTS` at once, each playing for the next customer who has not, until `stopping`;
    together no more than `PLAYS_PER_SECOND`."""
    waiting, answers = iter(shop.copied_users), []
    turn = CLIENTS / PLAYS_PER_SECOND  # each client's seconds per play, at the most

    async def one_client() -> None:
        while not stopping.is_set():
            began = time.monotonic()
            answers.append(await play_until_won(client, shop, next(waiting)))
            await asyncio.sleep(max(0.0, began + turn - time.monotonic()))  # the load's pace

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return answers


async def test_rabbitmq_unreachable_30_s_under_load_answers_every_play_and_notifies_each_once(
    db: Database, fake_telegram, worker_env, amqp_url, rabbitmq_proxy: TcpProxy, tmp_path
) -> None:
    began = time.monotonic()
    env = {**worker_env, "CONFETTI_BROKER_URL": rabbitmq_proxy.url(amqp_url)}
    port, web_log, worker_log = free_port(), tmp_path / "web.log", tmp_path / "worker.log"
    # Both start (seconds of imports) while the shop is made.
    web = await start(env, web_log, "serve", "--port", str(port), "--web-only")
    worker = await start(env, worker_log, "worker")
    try:
        shop = await open_shop(db, TelegramBot(fake_telegram), customers=CUSTOMERS)
        await answering(web, port, web_log)
        # Starting takes seconds of CPU: on a loaded machine, a minute or more.
        await wait_until(lambda: "worker.started" in worker_log.read_text(), within=120)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(
            base_url=base, headers=bearer(shop.api_key), timeout=30
        ) as client:
            stopping = asyncio.Event()
            load = asyncio.create_task(play_until(stopping, client, shop))
            # Prizes flowing through RabbitMQ to the chats before it goes.
            await wait_until(lambda: len(prize_messages(shop)) >= REAL_PLAYS + 10, within=60)
            async with rabbitmq_proxy.cut():
                cut_at = time.monotonic()
                await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for a state
                at_restore, restored_at = await progress(db, shop), time.monotonic()
            await asyncio.sleep(AFTER_SECONDS)
            stopping.set()
            answers = await load
        assert "outbox.relay.failed" in worker_log.read_text(), "the relay never saw it go"
        assert worker.returncode is None and web.returncode is None, tail(worker_log)

        during = [answer for answer in answers if cut_at <= answer.at <= restored_at]
        refused = [answer for answer in answers if answer.status != 200]
        assert not refused, f"{len(refused)} plays refused, the first: {refused[0]}"
        assert len(during) >= CLIENTS, f"only {len(during)} plays answered during the outage"
        # Each play answered meanwhile left its `prize.won` (and `activity.played`) there.
        assert at_restore.outbox >= len(during), f"the outbox did not hold: {at_restore}"
        # From here on, the shop's customers are those who won: the first ones and the players.
        players = sorted(answer.user for answer in answers)
        shop = replace(shop, users=(*shop.users[:REAL_PLAYS], *players))
        await settled(db, shop, logs=[worker_log, web_log], within=90)
        await assert_each_prize_delivered_once(db, shop, duplicates_allowed=0)
        print(
            f"\n{len(during)} plays answered while RabbitMQ was unreachable; at restore: "
            f"{at_restore}; settled {time.monotonic() - restored_at:.1f} s after it, "
            f"{time.monotonic() - began:.0f} s in all"
        )
        assert await stop(worker) == 0, tail(worker_log)
        assert await stop(web) == 0, tail(web_log)
    finally:
        await kill(worker)
        await kill(web)
