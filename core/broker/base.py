"""The broker interface: publish events by topic, consume them from named queues.

Two implementations share these semantics exactly (`memory://` in-process, RabbitMQ over
aio-pika), so the same consumer code runs in the embedded default and in production:

- `publish` returns only once the broker has taken the message (RabbitMQ: publisher confirm).
- A queue is bound to topic patterns with RabbitMQ topic-exchange rules (`*` is one dot-separated
  word, `#` is zero or more words). A message published before any queue matches it is dropped:
  declare queues before publishing (the worker runtime declares every consumer's queue first).
- A handler that returns acks its message; one that raises sends it to the back of its queue
  with its failure count raised, after `retry_delay * 2^(failures - 1)` seconds (at most
  `MAX_RETRY_DELAY`) when the subscription sets a retry delay. After `max_deliveries` failed
  deliveries (a subscription setting) the message moves to the queue's dead-letter queue, where
  its `delivery_count` equals `max_deliveries`. Header keys starting with `x-confetti-` are the
  broker's own.
- Stopping a subscription, or closing the broker, lets in-flight handlers finish; messages not yet
  acked stay in (or go back to) their queue for the next consumer.
- Delivery is at least once: consumers must be idempotent by `Message.id`.

Notices (`publish_notice`, `listen`) are apart from all that: news for every listening process
at once (a fanout), which no consumer's queue sees, nothing keeps while nobody listens, and
nothing retries. They carry what is cheap to miss, such as stock coming back (`core.stock.fanout`).
"""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

REASON_HEADER = "x-confetti-reason"
MAX_RETRY_DELAY = 300.0


def retry_delay_for(base: float, failures: int) -> float:
    """Exponential backoff: base, 2 * base, 4 * base, ... at most MAX_RETRY_DELAY."""
    return min(base * 2 ** (failures - 1), MAX_RETRY_DELAY) if base > 0 else 0.0


@dataclass(frozen=True)
class Message:
    id: str
    topic: str
    body: bytes
    delivery_count: int = 1
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[Message], Awaitable[None]]
Hear = Callable[[bytes], None]


class Subscription(ABC):
    @abstractmethod
    async def stop(self) -> None:
        """Stop taking messages, wait for in-flight handlers; unacked messages stay queued."""


class Broker(ABC):
    @abstractmethod
    async def connect(self) -> None:
        """Connect; also allowed again after `close()`."""

    @abstractmethod
    async def close(self) -> None:
        """Stop every subscription (as `Subscription.stop`) and disconnect."""

    @abstractmethod
    async def ping(self) -> None:
        """Return if the broker is usable, else raise BrokerUnavailable."""

    @abstractmethod
    async def declare_queue(self, queue: str, topics: Sequence[str]) -> None:
        """Create the queue (and its dead-letter queue) bound to these topic patterns.

        Declaring again with other topics adds bindings; it never removes old ones."""

    @abstractmethod
    async def publish(
        self, topic: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None: ...

    @abstractmethod
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
        """Declare the queue as `declare_queue` does, then hand each message to `handler`."""

    @abstractmethod
    async def publish_notice(self, topic: str, body: bytes) -> None:
        """Tell every process now listening to `topic` (see the module's notices)."""

    @abstractmethod
    async def listen(self, topic: str, hear: Hear) -> Subscription:
        """Call `hear` with the body of each notice of `topic` published from now on, until the
        subscription stops."""

    @abstractmethod
    async def dead_letters(self, queue: str) -> list[Message]:
        """The messages that gave up on `queue`, oldest first (they stay dead-lettered)."""

    @abstractmethod
    async def queue_depth(self, queue: str) -> int:
        """Messages waiting in `queue` (not counting those being handled); 0 if undeclared."""

    @abstractmethod
    async def replay_dead_letters(self, queue: str, message_id: str | None = None) -> int:
        """Put dead messages (all, or the one with `message_id`) back on `queue` for another
        round of deliveries; returns how many."""

    @abstractmethod
    async def destroy(self) -> None:
        """Delete the queues and exchanges this broker declared (tests, teardown)."""
