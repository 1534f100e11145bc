"""`confetti dlq`: the consumers' dead-letter queues, listed and replayed."""

import asyncio

import click

from core.broker import REASON_HEADER, broker_from_url
from core.settings import Settings
from web.cli_settings import command_settings


@click.group()
def dlq() -> None:
    """Inspect and replay the dead-letter queues of the consumers."""


def _queues(name: str | None) -> list[str]:
    from workers.registry import QUEUE_NAMES

    names = list(QUEUE_NAMES)
    if name is not None and name not in names:
        raise click.BadParameter(f"one of: {', '.join(names)}", param_hint="--queue")
    return [name] if name else names


async def _with_broker(settings: Settings, action):
    broker = broker_from_url(settings.broker_url, namespace=settings.broker_namespace)
    await broker.connect()
    try:
        return await action(broker)
    finally:
        await broker.close()


@dlq.command("list")
@click.option("--queue", help="One consumer's queue (default: all).")
def dlq_list(queue: str | None) -> None:
    """Every dead message: queue, id, topic, failures and why."""
    settings = command_settings()
    queues = _queues(queue)

    async def run(broker) -> list[tuple[str, object]]:
        return [(name, m) for name in queues for m in await broker.dead_letters(name)]

    dead = asyncio.run(_with_broker(settings, run))
    for name, message in dead:
        reason = message.headers.get(REASON_HEADER, "failed every delivery")
        click.echo(f"{name}\t{message.id}\t{message.topic}\t{message.delivery_count}\t{reason}")
    click.echo(f"{len(dead)} dead message(s).", err=True)


@dlq.command("replay")
@click.argument("message_id", required=False)
@click.option("--all", "replay_all", is_flag=True, help="Replay every dead message.")
@click.option("--queue", help="One consumer's queue (default: all).")
def dlq_replay(message_id: str | None, replay_all: bool, queue: str | None) -> None:
    """Put a dead message (by id) or all of them back on their queue."""
    if bool(message_id) == replay_all:
        raise click.UsageError("give a message id or --all")
    settings = command_settings()
    queues = _queues(queue)

    async def run(broker) -> int:
        return sum([await broker.replay_dead_letters(name, message_id) for name in queues])

    moved = asyncio.run(_with_broker(settings, run))
    click.echo(f"Replayed {moved} message(s).")
