"""Events reach consumers exactly once through the outbox, relay and broker: on every database
and every broker, through duplicates, retries, concurrent relays and rolled-back transactions."""

import asyncio
import contextlib
import uuid

import pytest
from sqlalchemy import func, select

from core.broker import Message
from core.broker.errors import BrokerUnavailable
from core.events.models import OutboxEntry
from core.events.service import EventEnvelope, record_event
from tests.factories import merchant_with_key
from tests.waiting import wait_until
from workers.consumers import Consumer, deliver
from workers.relay import OutboxRelay
from workers.runtime import WorkerRuntime


class Recorder:
    """A consumer whose effect is remembering which events it saw."""

    def __init__(self, topics: tuple[str, ...] = ("test.#",), fail_first: int = 0) -> None:
        self.seen: list[uuid.UUID] = []
        self.failures_left = fail_first
        self.consumer = Consumer(
            name=f"recorder_{uuid.uuid4().hex[:8]}", topics=topics, handle=self.handle
        )

    async def handle(self, session, envelope: EventEnvelope) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("transient failure")
        self.seen.append(envelope.id)


async def emit(db, merchant_id, type: str = "test.happened", **payload) -> uuid.UUID:
    async with db.transaction() as session:
        event = await record_event(session, merchant_id=merchant_id, type=type, payload=payload)
    return event.id


async def outbox_size(db) -> int:
    async with db.transaction(write=False) as session:
        return (await session.execute(select(func.count()).select_from(OutboxEntry))).scalar()


async def outbox_body(db, event_id: uuid.UUID) -> str:
    async with db.transaction(write=False) as session:
        query = select(OutboxEntry.body).where(OutboxEntry.event_id == event_id)
        return (await session.execute(query)).scalar_one()


@pytest.fixture
async def merchant(db):
    merchant, _ = await merchant_with_key(db)
    return merchant


async def test_committed_event_reaches_consumer_once(db, broker, settings, merchant) -> None:
    recorder = Recorder()
    runtime = WorkerRuntime(settings, db, broker, consumers=[recorder.consumer])
    await runtime.start()
    try:
        event_id = await emit(db, merchant.id, n=1)
        await wait_until(lambda: recorder.seen)
    finally:
        await runtime.stop()
    assert recorder.seen == [event_id]
    assert await outbox_size(db) == 0


async def test_rolled_back_event_never_reaches_consumer(db, broker, settings, merchant) -> None:
    recorder = Recorder()
    runtime = WorkerRuntime(settings, db, broker, consumers=[recorder.consumer])
    await runtime.start()
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                await record_event(session, merchant_id=merchant.id, type="test.lost", payload={})
                raise RuntimeError("the claim failed after the event was written")
        committed = await emit(db, merchant.id, n=2)
        await wait_until(lambda: committed in recorder.seen)
    finally:
        await runtime.stop()
    assert recorder.seen == [committed]
    assert await outbox_size(db) == 0


async def test_duplicate_delivery_has_its_effect_once(db, broker, merchant) -> None:
    recorder = Recorder()
    outcomes: list[bool] = []

    async def handler(message) -> None:
        outcomes.append(await deliver(db, recorder.consumer, message))

    subscription = await broker.subscribe(recorder.consumer.name, recorder.consumer.topics, handler)
    try:
        event_id = await emit(db, merchant.id)
        relay = OutboxRelay(db, broker)
        body = await outbox_body(db, event_id)
        assert await relay.relay_once() == 2  # merchant.created and ours
        # As if the relay crashed after publishing and before deleting: the same event again.
        await broker.publish("test.happened", body.encode(), message_id=str(event_id))
        await wait_until(lambda: len(outcomes) == 2)
    finally:
        await subscription.stop()
    assert sorted(outcomes) == [False, True]
    assert recorder.seen == [event_id]


async def test_failed_handler_is_retried_and_takes_effect_once(
    db, broker, settings, merchant
) -> None:
    recorder = Recorder(fail_first=2)
    runtime = WorkerRuntime(settings, db, broker, consumers=[recorder.consumer])
    await runtime.start()
    try:
        event_id = await emit(db, merchant.id)
        await wait_until(lambda: recorder.seen)
    finally:
        await runtime.stop()
    assert recorder.seen == [event_id]
    assert await broker.dead_letters(recorder.consumer.name) == []


async def test_handler_failing_every_time_ends_in_dead_letters(
    db, broker, settings, merchant
) -> None:
    settings.max_deliveries = 3
    recorder = Recorder(fail_first=1_000)
    runtime = WorkerRuntime(settings, db, broker, consumers=[recorder.consumer])
    await runtime.start()
    try:
        event_id = await emit(db, merchant.id)
        dead: list = []

        async def dead_lettered() -> bool:
            dead.extend(await broker.dead_letters(recorder.consumer.name))
            return bool(dead)

        await wait_until(dead_lettered, within=15)
    finally:
        await runtime.stop()
    assert [message.id for message in dead] == [str(event_id)]
    assert recorder.seen == []


async def test_concurrent_relays_deliver_each_event_once(db, broker, merchant) -> None:
    recorder = Recorder()
    outcomes: list[bool] = []

    async def handler(message) -> None:
        outcomes.append(await deliver(db, recorder.consumer, message))

    subscription = await broker.subscribe(recorder.consumer.name, recorder.consumer.topics, handler)
    try:
        event_ids = [await emit(db, merchant.id, n=i) for i in range(60)]
        relays = [OutboxRelay(db, broker, batch_size=7) for _ in range(3)]

        async def drain(relay: OutboxRelay) -> None:
            while await relay.relay_once():
                pass

        await asyncio.gather(*(drain(relay) for relay in relays))
        await wait_until(lambda: len(recorder.seen) == len(event_ids))
        await wait_until(lambda: len(outcomes) >= len(event_ids))
    finally:
        await subscription.stop()
    assert sorted(recorder.seen) == sorted(event_ids)
    assert await outbox_size(db) == 0


class ConfirmsTimingOut:
    """The broker on a loaded machine: every other publish's confirm comes too late."""

    def __init__(self, broker) -> None:
        self.broker, self.publishes = broker, 0

    async def publish(self, topic: str, body: bytes, *, message_id: str) -> None:
        self.publishes += 1
        if self.publishes % 2 == 0:
            raise BrokerUnavailable("failed to publish: TimeoutError")
        await self.broker.publish(topic, body, message_id=message_id)


async def test_a_batch_partly_published_keeps_only_the_unconfirmed_events(
    db, broker, merchant
) -> None:
    recorder = Recorder()

    async def handler(message) -> None:
        await deliver(db, recorder.consumer, message)

    subscription = await broker.subscribe(recorder.consumer.name, recorder.consumer.topics, handler)
    try:
        event_ids = [await emit(db, merchant.id, n=i) for i in range(15)]  # and merchant.created
        flaky = ConfirmsTimingOut(broker)
        relay = OutboxRelay(db, flaky, batch_size=100)
        with pytest.raises(BrokerUnavailable):
            await relay.relay_once()
        assert await outbox_size(db) == 8, "the 8 confirmed of 16 left the outbox"
        # Each retry publishes only what is left, so a slow broker still sees the outbox drain.
        while await outbox_size(db):
            with contextlib.suppress(BrokerUnavailable):
                await relay.relay_once()
        assert flaky.publishes == 16 + 8 + 4 + 2 + 1
        await wait_until(lambda: len(recorder.seen) == len(event_ids))
    finally:
        await subscription.stop()
    assert sorted(recorder.seen) == sorted(event_ids)


async def test_racing_deliveries_of_one_event_take_effect_once(db, merchant) -> None:
    recorder = Recorder()
    event_id = await emit(db, merchant.id)
    body = await outbox_body(db, event_id)
    message = Message(id=str(event_id), topic="test.happened", body=body.encode())
    outcomes = await asyncio.gather(*(deliver(db, recorder.consumer, message) for _ in range(12)))
    assert outcomes.count(True) == 1
    assert recorder.seen == [event_id]


async def test_malformed_message_goes_to_dead_letters_without_retries(db, broker) -> None:
    recorder = Recorder()

    async def handler(message) -> None:
        await deliver(db, recorder.consumer, message)

    await broker.subscribe(recorder.consumer.name, recorder.consumer.topics, handler)
    await broker.publish("test.happened", b'{"not": "an event"}', message_id="junk-1")

    async def dead() -> list:
        return await broker.dead_letters(recorder.consumer.name)

    await wait_until(dead)
    [message] = await broker.dead_letters(recorder.consumer.name)
    assert message.headers["x-confetti-reason"].startswith("not an event")
    assert recorder.seen == []
