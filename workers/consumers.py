"""A consumer: a named queue, the event topics it wants, and what it does with each event.

`deliver` gives each consumer exactly-once effect over at-least-once delivery: the handler runs in
the same transaction that records the event as processed for that consumer, so a redelivered or
duplicated event finds the record and does nothing.

A handler that needs an answer from the network to decide raises `AskFirst`: the transaction
rolls back, the question is asked with no transaction open (no lock waits on a remote server;
on SQLite that would be the database's one write lock), and the handler runs again.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from core.broker import Broker, Message, Subscription, Undeliverable
from core.db import Database
from core.events.service import EventEnvelope, claim_event, parse_envelope

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
MAX_QUESTIONS = 3  # per delivery; a handler asking more is a bug, retried like any failure


class AskFirst(Exception):
    """Raised by a handler: await `ask()` outside any transaction, then run me again."""

    def __init__(self, ask: Callable[[], Awaitable[None]]) -> None:
        super().__init__("the handler needs an answer from outside first")
        self.ask = ask


@dataclass(frozen=True)
class Consumer:
    name: str
    topics: tuple[str, ...]
    handle: EventHandler


async def deliver(db: Database, consumer: Consumer, message: Message) -> bool:
    """Apply one message; False when this consumer had already processed its event."""
    try:
        envelope = parse_envelope(message.body)
    except ValidationError as exc:
        # Not our schema: no retry will help, so straight to the dead-letter queue.
        raise Undeliverable(f"not an event: {exc.errors()[0]['msg']}") from None
    for _ in range(MAX_QUESTIONS):
        try:
            async with db.transaction() as session:
                if not await claim_event(session, consumer.name, envelope.id):
                    return False
                await consumer.handle(session, envelope)
            return True
        except AskFirst as question:
            await question.ask()
    raise RuntimeError(f"{consumer.name} asked more than {MAX_QUESTIONS} questions for one event")


async def declare_queues(broker: Broker, consumers: Sequence[Consumer]) -> None:
    for consumer in consumers:
        await broker.declare_queue(consumer.name, consumer.topics)


async def subscribe_all(
    db: Database,
    broker: Broker,
    consumers: Sequence[Consumer],
    *,
    max_deliveries: int,
    retry_delay: float,
) -> list[Subscription]:
    subscriptions = []
    for consumer in consumers:

        async def handle(message: Message, consumer: Consumer = consumer) -> None:
            await deliver(db, consumer, message)

        subscriptions.append(
            await broker.subscribe(
                consumer.name,
                consumer.topics,
                handle,
                max_deliveries=max_deliveries,
                retry_delay=retry_delay,
            )
        )
    return subscriptions
