"""The chat lines: Telegram updates in through Confetti's webhook, the replies out through the
chat sender, and a broadcast, each counted where it lands: the fake Bot API in a process of its
own (bench/fake_telegram.py), which times every message it is handed.

Every update is a customer's `/start` in a private chat whose id is the update's id, so each
update comes from a new customer and its reply is found by its chat.
"""

import asyncio
import itertools
import json
import os
import time
from collections.abc import Callable

import httpx
from sqlalchemy import func, select

from bench import machine
from bench.lines import Line, Stage, against_hello
from bench.load import Load, run_load
from bench.seed import Bot
from core.events.models import OutboxEntry
from web.webhooks.telegram import SECRET_HEADER
from workers.chat_sender import DEFAULT_RATE

BOTS = 20
# A broadcast bot's configured rate: above Telegram's default of 25/s (a bot with paid
# broadcasts may send up to 1,000/s), so that 5,000 messages take under a minute.
BROADCAST_RATE = 100
REPLY_P50_LIMIT_MS = 100
# The latency phase offers this share of what the pipeline delivered flat out (and of the
# bots' rate): a reply's latency then measures the path, not a queue.
PACED_SHARE = 0.5
PACED_FIRST_UPDATE = 10_000_000_000  # above any update id wrk sends
DRAIN_SECONDS = 120.0
STALL_SECONDS = 15.0
POLL_SECONDS = 0.2
UPDATE = json.dumps(
    {
        "update_id": "%d",
        "message": {
            "message_id": "%d",
            "date": 1_765_000_000,
            "chat": {"id": "%d", "type": "private", "first_name": "Bench"},
            "from": {"id": "%d", "is_bot": False, "first_name": "Bench", "language_code": "en"},
            "text": "/start",
        },
    }
).replace('"%d"', "%d")

Received = list[tuple[float, int, int]]  # (unix time, bot id, chat id), as the fake timed them


async def _received(stage: Stage, offset: int = 0) -> Received:
    """What the fake Bot API was handed since its `offset`-th message."""
    async with httpx.AsyncClient(base_url=stage.fake.url, timeout=30) as client:
        answer = await client.get(
            f"/bot{stage.bots[0].token}/benchReceived", params={"offset": offset}
        )
    answer.raise_for_status()
    return [tuple(item) for item in answer.json()["result"]]


async def _collect(
    stage: Stage, offset: int, done: Callable[[Received], bool], seconds: float = DRAIN_SECONDS
) -> Received:
    """The messages since `offset`, once `done` says they are all there, or when none came for
    STALL_SECONDS, or after `seconds`."""
    deadline = time.monotonic() + seconds
    received: Received = []
    last_progress = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - last_progress < STALL_SECONDS:
        fresh = await _received(stage, offset + len(received))
        if fresh:
            received += fresh
            last_progress = time.monotonic()
        if done(received):
            break
        await asyncio.sleep(POLL_SECONDS)
    return received


def _chats(received: Received) -> set[int]:
    return {chat for _, _, chat in received}


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def _cpu_share(cpu_seconds: float, wall_seconds: float) -> float:
    return round(cpu_seconds / (wall_seconds * (os.cpu_count() or 1)), 3)


async def _outbox_drained(stage: Stage) -> dict:
    """Wait (at most DRAIN_SECONDS) until the relay has published every event the earlier lines
    left: a chat's reply waits behind them in the one outbox, and this line measures the chat
    path, not the earlier lines' backlog. Returns what was waited for."""
    started = time.monotonic()
    backlog = None
    while time.monotonic() - started < DRAIN_SECONDS:
        async with stage.db.transaction(write=False) as session:
            left = await session.scalar(select(func.count()).select_from(OutboxEntry))
        backlog = left if backlog is None else backlog
        if not left:
            break
        await asyncio.sleep(POLL_SECONDS)
    waited = round(time.monotonic() - started, 1)
    return {"outbox_backlog_at_start": backlog, "seconds_waited_for_outbox": waited}


async def telegram(stage: Stage) -> list[Line]:
    """Updates flat out through wrk (the webhook line, and the replies/s they bring), then
    updates paced below that rate (each reply's latency)."""
    settled = await _outbox_drained(stage)
    fake_pid = stage.fake.process.pid
    fake_cpu = machine.cpu_seconds(fake_pid)
    offset = len(await _received(stage))
    started = time.time()
    result = await run_load(
        Load(
            url=stage.server.url + stage.bots[0].webhook_path,
            method="POST",
            body=UPDATE,
            first=1,
            targets=[(bot.webhook_path, bot.secret) for bot in stage.bots],
            target_header=SECRET_HEADER,
            connections=stage.options.clients,
            seconds=stage.options.seconds,
        )
    )
    replies = await _collect(stage, offset, lambda got: len(_chats(got)) >= result.answered)
    wall = time.time() - started
    fake_share = _cpu_share(machine.cpu_seconds(fake_pid) - fake_cpu, wall)
    webhook = against_hello(
        stage,
        f"telegram webhook, {BOTS} bots, {stage.options.clients} clients",
        result,
        result.answered,
        "updates/s",
        0.25,
    )
    webhook.extra["not_answered"] = result.refused + result.failed
    per_bot = DEFAULT_RATE["telegram"]
    floor = BOTS * per_bot
    reply_rate = len(replies) / (replies[-1][0] - started) if replies else 0.0
    offered = max(1.0, PACED_SHARE * min(floor, reply_rate))
    latencies, paced_cpu_share, unanswered = await _paced_latencies(stage, offered)
    reply = Line(
        name=f"telegram replies, {BOTS} bots",
        backend=stage.backend,
        measured=reply_rate,
        unit="replies/s",
        floor=floor,
        floor_name=f"{BOTS} bots x {per_bot:g}/s (the chat sender's per-bot rate)",
        target=0.95,
        p50_ms=_round(_percentile(latencies, 0.5)),
        p99_ms=_round(_percentile(latencies, 0.99)),
        generator_cpu_share=paced_cpu_share,
        unfinished=max(0, result.answered - len(_chats(replies))) + unanswered,
        extra={
            "p50_limit_ms": REPLY_P50_LIMIT_MS,
            "updates_accepted": result.answered,
            "chats_answered": len(_chats(replies)),
            "seconds_to_last_reply": round(replies[-1][0] - started, 2) if replies else None,
            "fake_api_cpu_share": fake_share,
            "latency_offered_updates_per_second": round(offered, 1),
            "latency_unanswered": unanswered,
            **settled,
        },
    )
    return [webhook, reply]


async def _paced_latencies(stage: Stage, offered: float) -> tuple[list[float], float, int]:
    """Updates at `offered` a second for the line's seconds, from this process: each reply's
    time from its webhook's 200 to the fake's receipt (ms), this process's CPU share, and how
    many accepted updates got no reply in time (counted at the wait's length)."""
    offset = len(await _received(stage))
    count = max(1, int(offered * stage.options.seconds))
    accepted: dict[int, float] = {}
    cpu, started = time.process_time(), time.monotonic()
    limits = httpx.Limits(max_connections=stage.options.clients)
    async with httpx.AsyncClient(base_url=stage.server.url, limits=limits, timeout=30) as client:

        async def send(n: int, bot: Bot) -> None:
            answer = await client.post(
                bot.webhook_path,
                content=UPDATE.replace("%d", str(n)),
                headers={SECRET_HEADER: bot.secret, "Content-Type": "application/json"},
            )
            if answer.status_code == 200:
                accepted[n] = time.time()

        sends = []
        for number in range(count):
            await asyncio.sleep(max(0.0, started + number / offered - time.monotonic()))
            n = PACED_FIRST_UPDATE + number
            sends.append(asyncio.create_task(send(n, stage.bots[number % len(stage.bots)])))
        await asyncio.gather(*sends)
    cpu_share = _cpu_share(time.process_time() - cpu, time.monotonic() - started)
    replies = await _collect(stage, offset, lambda got: _chats(got) >= accepted.keys())
    gave_up = time.time()
    first_reply: dict[int, float] = {}
    for at, _, chat in replies:
        first_reply.setdefault(chat, at)
    latencies = [(first_reply.get(n, gave_up) - at) * 1000 for n, at in accepted.items()]
    return latencies, cpu_share, len(accepted.keys() - first_reply.keys())


async def broadcast(stage: Stage) -> list[Line]:
    """A broadcast to the shop's Telegram audience, sent by the job and the chat sender: the
    messages a second the fake received, first to last, against the bot's configured rate;
    p50/p99 are the gaps between one message and the next (a stall shows in p99)."""
    settled = await _outbox_drained(stage)
    bot = stage.broadcast_bot
    audience = stage.options.broadcast
    offset = len(await _received(stage))
    fake_cpu, own_cpu = machine.cpu_seconds(stage.fake.process.pid), time.process_time()
    started = time.time()
    async with httpx.AsyncClient(base_url=stage.server.url, timeout=30) as client:
        answer = await client.post(
            "/api/v1/broadcasts",
            json={"text": "Spring sale: 20% off all tea", "segment": {"channel": "telegram"}},
            headers={"Authorization": stage.shop.authorization},
        )
    answer.raise_for_status()

    def from_bot(received: Received) -> list[float]:
        return [at for at, bot_id, _ in received if bot_id == bot.bot_id]

    # Three times as long as the configured rate needs: a slower job is measured, not cut off.
    seconds = max(DRAIN_SECONDS, 3 * audience / BROADCAST_RATE)
    everything = await _collect(stage, offset, lambda got: len(from_bot(got)) >= audience, seconds)
    sent = from_bot(everything)
    wall = time.time() - started
    span = sent[-1] - sent[0] if len(sent) > 1 else 0.0
    gaps = [(later - earlier) * 1000 for earlier, later in itertools.pairwise(sent)]
    return [
        Line(
            name=f"broadcast to {audience:,} Telegram customers",
            backend=stage.backend,
            measured=(len(sent) - 1) / span if span else 0.0,
            unit="messages/s",
            floor=float(BROADCAST_RATE),
            floor_name="the bot's configured rate",
            target=0.95,
            p50_ms=_round(_percentile(gaps, 0.5)),
            p99_ms=_round(_percentile(gaps, 0.99)),
            unfinished=audience - len(sent),
            # No load to generate: the bench's own share is its polling of the fake.
            generator_cpu_share=_cpu_share(time.process_time() - own_cpu, wall),
            extra={
                "delivered": len(sent),
                "first_message_after_ms": _round((sent[0] - started) * 1000 if sent else None),
                "fake_api_cpu_share": _cpu_share(
                    machine.cpu_seconds(stage.fake.process.pid) - fake_cpu, wall
                ),
                **settled,
            },
        )
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
