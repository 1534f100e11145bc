"""The worker side of a process: the outbox relay, every registered consumer, the timed jobs."""

import asyncio
from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta

import structlog

from bots.channels import ChatChannels
from core.broker import Broker, Subscription
from core.broker.memory import MemoryBroker
from core.clock import utcnow
from core.db import Database
from core.settings import Settings
from workers.chat_sender import ChatSender
from workers.consumers import Consumer, declare_queues, subscribe_all
from workers.registry import all_consumers
from workers.relay import OutboxRelay, requeue_unprocessed
from workers.schedules import PROCESS_ID, PeriodicJob, run_periodically, scheduled_jobs
from workers.webhooks import WebhookSender

log = structlog.get_logger("confetti.worker")
STOP_GRACE_SECONDS = 10.0
REQUEUE_WINDOW = timedelta(days=7)


class WorkerRuntime:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        broker: Broker,
        consumers: Sequence[Consumer] | None = None,
        jobs: Sequence[PeriodicJob] | None = None,
        channels: ChatChannels | None = None,
    ) -> None:
        """Without `consumers`, every registered one; without `jobs`, every timed job; with
        `channels`, also the chat consumers and the chat sender."""
        self.settings = settings
        self.db = db
        self.broker = broker
        self.consumers = consumers if consumers is not None else all_consumers(channels)
        self.chat_sender = (
            ChatSender(
                db,
                channels.sealer,
                channels.senders,
                holder=PROCESS_ID,
                per_chat_rate=settings.chat_rate_per_chat,
                in_doubt_seconds=settings.chat_in_doubt_seconds,
            )
            if channels is not None
            else None
        )
        self.relay = OutboxRelay(
            db,
            broker,
            batch_size=settings.relay_batch_size,
            interval=settings.relay_interval_seconds,
        )
        self.webhooks = WebhookSender(settings)
        self.jobs = jobs if jobs is not None else scheduled_jobs(self.webhooks)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._subscriptions: list[Subscription] = []

    async def start(self) -> None:
        # Queues exist before the first publish, so no event is dropped for want of a queue.
        await declare_queues(self.broker, self.consumers)
        if isinstance(self.broker, MemoryBroker):
            # Its queues died with the last process: whatever they held is relayed again.
            since = utcnow() - REQUEUE_WINDOW
            await requeue_unprocessed(self.db, self.consumers, since=since)
        self._subscriptions = await subscribe_all(
            self.db,
            self.broker,
            self.consumers,
            max_deliveries=self.settings.max_deliveries,
            retry_delay=self.settings.retry_delay_seconds,
        )
        self._stopping = asyncio.Event()
        loops = [("outbox-relay", self.relay.run(self._stopping))]
        loops += [(job.name, run_periodically(self.db, job, self._stopping)) for job in self.jobs]
        if self.chat_sender is not None:
            loops.append(("chat-sender", self.chat_sender.run(self._stopping)))
        self._tasks = [asyncio.create_task(loop, name=name) for name, loop in loops]
        log.info("worker.started", consumers=[c.name for c in self.consumers])

    async def stop(self) -> None:
        """Finish in-flight messages; anything unacked goes back to its queue."""
        for subscription in self._subscriptions:
            await subscription.stop()
        self._subscriptions = []
        # Loops finish their round and return; one still busy after the grace period is
        # cancelled (a long webhook or chat send).
        self._stopping.set()
        if self._tasks:
            _, busy = await asyncio.wait(self._tasks, timeout=STOP_GRACE_SECONDS)
            for task in busy:
                task.cancel()
            for task in self._tasks:
                with suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        await self.webhooks.close()
        log.info("worker.stopped")
