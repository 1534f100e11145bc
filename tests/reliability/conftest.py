"""Fault tests run the production shape, `confetti worker` on PostgreSQL and RabbitMQ (the
embedded-default test builds its own SQLite file), against the fake Telegram and WhatsApp
servers."""

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import aio_pika
import pytest
from aio_pika.exceptions import AMQPError
from yarl import URL

from core.broker import RabbitBroker
from core.settings import Settings
from tests.fixtures.services import unreachable
from workers.registry import QUEUE_NAMES


@pytest.fixture
def backend() -> str:
    """The `db` and `settings` fixtures on this session's PostgreSQL database, emptied."""
    return "postgres"


# How long a WhatsApp message a killed sender left in doubt waits for its status webhook before
# it is sent again: shorter than the dead sender's `chat.sender` lease, so the takeover, not
# this, sets the pace.
IN_DOUBT_SECONDS = 5


@pytest.fixture
async def worker_env(
    env: dict[str, str], settings: Settings, amqp_url: str, fake_telegram, fake_whatsapp
) -> AsyncIterator[dict[str, str]]:
    """What a `confetti worker` (or a `confetti serve --web-only` beside it) gets: the test's
    database, RabbitMQ under a namespace of its own (deleted afterwards), and the fake
    Telegram and WhatsApp servers."""
    namespace = f"test_{uuid4().hex[:12]}"
    yield {
        **env,
        "CONFETTI_DATABASE_URL": settings.database_url,
        "CONFETTI_BROKER_URL": amqp_url,
        "CONFETTI_BROKER_NAMESPACE": namespace,
        "CONFETTI_TELEGRAM_API_BASE": fake_telegram.base_url,
        "CONFETTI_WHATSAPP_API_BASE": f"{fake_whatsapp.base_url}/v21.0",
        "CONFETTI_CHAT_IN_DOUBT_SECONDS": str(IN_DOUBT_SECONDS),
    }
    cleanup = RabbitBroker(amqp_url, namespace=namespace)
    await cleanup.connect()
    for queue in QUEUE_NAMES:
        await cleanup.declare_queue(queue, ())
    await cleanup.close()
    await cleanup.destroy()


class RabbitControl:
    """The local RabbitMQ node through `rabbitmqctl`: its application stopped and started again
    while the Erlang node, and so every durable queue and persistent message, stays."""

    def __init__(self, amqp_url: str) -> None:
        self.amqp_url = amqp_url

    async def ctl(self, *args: str, within: float = 60) -> None:
        process = await asyncio.create_subprocess_exec(
            "rabbitmqctl", *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), within)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"rabbitmqctl {' '.join(args)} took over {within} s") from None
        assert process.returncode == 0, f"rabbitmqctl {' '.join(args)}: {output.decode()}"

    @asynccontextmanager
    async def stopped(self) -> AsyncIterator[None]:
        """RabbitMQ down for the body; always started again, and answering, afterwards (even
        if stopping it failed half-way)."""
        try:
            await self.ctl("stop_app")
            yield
        finally:
            await self.ctl("start_app")
            await self.answering()

    async def answering(self, within: float = 60) -> None:
        """Until the port accepts connections and the broker opens a channel."""
        async with asyncio.timeout(within):
            while True:
                try:
                    connection = await aio_pika.connect(self.amqp_url, timeout=2)
                    async with connection, connection.channel():
                        return
                except (OSError, AMQPError, TimeoutError):
                    await asyncio.sleep(0.2)


@pytest.fixture
def rabbitmq(amqp_url: str) -> RabbitControl:
    """The local RabbitMQ, to stop and start (skipped, or failed under CI=true, if
    `rabbitmqctl` cannot control the server the tests use)."""
    host = URL(amqp_url).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        unreachable("rabbitmqctl", f"RabbitMQ at {host} is not on this machine")
    if shutil.which("rabbitmqctl") is None:
        unreachable("rabbitmqctl", "not on PATH, so RabbitMQ cannot be restarted")
    try:
        status = subprocess.run(
            ["rabbitmqctl", "-q", "status"], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        unreachable("rabbitmqctl", "`rabbitmqctl status` did not answer within 60 s")
    if status.returncode != 0:
        reason = (status.stderr or status.stdout).strip().splitlines()[:1]
        unreachable("rabbitmqctl", f"`rabbitmqctl status` failed: {' '.join(reason)}")
    return RabbitControl(amqp_url)
