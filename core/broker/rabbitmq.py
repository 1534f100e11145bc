"""The RabbitMQ broker over aio-pika, with the semantics documented in `base`.

Layout for namespace `ns`: a durable topic exchange `ns.events`; per queue `q` a durable classic
queue `ns.q` bound to its topic patterns, `ns.q.retry` where a failed message waits out its
backoff, and `ns.q.dead` for messages that gave up. How failures are counted is in
`rabbitmq_subscription`. Notices go through a topic exchange of their own, `ns.notices`, to one
exclusive, server-named queue per listener, which RabbitMQ deletes when its channel closes.
"""

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aio_pika.exceptions import ChannelNotFoundEntity
from yarl import URL

from core.broker.base import REASON_HEADER, Broker, Handler, Hear, Message, Subscription
from core.broker.errors import BrokerUnavailable
from core.broker.rabbitmq_subscription import (
    AMQP_FAILURES,
    FAILURES_HEADER,
    RabbitSubscription,
    outgoing_message,
    received_message,
)

# Classic, explicitly: a vhost whose default type is quorum would add a delivery limit of its own.
_QUEUE_ARGUMENTS = {"x-queue-type": "classic"}
_CONNECT_TIMEOUT = 10.0
_OPERATION_TIMEOUT = 10.0


@dataclass(frozen=True)
class _Link:
    connection: AbstractRobustConnection
    channel: AbstractRobustChannel  # declarations and publishing, with publisher confirms
    exchange: AbstractExchange
    notices: AbstractExchange


class _NoticeListener(Subscription):
    def __init__(
        self, channel: AbstractChannel, on_stopped: Callable[[Subscription], None]
    ) -> None:
        self._channel = channel
        self._on_stopped = on_stopped

    async def stop(self) -> None:
        self._on_stopped(self)
        with suppress(*AMQP_FAILURES):
            await self._channel.close()  # RabbitMQ deletes the exclusive queue with it


class RabbitBroker(Broker):
    def __init__(self, url: str, namespace: str = "confetti") -> None:
        self.namespace = namespace
        self._url = URL(url)
        self._exchange_name = f"{namespace}.events"
        self._notices_name = f"{namespace}.notices"
        self._link: _Link | None = None
        self._subscriptions: set[Subscription] = set()
        self._declared: set[str] = set()

    def _describe(self, exc: BaseException) -> str:
        """The error as text, without the password should a library ever print the URL."""
        text = f"{type(exc).__name__}: {exc}"
        password = self._url.password
        return text.replace(password, "***") if password else text

    @contextmanager
    def _unavailable(self, action: str) -> Iterator[None]:
        try:
            yield
        except AMQP_FAILURES as exc:
            where = self._url.with_user(None)
            raise BrokerUnavailable(
                f"RabbitMQ at {where} failed to {action}: {self._describe(exc)}"
            ) from None

    def _connected(self) -> _Link:
        if self._link is None or self._link.connection.is_closed:
            raise BrokerUnavailable(f"RabbitBroker {self.namespace!r} is not connected")
        return self._link

    async def _open_connection(self) -> AbstractRobustConnection:
        connection = aio_pika.RobustConnection(
            self._url, client_properties={"connection_name": f"confetti:{self.namespace}"}
        )
        try:
            with self._unavailable("connect"):
                await connection.connect(timeout=_CONNECT_TIMEOUT)
        except BrokerUnavailable:
            await connection.close()
            raise
        return connection

    async def connect(self) -> None:
        if self._link is not None and not self._link.connection.is_closed:
            return
        connection = await self._open_connection()
        try:
            with self._unavailable("declare its exchange"):
                channel = await connection.channel()  # publisher confirms are on by default
                exchange = await channel.declare_exchange(
                    self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
                )
                notices = await channel.declare_exchange(
                    self._notices_name, aio_pika.ExchangeType.TOPIC, durable=True
                )
        except BrokerUnavailable:
            await connection.close()
            raise
        self._link = _Link(connection, channel, exchange, notices)

    async def close(self) -> None:
        # One after another, in this task: a handler closing its own broker must not wait
        # for itself (see `stop`).
        for subscription in list(self._subscriptions):
            await subscription.stop()
        if self._link is not None:
            await self._link.connection.close()
        self._link = None

    async def ping(self) -> None:
        connection = self._connected().connection
        if not connection.connected.is_set():
            raise BrokerUnavailable(f"RabbitMQ at {self._url.with_user(None)} is reconnecting")
        with self._unavailable("answer a ping"):
            async with (
                asyncio.timeout(_OPERATION_TIMEOUT),
                connection.channel(publisher_confirms=False) as channel,
            ):
                await channel.get_exchange(self._exchange_name)  # a passive declare: a round trip

    async def _declare(
        self, channel: AbstractRobustChannel, queue: str, topics: Sequence[str]
    ) -> AbstractQueue:
        name = f"{self.namespace}.{queue}"
        await channel.declare_queue(f"{name}.dead", durable=True, arguments=_QUEUE_ARGUMENTS)
        retry_arguments = {
            **_QUEUE_ARGUMENTS,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": name,
        }
        await channel.declare_queue(f"{name}.retry", durable=True, arguments=retry_arguments)
        declared = await channel.declare_queue(name, durable=True, arguments=_QUEUE_ARGUMENTS)
        for topic in topics:
            await declared.bind(self._exchange_name, routing_key=topic)
        self._declared.update({name, f"{name}.dead", f"{name}.retry"})
        return declared

    async def declare_queue(self, queue: str, topics: Sequence[str]) -> None:
        channel = self._connected().channel
        with self._unavailable(f"declare queue {queue!r}"):
            await self._declare(channel, queue, topics)

    async def publish(
        self, topic: str, body: bytes, *, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        exchange = self._connected().exchange
        with self._unavailable(f"publish {topic!r}"):
            # Not mandatory: a message no queue is bound for is dropped, as `base` says.
            await exchange.publish(
                outgoing_message(body, message_id, headers or {}),
                routing_key=topic,
                mandatory=False,
                timeout=_OPERATION_TIMEOUT,
            )

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
        connection = self._connected().connection
        with self._unavailable(f"subscribe to {queue!r}"):
            # A channel per subscription, so its QoS caps exactly this consumer's handlers.
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=prefetch)
            subscription = RabbitSubscription(
                channel,
                await self._declare(channel, queue, topics),
                handler,
                max_deliveries=max_deliveries,
                retry_delay=retry_delay,
                on_stopped=self._subscriptions.discard,
            )
            await subscription.start()
        self._subscriptions.add(subscription)
        return subscription

    async def publish_notice(self, topic: str, body: bytes) -> None:
        notices = self._connected().notices
        with self._unavailable(f"publish notice {topic!r}"):
            await notices.publish(
                aio_pika.Message(body), routing_key=topic, timeout=_OPERATION_TIMEOUT
            )

    async def listen(self, topic: str, hear: Hear) -> Subscription:
        connection = self._connected().connection

        async def deliver(incoming: AbstractIncomingMessage) -> None:
            hear(incoming.body)

        with self._unavailable(f"listen to {topic!r}"):
            channel = await connection.channel(publisher_confirms=False)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(self._notices_name, routing_key=topic)
            await queue.consume(deliver, no_ack=True)
        listener = _NoticeListener(channel, self._subscriptions.discard)
        self._subscriptions.add(listener)
        return listener

    async def dead_letters(self, queue: str) -> list[Message]:
        connection = self._connected().connection
        with self._unavailable(f"read the dead letters of {queue!r}"):
            async with connection.channel(publisher_confirms=False) as channel:
                try:
                    dead = await channel.get_queue(f"{self.namespace}.{queue}.dead")
                except ChannelNotFoundEntity:
                    return []
                return await _peek(dead)

    async def queue_depth(self, queue: str) -> int:
        connection = self._connected().connection
        with self._unavailable(f"count the messages of {queue!r}"):
            async with connection.channel(publisher_confirms=False) as channel:
                try:
                    declared = await channel.get_queue(f"{self.namespace}.{queue}")
                except ChannelNotFoundEntity:
                    return 0
                return declared.declaration_result.message_count or 0

    async def replay_dead_letters(self, queue: str, message_id: str | None = None) -> int:
        connection = self._connected().connection
        with self._unavailable(f"replay the dead letters of {queue!r}"):
            async with connection.channel(publisher_confirms=True) as channel:
                try:
                    dead = await channel.get_queue(f"{self.namespace}.{queue}.dead")
                except ChannelNotFoundEntity:
                    return 0
                return await _move_back(channel, dead, f"{self.namespace}.{queue}", message_id)

    async def destroy(self) -> None:
        """Delete the queues and exchange this broker declared, over a new connection if closed."""
        live = self._link is not None and not self._link.connection.is_closed
        connection = self._connected().connection if live else await self._open_connection()
        try:
            with self._unavailable("destroy its namespace"):
                async with connection.channel(publisher_confirms=False) as channel:
                    for name in sorted(self._declared):
                        await channel.queue_delete(name)
                    await channel.exchange_delete(self._exchange_name)
                    await channel.exchange_delete(self._notices_name)
        finally:
            if not live:
                await connection.close()
        self._declared.clear()


async def _peek(queue: AbstractQueue) -> list[Message]:
    """Every message once, oldest first: all stay unacked until the end, then go back in order.

    Two peeks at once would each see part of the queue; dead letters are read rarely."""
    taken: list[AbstractIncomingMessage] = []
    while (incoming := await queue.get(no_ack=False, fail=False)) is not None:
        taken.append(incoming)
    if taken:
        await taken[-1].nack(multiple=True, requeue=True)
    return [received_message(incoming, dead=True) for incoming in taken]


async def _move_back(
    channel: AbstractChannel, dead: AbstractQueue, target: str, message_id: str | None
) -> int:
    """Republish the chosen dead messages to `target` as new (failure count reset), then ack
    them; the others go back to the dead-letter queue untouched."""
    taken: list[AbstractIncomingMessage] = []
    while (incoming := await dead.get(no_ack=False, fail=False)) is not None:
        taken.append(incoming)
    moved = 0
    for incoming in taken:
        if message_id is not None and incoming.message_id != message_id:
            await incoming.nack(requeue=True)
            continue
        headers = {
            k: v
            for k, v in (incoming.headers or {}).items()
            if k not in (FAILURES_HEADER, REASON_HEADER)
        }
        copy = outgoing_message(incoming.body, incoming.message_id or "", headers)
        await channel.default_exchange.publish(copy, routing_key=target)
        await incoming.ack()
        moved += 1
    return moved
