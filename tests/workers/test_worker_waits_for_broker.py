"""A worker started while RabbitMQ is unreachable waits for it, then relays and consumes."""

import asyncio
import contextlib
import signal
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlsplit
from uuid import uuid4

import pytest

from core.broker import RabbitBroker
from tests.fixtures.processes import CONFETTI, free_port
from tests.waiting import wait_until
from workers.registry import CONSUMERS

pytestmark = pytest.mark.rabbitmq


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


def _proxy_to(host: str, port: int):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))

    return handle


def _stats_rows(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return conn.execute("SELECT count(*) FROM daily_stats").fetchone()[0]


async def test_worker_started_before_the_broker_catches_up_once_it_is_up(
    env, amqp_url, tmp_path
) -> None:
    rabbit = urlsplit(amqp_url)
    port = free_port()
    namespace = f"test_{uuid4().hex[:12]}"
    late_url = amqp_url.replace(f"{rabbit.hostname}:{rabbit.port or 5672}", f"127.0.0.1:{port}")
    log = tmp_path / "worker.log"
    database = Path(env["CONFETTI_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))
    worker_env = {**env, "CONFETTI_BROKER_URL": late_url, "CONFETTI_BROKER_NAMESPACE": namespace}
    # The merchant.created event of the demo waits in the outbox for the broker.
    demo = await asyncio.create_subprocess_exec(
        CONFETTI, "demo", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert await demo.wait() == 0
    with log.open("w") as log_file:
        worker = await asyncio.create_subprocess_exec(
            CONFETTI, "worker", env=worker_env, stderr=log_file
        )
    proxy = None
    try:
        await wait_until(lambda: "worker.broker.unavailable" in log.read_text(), within=30)
        assert worker.returncode is None
        proxy = await asyncio.start_server(
            _proxy_to(rabbit.hostname, rabbit.port or 5672), "127.0.0.1", port
        )
        await wait_until(lambda: "worker.started" in log.read_text(), within=60)
        await wait_until(lambda: _stats_rows(database) > 0, within=30)
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        if proxy is not None:
            proxy.close()
        cleanup = RabbitBroker(amqp_url, namespace=namespace)
        await cleanup.connect()
        for consumer in CONSUMERS:
            await cleanup.declare_queue(consumer.name, consumer.topics)
        await cleanup.close()
        await cleanup.destroy()
