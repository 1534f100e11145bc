"""Sold-out news between processes: units that came back in one process clear the sold-out
marks of every process, through the broker's notices (a fanout).

The announcement leaves after the commit (or rollback) that gave the units back, so a process
may refuse them for the moment the notice takes to arrive; a notice lost with the broker costs
at most `sold_out.MARK_SECONDS` of refusals. The in-process broker reaches only this process
(other `Database`s in it: tests run two apps so); web processes started together on `memory://`
(`CONFETTI_WORKERS` > 1) learn of units that came back elsewhere when their marks lapse.
"""

import asyncio
import json
import uuid
from collections.abc import Callable

import structlog

from core.broker import Broker, BrokerUnavailable, Subscription
from core.stock.sold_out import OwnerKey, SoldOutMarks

log = structlog.get_logger("confetti.stock")
TOPIC = "stock.returned"


class SoldOutFanout:
    def __init__(self, broker: Broker, marks: SoldOutMarks) -> None:
        self._broker = broker
        self._marks = marks
        self._listener: Subscription | None = None
        self._unregister: Callable[[], None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen and announce. A broker down now leaves this process to its marks' lapses
        (its health check says the broker is down); it does not keep it from serving."""
        self._unregister = self._marks.on_units_returned(self._announce)
        try:
            self._listener = await self._broker.listen(TOPIC, self._heard)
        except BrokerUnavailable as exc:
            log.warning("stock.fanout.not_listening", error=str(exc))

    async def stop(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        if self._sending:
            await asyncio.wait(self._sending)
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None

    def _announce(self, keys: list[OwnerKey]) -> None:
        # Called from the session's commit or rollback, which cannot wait for the broker.
        body = json.dumps([[kind, str(owner_id)] for kind, owner_id in keys]).encode()
        task = asyncio.get_running_loop().create_task(self._publish(body))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, body: bytes) -> None:
        try:
            await self._broker.publish_notice(TOPIC, body)
        except BrokerUnavailable as exc:
            log.warning("stock.returned.not_announced", error=str(exc))

    def _heard(self, body: bytes) -> None:
        try:
            keys = [(kind, uuid.UUID(owner_id)) for kind, owner_id in json.loads(body)]
        except (ValueError, TypeError) as exc:
            log.warning("stock.returned.unreadable", error=str(exc))
            return
        self._marks.clear(keys)
