"""Events between processes: one interface, an in-process broker and RabbitMQ (see `base`)."""

from urllib.parse import urlsplit

from core.broker.base import (
    REASON_HEADER,
    Broker,
    Handler,
    Message,
    Subscription,
)
from core.broker.errors import BrokerUnavailable, Undeliverable
from core.broker.memory import MemoryBroker
from core.broker.rabbitmq import RabbitBroker

__all__ = [
    "REASON_HEADER",
    "Broker",
    "BrokerUnavailable",
    "Handler",
    "MemoryBroker",
    "Message",
    "RabbitBroker",
    "Subscription",
    "Undeliverable",
    "broker_from_url",
]


def broker_from_url(url: str, *, namespace: str = "confetti") -> Broker:
    """`memory://` for the in-process broker, `amqp://` or `amqps://` for RabbitMQ."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "memory":
        return MemoryBroker(namespace)
    if scheme in ("amqp", "amqps"):
        return RabbitBroker(url, namespace)
    # The scheme only: the rest of the URL may hold a password.
    raise ValueError(f"unsupported broker URL scheme {scheme!r}: use memory:// or amqp(s)://")
