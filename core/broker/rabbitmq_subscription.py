"""A RabbitMQ consumer (see `rabbitmq`): runs the handler for each delivery, and counts
failed deliveries itself.

Failed deliveries are counted in a header, not by the server. A handler that raises gets its
message republished to the tail of its queue (through the default exchange, so no other queue
sees it again) with the count in `x-confetti-failures`, then the original is acked; after
`max_deliveries` failures it is republished to the dead queue instead. Quorum queues'
`x-delivery-limit` was the alternative, but what it counts differs by RabbitMQ version (up to 4.2
every return, including the prefetched messages a stopping consumer hands back; from 4.3 only
basic.reject), so an innocent message could die after a few restarts or a poison one never die.
The header counts exactly the failed handler calls on every version, like MemoryBroker does. The
price: a worker that crashes mid-handler does not count a failure, and a crash between the
republish and the ack delivers the message twice, which at-least-once delivery allows.
"""

import asyncio
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel, ConsumerTag
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from core.broker.base import REASON_HEADER, Handler, Message, Subscription, retry_delay_for
from core.broker.errors import Undeliverable

log = structlog.get_logger("confetti.broker")

FAILURES_HEADER = "x-confetti-failures"
TOPIC_HEADER = "x-confetti-topic"  # republished copies travel under the queue's name, not the topic
AMQP_FAILURES = (AMQPError, ChannelInvalidStateError, OSError)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def received_message(incoming: AbstractIncomingMessage, *, dead: bool = False) -> Message:
    headers = dict(incoming.headers or {})
    failures = int(headers.pop(FAILURES_HEADER, 0))
    topic = _text(headers.pop(TOPIC_HEADER, incoming.routing_key or ""))
    return Message(
        id=incoming.message_id or "",
        topic=topic,
        body=incoming.body,
        # A dead message reports the delivery it died on; a live one the delivery under way.
        delivery_count=failures if dead else failures + 1,
        headers={key: _text(value) for key, value in headers.items()},
    )


def outgoing_message(body: bytes, message_id: str, headers: Mapping[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        message_id=message_id,
        headers=dict(headers),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class RabbitSubscription(Subscription):
    def __init__(
        self,
        channel: AbstractRobustChannel,
        queue: AbstractQueue,
        handler: Handler,
        *,
        max_deliveries: int,
        retry_delay: float,
        on_stopped: Callable[["RabbitSubscription"], None],
    ) -> None:
        self._channel = channel
        self._queue = queue
        self._handler = handler
        self._max_deliveries = max_deliveries
        self._retry_delay = retry_delay
        self._on_stopped = on_stopped
        self._in_flight: set[asyncio.Task[None]] = set()
        self._consumer_tag: ConsumerTag | None = None
        self._stopping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer_tag = await self._queue.consume(self._on_delivery)

    async def _on_delivery(self, incoming: AbstractIncomingMessage) -> None:
        if self._stopping is not None:
            # Delivered between our basic.cancel and its cancel-ok: hand it straight back.
            with suppress(*AMQP_FAILURES):
                await incoming.nack(requeue=True)
            return
        # A task of our own, not aio-pika's: a dropped channel would cancel its tasks mid-handler.
        task = asyncio.create_task(self._handle(incoming), name=f"rabbit-{incoming.message_id}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _handle(self, incoming: AbstractIncomingMessage) -> None:
        message = received_message(incoming)
        try:
            await self._handler(message)
        except Undeliverable as exc:
            log.warning("broker.message.undeliverable", message_id=message.id, reason=str(exc))
            settle = self._fail(incoming, message, reason=str(exc))
        except Exception:
            log.exception("broker.handler.failed", message_id=message.id, topic=message.topic)
            settle = self._fail(incoming, message)
        else:
            settle = incoming.ack()
        try:
            await settle
        except AMQP_FAILURES as exc:
            log.warning("broker.settle.failed", message_id=message.id, error=repr(exc))
            # Hand it back; if the channel is gone, RabbitMQ has requeued it already.
            with suppress(*AMQP_FAILURES):
                await incoming.nack(requeue=True)

    async def _fail(
        self, incoming: AbstractIncomingMessage, message: Message, reason: str | None = None
    ) -> None:
        failures = message.delivery_count
        target = self._queue.name
        headers = {**message.headers, FAILURES_HEADER: failures, TOPIC_HEADER: message.topic}
        if reason is not None or failures >= self._max_deliveries:
            target = f"{self._queue.name}.dead"
            log.warning("broker.message.dead_lettered", message_id=message.id, topic=message.topic)
        if reason is not None:
            headers[REASON_HEADER] = reason
        copy = outgoing_message(message.body, message.id, headers)
        delay = retry_delay_for(self._retry_delay, failures)
        if target == self._queue.name and delay:
            # Parked in the retry queue until its TTL runs out; RabbitMQ then dead-letters it
            # back to this queue. (TTLs expire at the queue's head: a later, shorter wait can
            # sit behind an earlier, longer one, never before it.)
            copy.expiration = delay
            target = f"{self._queue.name}.retry"
        await self._channel.default_exchange.publish(copy, routing_key=target)
        await incoming.ack()

    async def stop(self) -> None:
        if self._stopping is None:
            self._stopping = asyncio.create_task(self._shutdown())
        if asyncio.current_task() in self._in_flight:
            return  # called from one of our handlers: waiting for it would wait for itself
        await asyncio.shield(self._stopping)

    async def _shutdown(self) -> None:
        if self._consumer_tag is not None:
            with suppress(*AMQP_FAILURES):
                await self._queue.cancel(self._consumer_tag)
        while self._in_flight:
            await asyncio.wait(set(self._in_flight))
        # Closing the channel returns whatever it still holds unacked to the queue.
        with suppress(*AMQP_FAILURES):
            await self._channel.close()
        self._on_stopped(self)
