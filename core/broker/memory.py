"""The in-process broker: the embedded default, with the semantics documented in `base`.

Brokers built in one event loop with the same namespace share their queues, as RabbitBrokers on
one URL share a server: the relay and the workers may each build a broker from `memory://`, and
a broker connected again (or a new one) after `close()` finds the messages still queued.
"""

import asyncio
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from weakref import WeakKeyDictionary

import structlog

from core.broker.base import (
    REASON_HEADER,
    Broker,
    Handler,
    Hear,
    Message,
    Subscription,
    retry_delay_for,
)
from core.broker.errors import BrokerUnavailable, Undeliverable

log = structlog.get_logger("confetti.broker")


def topic_matches(pattern: str, topic: str) -> bool:
    """RabbitMQ topic-exchange rules: `*` is exactly one word, `#` is zero or more words."""
    return _words_match(pattern.split("."), topic.split("."))


def _words_match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_words_match(rest, words[skip:]) for skip in range(len(words) + 1))
    return bool(words) and head in ("*", words[0]) and _words_match(rest, words[1:])


@dataclass(eq=False)
class _Queue:
    topics: set[str] = field(default_factory=set)
    ready: deque[Message] = field(default_factory=deque)
    dead: list[Message] = field(default_factory=list)
    consumers: list["_MemorySubscription"] = field(default_factory=list)

    def matches(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern in self.topics)

    def put(self, message: Message, *, first: bool = False) -> None:
        if first:
            self.ready.appendleft(message)
        else:
            self.ready.append(message)
        for consumer in self.consumers:
            consumer.wake()

    def fail(
        self,
        message: Message,
        max_deliveries: int,
        reason: str | None = None,
        retry_delay: float = 0.0,
    ) -> None:
        """Nack: back to the end of the queue with one more delivery, or dead after the last
        (or at once, for an undeliverable message)."""
        if reason is not None:
            self.dead.append(replace(message, headers={**message.headers, REASON_HEADER: reason}))
            log.warning("broker.message.undeliverable", message_id=message.id, reason=reason)
        elif message.delivery_count >= max_deliveries:
            self.dead.append(message)
            log.warning("broker.message.dead_lettered", message_id=message.id, topic=message.topic)
        else:
            again = replace(message, delivery_count=message.delivery_count + 1)
            delay = retry_delay_for(retry_delay, message.delivery_count)
            if delay:
                asyncio.get_running_loop().call_later(delay, self.put, again)
            else:
                self.put(again)


# Keyed by loop too: the state belongs to one event loop (tests run one loop each), and a loop
# that is gone takes its queues with it.
_loops: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, dict[str, _Queue]]] = (
    WeakKeyDictionary()
)


def _namespace_queues(namespace: str) -> dict[str, _Queue]:
    return _loops.setdefault(asyncio.get_running_loop(), {}).setdefault(namespace, {})


# The listeners of notices, shared by the brokers of one namespace as its queues are.
_listener_loops: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, list["_Listener"]]] = (
    WeakKeyDictionary()
)


def _namespace_listeners(namespace: str) -> list["_Listener"]:
    return _listener_loops.setdefault(asyncio.get_running_loop(), {}).setdefault(namespace, [])


@dataclass(eq=False)
class _Listener(Subscription):
    topic: str
    hear: Hear
    listeners: list["_Listener"]
    on_stopped: Callable[[Subscription], None]

    async def stop(self) -> None:
        if self in self.listeners:
            self.listeners.remove(self)
        self.on_stopped(self)


class _MemorySubscription(Subscription):
    def __init__(
        self,
        queue: _Queue,
        handler: Handler,
        *,
        max_deliveries: int,
        prefetch: int,
        retry_delay: float,
        on_stopped: Callable[["_MemorySubscription"], None],
    ) -> None:
        self._queue = queue
        self._handler = handler
        self._max_deliveries = max_deliveries
        self._prefetch = prefetch
        self._retry_delay = retry_delay
        self._on_stopped = on_stopped
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wakeup = asyncio.Event()
        self._stopping = False
        queue.consumers.append(self)
        self._pump_task = asyncio.create_task(self._pump(), name="memory-broker-pump")

    def wake(self) -> None:
        self._wakeup.set()

    async def _pump(self) -> None:
        # No await between the check and the pop, so competing subscriptions never share one.
        while not self._stopping:
            if self._queue.ready and len(self._in_flight) < self._prefetch:
                self._start(self._queue.ready.popleft())
                continue
            self._wakeup.clear()
            await self._wakeup.wait()

    def _start(self, message: Message) -> None:
        task = asyncio.create_task(self._deliver(message), name=f"memory-broker-{message.id}")
        self._in_flight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self.wake()

    async def _deliver(self, message: Message) -> None:
        try:
            await self._handler(message)
        except asyncio.CancelledError:
            self._queue.put(message, first=True)  # never acked: back where it came from
            raise
        except Undeliverable as exc:
            self._queue.fail(message, self._max_deliveries, reason=str(exc))
        except Exception:
            log.exception("broker.handler.failed", message_id=message.id, topic=message.topic)
            self._queue.fail(message, self._max_deliveries, retry_delay=self._retry_delay)

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        await self._pump_task
        # A handler that stops its own subscription must not wait for itself.
        others = self._in_flight - {asyncio.current_task()}
        if others:
            await asyncio.wait(others)
        if self in self._queue.consumers:
            self._queue.consumers.remove(self)
        self._on_stopped(self)


class MemoryBroker(Broker):
    def __init__(self, namespace: str = "confetti") -> None:
        self.namespace = namespace
        self._queues: dict[str, _Queue] | None = None
        self._subscriptions: set[Subscription] = set()

    def _connected(self) -> dict[str, _Queue]:
        if self._queues is None:
            raise BrokerUnavailable(f"memory broker {self.namespace!r} is not connected")
        return self._queues

    async def connect(self) -> None:
        self._queues = _namespace_queues(self.namespace)

    async def close(self) -> None:
        # One after another, in this task: a handler closing its own broker must not wait
        # for itself (see `stop`).
        for subscription in list(self._subscriptions):
            await subscription.stop()
        self._queues = None

    async def ping(self) -> None:
        self._connected()

    def _declare(self, queue: str, topics: Sequence[str]) -> _Queue:
        state = self._connected().setdefault(queue, _Queue())
        state.topics.update(topics)
        return state

    async def declare_queue(self, queue: str, topics: Sequence[str]) -> None:
        self._declare(queue, topics)

    async def publish(
        self, topic: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        message = Message(id=message_id, topic=topic, body=body, headers=dict(headers or {}))
        for state in self._connected().values():
            if state.matches(topic):
                state.put(message)

    async def subscribe(
        self,
        queue: str,
        topics: Sequence[str],
        handler: Handler,
        *,
        max_deliveries: int = 5,
        prefetch: int = 16,
        retry_delay: float = 0.0,
    ) -> Subscription:
        if prefetch < 1 or max_deliveries < 1:
            raise ValueError("prefetch and max_deliveries must be at least 1")
        subscription = _MemorySubscription(
            self._declare(queue, topics),
            handler,
            max_deliveries=max_deliveries,
            prefetch=prefetch,
            retry_delay=retry_delay,
            on_stopped=self._subscriptions.discard,
        )
        self._subscriptions.add(subscription)
        return subscription

    async def publish_notice(self, topic: str, body: bytes) -> None:
        self._connected()
        for listener in list(_namespace_listeners(self.namespace)):
            if topic_matches(listener.topic, topic):
                listener.hear(body)

    async def listen(self, topic: str, hear: Hear) -> Subscription:
        self._connected()
        listeners = _namespace_listeners(self.namespace)
        listener = _Listener(topic, hear, listeners, self._subscriptions.discard)
        listeners.append(listener)
        self._subscriptions.add(listener)
        return listener

    async def dead_letters(self, queue: str) -> list[Message]:
        state = self._connected().get(queue)
        return list(state.dead) if state else []

    async def queue_depth(self, queue: str) -> int:
        state = self._connected().get(queue)
        return len(state.ready) if state else 0

    async def replay_dead_letters(self, queue: str, message_id: str | None = None) -> int:
        state = self._connected().get(queue)
        if state is None:
            return 0
        chosen = [m for m in state.dead if message_id is None or m.id == message_id]
        state.dead = [m for m in state.dead if m not in chosen]
        for message in chosen:
            headers = {k: v for k, v in message.headers.items() if k != REASON_HEADER}
            state.put(replace(message, delivery_count=1, headers=headers))
        return len(chosen)

    async def destroy(self) -> None:
        # Cleared in place: every broker of this namespace sees the queues go, as on RabbitMQ.
        _namespace_queues(self.namespace).clear()
