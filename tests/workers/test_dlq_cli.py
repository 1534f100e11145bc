"""`confetti dlq list|replay` against RabbitMQ, where dead letters outlive the process."""

import asyncio
from uuid import uuid4

import pytest
from click.testing import CliRunner

from core.broker import Message, RabbitBroker, Undeliverable
from tests.waiting import wait_until
from web.cli import main

pytestmark = pytest.mark.rabbitmq


async def test_dlq_lists_and_replays_dead_messages(amqp_url, monkeypatch) -> None:
    namespace = f"test_{uuid4().hex[:12]}"
    broker = RabbitBroker(amqp_url, namespace=namespace)
    await broker.connect()
    try:
        await _dead_letter_then_replay(broker, amqp_url, namespace, monkeypatch)
    finally:
        await broker.close()
        await broker.destroy()


async def _dead_letter_then_replay(broker, amqp_url, namespace, monkeypatch) -> None:
    async def refuse(message: Message) -> None:
        raise Undeliverable("not an event: test")

    subscription = await broker.subscribe("statistics", ["test.#"], refuse)
    await broker.publish("test.dead", b"{}", message_id="dead-1")

    async def dead() -> list[Message]:
        return await broker.dead_letters("statistics")

    await wait_until(dead)
    await subscription.stop()
    monkeypatch.setenv("CONFETTI_BROKER_URL", amqp_url)
    monkeypatch.setenv("CONFETTI_BROKER_NAMESPACE", namespace)
    monkeypatch.setenv("CONFETTI_SECRET_KEY", "k" * 40)
    runner = CliRunner()
    listed = await asyncio.to_thread(runner.invoke, main, ["dlq", "list", "--queue", "statistics"])
    assert listed.exit_code == 0, listed.output
    assert "dead-1\ttest.dead\t1\tnot an event: test" in listed.output
    replayed = await asyncio.to_thread(runner.invoke, main, ["dlq", "replay", "dead-1"])
    assert "Replayed 1 message(s)." in replayed.output
    assert await broker.dead_letters("statistics") == []
    refused = await asyncio.to_thread(runner.invoke, main, ["dlq", "replay"])
    assert refused.exit_code == 2
