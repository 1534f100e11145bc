"""The semantics promised in `core.broker.base`, on the in-process broker and on RabbitMQ."""

import asyncio
from collections.abc import Awaitable, Callable
from uuid import uuid4

import pytest

from core.broker import (
    REASON_HEADER,
    Broker,
    BrokerUnavailable,
    MemoryBroker,
    Message,
    RabbitBroker,
    Subscription,
    Undeliverable,
    broker_from_url,
)
from tests.fixtures.brokers import MakeBroker
from tests.waiting import wait_until

DEADLINE = 5.0  # seconds for anything a test waits for
TOPICS = ["coupon.claimed", "coupon.claimed.late", "prize", "prize.won", "prize.won.big"]


class Inbox:
    """A handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def ids(self) -> list[str]:
        return [message.id for message in self.messages]

    @property
    def topics(self) -> list[str]:
        return [message.topic for message in self.messages]


class Gate:
    """A handler that holds each message until released."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished: list[str] = []

    async def __call__(self, message: Message) -> None:
        self.started.set()
        await self.release.wait()
        self.finished.append(message.id)


def broker_has_dead_letters(
    broker: Broker, queue: str, count: int = 1
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(await broker.dead_letters(queue)) >= count

    return check


async def test_subscriber_receives_id_topic_body_and_headers(broker: Broker) -> None:
    inbox = Inbox()
    await broker.subscribe("orders", ["coupon.claimed"], inbox)
    await broker.publish("coupon.claimed", b'{"n": 1}', message_id="m-1", headers={"shop": "42"})
    await wait_until(lambda: inbox.messages)
    assert inbox.messages == [
        Message(id="m-1", topic="coupon.claimed", body=b'{"n": 1}', headers={"shop": "42"})
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("coupon.*", ["coupon.claimed"]),
        ("#", TOPICS),
        ("prize.won", ["prize.won"]),
        ("prize.#", ["prize", "prize.won", "prize.won.big"]),
    ],
    ids=["star-is-one-word", "hash-is-everything", "exact", "hash-is-zero-or-more-words"],
)
async def test_queue_receives_exactly_the_topics_its_pattern_matches(
    broker: Broker, pattern: str, expected: list[str]
) -> None:
    inbox = Inbox()
    await broker.subscribe("routed", [pattern, "end"], inbox)
    for topic in [*TOPICS, "end"]:
        await broker.publish(topic, b"", message_id=topic)
    # One queue is FIFO: once "end" is in, anything routed before it is in too.
    await wait_until(lambda: "end" in inbox.topics)
    assert inbox.topics == [*expected, "end"]


async def test_message_published_before_its_queue_exists_is_dropped(broker: Broker) -> None:
    await broker.publish("coupon.claimed", b"", message_id="early")
    inbox = Inbox()
    await broker.subscribe("late", ["coupon.*"], inbox)
    await broker.publish("coupon.claimed", b"", message_id="on-time")
    await wait_until(lambda: inbox.messages)
    assert inbox.ids == ["on-time"]


async def test_declared_queue_keeps_messages_until_someone_subscribes(broker: Broker) -> None:
    await broker.declare_queue("patient", ["coupon.*"])
    await broker.publish("coupon.claimed", b"", message_id="kept")
    inbox = Inbox()
    await broker.subscribe("patient", ["coupon.*"], inbox)
    await wait_until(lambda: inbox.messages)
    assert inbox.ids == ["kept"]


async def test_competing_subscriptions_share_messages_without_duplicates(broker: Broker) -> None:
    seen: dict[str, list[str]] = {"a": [], "b": []}
    both_busy = asyncio.Event()

    def worker(name: str) -> Callable[[Message], Awaitable[None]]:
        async def handle(message: Message) -> None:
            seen[name].append(message.id)
            if all(seen.values()):
                both_busy.set()
            # With prefetch 1 a held message forces the next one to the other subscription.
            await both_busy.wait()

        return handle

    await broker.subscribe("shared", ["work.*"], worker("a"), prefetch=1)
    await broker.subscribe("shared", ["work.*"], worker("b"), prefetch=1)
    ids = [f"m{n:02}" for n in range(20)]
    for message_id in ids:
        await broker.publish("work.item", b"", message_id=message_id)
    await wait_until(lambda: len(seen["a"]) + len(seen["b"]) >= len(ids))
    assert sorted(seen["a"] + seen["b"]) == ids
    assert seen["a"] and seen["b"]


async def test_prefetch_caps_concurrent_handlers_of_a_subscription(broker: Broker) -> None:
    running: list[str] = []
    peak = 0
    done: list[str] = []
    release = asyncio.Event()

    async def busy(message: Message) -> None:
        nonlocal peak
        running.append(message.id)
        peak = max(peak, len(running))
        await release.wait()
        running.remove(message.id)
        done.append(message.id)

    await broker.subscribe("capped", ["work.*"], busy, prefetch=2)
    for n in range(6):
        await broker.publish("work.item", b"", message_id=f"m{n}")
    await wait_until(lambda: len(running) >= 2)
    release.set()
    await wait_until(lambda: len(done) == 6)
    assert peak == 2


async def test_failed_message_comes_back_intact_with_delivery_count_2(broker: Broker) -> None:
    deliveries: list[Message] = []

    async def flaky(message: Message) -> None:
        deliveries.append(message)
        if message.delivery_count == 1:
            raise RuntimeError("transient failure")

    await broker.subscribe("retried", ["coupon.*"], flaky)
    await broker.publish("coupon.claimed", b"body", message_id="m-1", headers={"shop": "42"})
    await wait_until(lambda: len(deliveries) == 2)
    first, second = deliveries
    assert (first.delivery_count, second.delivery_count) == (1, 2)
    assert (second.id, second.topic, second.body, second.headers) == (
        first.id,
        first.topic,
        first.body,
        first.headers,
    )
    assert await broker.dead_letters("retried") == []


async def test_message_failing_max_deliveries_times_is_dead_lettered_not_redelivered(
    broker: Broker,
) -> None:
    attempts: list[tuple[str, int]] = []

    async def reject_poison(message: Message) -> None:
        attempts.append((message.id, message.delivery_count))
        if message.id == "poison":
            raise RuntimeError("cannot handle this one")

    await broker.subscribe("fragile", ["coupon.*"], reject_poison, max_deliveries=3)
    await broker.publish("coupon.claimed", b"bad", message_id="poison", headers={"shop": "42"})
    await wait_until(broker_has_dead_letters(broker, "fragile"))
    # Published after the poison died: had the poison gone back to the queue, it would come first.
    await broker.publish("coupon.claimed", b"good", message_id="after")
    await wait_until(lambda: ("after", 1) in attempts)
    assert attempts == [("poison", 1), ("poison", 2), ("poison", 3), ("after", 1)]
    assert await broker.dead_letters("fragile") == [
        Message(
            id="poison",
            topic="coupon.claimed",
            body=b"bad",
            delivery_count=3,
            headers={"shop": "42"},
        )
    ]


async def test_dead_letters_are_listed_oldest_first_and_stay_dead(broker: Broker) -> None:
    async def always_fail(message: Message) -> None:
        raise RuntimeError("never works")

    await broker.subscribe("doomed", ["coupon.*"], always_fail, max_deliveries=1, prefetch=1)
    for message_id in ("first", "second"):
        await broker.publish("coupon.claimed", b"", message_id=message_id)
    await wait_until(broker_has_dead_letters(broker, "doomed", count=2))
    listed = await broker.dead_letters("doomed")
    assert [message.id for message in listed] == ["first", "second"]
    assert await broker.dead_letters("doomed") == listed


async def test_dead_letters_of_an_unknown_queue_is_empty(broker: Broker) -> None:
    assert await broker.dead_letters("never-declared") == []


@pytest.mark.parametrize("ending", ["subscription.stop", "broker.close"])
async def test_ending_waits_for_the_in_flight_handler(broker: Broker, ending: str) -> None:
    gate = Gate()
    subscription = await broker.subscribe("slow", ["coupon.*"], gate)
    await broker.publish("coupon.claimed", b"", message_id="m-1")
    async with asyncio.timeout(DEADLINE):
        await gate.started.wait()
    end = subscription.stop if ending == "subscription.stop" else broker.close
    ending_task = asyncio.create_task(end())
    # Asserting that it has not returned needs a window in which it could have.
    finished_early, _ = await asyncio.wait({ending_task}, timeout=0.2)
    assert not finished_early
    gate.release.set()
    await ending_task
    assert gate.finished == ["m-1"]


async def test_message_not_yet_handled_at_stop_goes_to_the_next_subscription(
    broker: Broker,
) -> None:
    gate = Gate()
    subscription = await broker.subscribe("handover", ["coupon.*"], gate, prefetch=1)
    for message_id in ("m-1", "m-2"):
        await broker.publish("coupon.claimed", b"", message_id=message_id)
    async with asyncio.timeout(DEADLINE):
        await gate.started.wait()
    stopping = asyncio.create_task(subscription.stop())
    gate.release.set()
    await stopping
    successor = Inbox()
    await broker.subscribe("handover", ["coupon.*"], successor)
    await wait_until(lambda: successor.messages)
    assert gate.finished == ["m-1"]
    assert [(m.id, m.delivery_count) for m in successor.messages] == [("m-2", 1)]


async def test_handler_can_stop_its_own_subscription(broker: Broker) -> None:
    subscriptions: list[Subscription] = []
    stopped = asyncio.Event()

    async def stop_after_one(message: Message) -> None:
        await subscriptions[0].stop()
        stopped.set()

    subscriptions.append(await broker.subscribe("self-stopping", ["coupon.*"], stop_after_one))
    await broker.publish("coupon.claimed", b"", message_id="m-1")
    async with asyncio.timeout(DEADLINE):
        await stopped.wait()


async def test_queued_messages_outlive_close_for_a_broker_on_the_same_namespace(
    make_broker: MakeBroker,
) -> None:
    namespace = f"test_{uuid4().hex[:12]}"
    first = await make_broker(namespace=namespace)
    await first.declare_queue("durable", ["coupon.*"])
    for message_id in ("kept-1", "kept-2"):
        await first.publish("coupon.claimed", b"", message_id=message_id)
    await first.close()
    second = await make_broker(namespace=namespace)
    inbox = Inbox()
    await second.subscribe("durable", ["coupon.*"], inbox)
    await wait_until(lambda: len(inbox.messages) == 2)
    assert inbox.ids == ["kept-1", "kept-2"]


async def test_ping_succeeds_while_connected(broker: Broker) -> None:
    await broker.ping()


async def test_ping_after_close_raises_broker_unavailable(broker: Broker) -> None:
    await broker.close()
    with pytest.raises(BrokerUnavailable):
        await broker.ping()


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("memory://", MemoryBroker),
        ("amqp://guest:guest@localhost:5672/", RabbitBroker),
        ("amqps://guest:guest@rabbit.example:5671/", RabbitBroker),
    ],
)
def test_broker_from_url_picks_the_implementation_by_scheme(url: str, kind: type) -> None:
    assert isinstance(broker_from_url(url), kind)


def test_broker_from_url_rejects_an_unknown_scheme_without_echoing_the_url() -> None:
    with pytest.raises(ValueError, match="'redis'") as caught:
        broker_from_url("redis://user:hunter2@localhost:6379/0")
    assert "hunter2" not in str(caught.value)


async def test_rabbit_connect_to_unreachable_url_fails_fast_without_the_password() -> None:
    broker = RabbitBroker("amqp://guest:hunter2@127.0.0.1:1/")
    async with asyncio.timeout(2):
        with pytest.raises(BrokerUnavailable) as caught:
            await broker.connect()
    assert "127.0.0.1:1" in str(caught.value)
    assert "hunter2" not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_undeliverable_message_is_dead_at_once_with_its_reason(broker: Broker) -> None:
    attempts: list[Message] = []

    async def refuse(message: Message) -> None:
        attempts.append(message)
        raise Undeliverable("not an event: bad json")

    await broker.subscribe("strict", ["coupon.*"], refuse, max_deliveries=5)
    await broker.publish("coupon.claimed", b"{oops", message_id="m-poison")

    async def dead_lettered() -> list[Message]:
        return await broker.dead_letters("strict")

    await wait_until(dead_lettered)
    [dead] = await broker.dead_letters("strict")
    assert dead.id == "m-poison"
    assert dead.headers[REASON_HEADER] == "not an event: bad json"
    assert len(attempts) == 1


async def test_replayed_dead_letters_are_delivered_again_as_new(broker: Broker) -> None:
    failing = True
    inbox = Inbox()

    async def flaky(message: Message) -> None:
        if failing:
            raise RuntimeError("downstream is down")
        await inbox(message)

    await broker.subscribe("replayable", ["coupon.*"], flaky, max_deliveries=1)
    for message_id in ("m-1", "m-2"):
        await broker.publish("coupon.claimed", b"{}", message_id=message_id)

    async def both_dead() -> bool:
        return len(await broker.dead_letters("replayable")) == 2

    await wait_until(both_dead)
    failing = False
    assert await broker.replay_dead_letters("replayable", "m-2") == 1
    await wait_until(lambda: inbox.messages)
    assert [(m.id, m.delivery_count) for m in inbox.messages] == [("m-2", 1)]
    assert [m.id for m in await broker.dead_letters("replayable")] == ["m-1"]
    assert await broker.replay_dead_letters("replayable") == 1
    await wait_until(lambda: len(inbox.messages) == 2)
    assert await broker.dead_letters("replayable") == []


async def test_a_failed_message_waits_its_backoff_before_the_next_delivery(
    broker: Broker,
) -> None:
    loop = asyncio.get_running_loop()
    seen: list[tuple[int, float]] = []

    async def fail_once(message: Message) -> None:
        seen.append((message.delivery_count, loop.time()))
        if message.delivery_count == 1:
            raise RuntimeError("not yet")

    await broker.subscribe("patient", ["coupon.*"], fail_once, retry_delay=0.3)
    await broker.publish("coupon.claimed", b"{}", message_id="m-1")
    await wait_until(lambda: len(seen) == 2)
    (first, at_first), (second, at_second) = seen
    assert (first, second) == (1, 2)
    assert at_second - at_first >= 0.25  # the backoff was waited, not skipped


async def test_queue_depth_counts_waiting_messages(broker: Broker) -> None:
    assert await broker.queue_depth("waiting") == 0
    await broker.declare_queue("waiting", ["coupon.*"])
    for n in range(3):
        await broker.publish("coupon.claimed", b"{}", message_id=f"m-{n}")

    async def three_waiting() -> bool:
        return await broker.queue_depth("waiting") == 3

    await wait_until(three_waiting)
