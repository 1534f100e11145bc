"""The floors: what the database does for the same effects with no framework at all.

The naive claim is the issue's floor: one transaction of a conditional stock UPDATE, a coupon
INSERT and an outbox INSERT, by raw asyncpg (or raw aiosqlite for the embedded column), from
`clients` concurrent callers for `seconds`, over as many connections as Confetti's pool. The
naive try of a lucky draw is the same shape: the prize's conditional stock UPDATE, the player's
tries counted by an upsert, the play INSERT and its outbox INSERT.
"""

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosqlite
import asyncpg
from sqlalchemy.engine import make_url

from core.activities.models import Prize
from core.clock import utcnow
from core.coupons.models import CouponTemplate
from core.db import Database

UPDATE_STOCK = (
    "UPDATE stock_buckets SET remaining = remaining - 1 WHERE owner_kind = 'coupon_template'"
    " AND owner_id = {p1} AND shard = {p2} AND remaining >= 1"
)
INSERT_COUPON = (
    "INSERT INTO coupons (id, merchant_id, template_id, customer_id, code, status, source,"
    " created_at) VALUES ({p1}, {p2}, {p3}, {p4}, {p5}, 'available', 'claim', {p6})"
)
INSERT_OUTBOX = (
    "INSERT INTO outbox (event_id, topic, body, created_at) VALUES ({p1}, {p2}, {p3}, {p4})"
)
UPDATE_PRIZE = (
    "UPDATE stock_buckets SET remaining = remaining - 1 WHERE owner_kind = 'prize'"
    " AND owner_id = {p1} AND shard = 0 AND remaining >= 1"
)
COUNT_TRY = (
    "INSERT INTO quota_usage (owner_kind, owner_id, holder_id, period, merchant_id, used)"
    " VALUES ('activity_tries', {p1}, {p2}, '', {p3}, 1)"
    " ON CONFLICT (owner_kind, owner_id, holder_id, period)"
    " DO UPDATE SET used = quota_usage.used + 1"
)
INSERT_PLAY = (
    "INSERT INTO plays (id, activity_id, merchant_id, customer_id, nonce, client_seed,"
    " table_version, prize_id, outcome, won, created_at)"
    " VALUES ({p1}, {p2}, {p3}, {p4}, {p5}, {p6}, 1, {p7}, {p8}, {p9}, {p10})"
)


@dataclass
class FloorResult:
    done: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def as_dict(self) -> dict:
        return {
            "done": self.done,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
        }


def _sql(template: str, dialect: str) -> str:
    marks = {f"p{n}": (f"${n}" if dialect == "postgresql" else "?") for n in range(1, 11)}
    return template.format(**marks)


async def naive_claims(
    db: Database,
    template: CouponTemplate,
    customer_ids: list[uuid.UUID],
    *,
    clients: int,
    seconds: float,
) -> FloorResult:
    """Claims of `template` (one stock row, shard 0) by the naive transaction."""

    def claim_parameters(n: int) -> tuple[tuple, ...]:
        now = utcnow()
        body = json.dumps({"type": "coupon.claimed", "n": n})
        coupon = (
            uuid.uuid4(),
            template.merchant_id,
            template.id,
            customer_ids[n % len(customer_ids)],
            secrets.token_hex(6).upper(),
            now,
        )
        return (template.id, 0), coupon, (uuid.uuid4(), "coupon.claimed", body, now)

    statements = (UPDATE_STOCK, INSERT_COUPON, INSERT_OUTBOX)
    return await _floor(db, statements, claim_parameters, clients=clients, seconds=seconds)


async def naive_tries(
    db: Database,
    prize: Prize,
    customer_ids: list[uuid.UUID],
    *,
    clients: int,
    seconds: float,
) -> FloorResult:
    """Tries at a lucky draw whose drawn prize (one stock row) is always won."""
    activity_id, merchant_id, prize_id = prize.activity_id, prize.merchant_id, prize.id
    outcome = json.dumps({"type": "points", "points": 10})

    def try_parameters(n: int) -> tuple[tuple, ...]:
        now = utcnow()
        customer_id = customer_ids[n % len(customer_ids)]
        play = (uuid.uuid4(), activity_id, merchant_id, customer_id, n, f"seed{n}", prize_id)
        body = json.dumps({"type": "activity.played", "n": n})
        return (
            (prize_id,),
            (activity_id, customer_id, merchant_id),
            (*play, outcome, True, now),
            (uuid.uuid4(), "activity.played", body, now),
        )

    statements = (UPDATE_PRIZE, COUNT_TRY, INSERT_PLAY, INSERT_OUTBOX)
    return await _floor(db, statements, try_parameters, clients=clients, seconds=seconds)


async def _floor(
    db: Database,
    texts: tuple[str, ...],
    parameters: Callable[[int], tuple[tuple, ...]],
    *,
    clients: int,
    seconds: float,
) -> FloorResult:
    """`clients` callers running the transaction of `texts` (the first a conditional UPDATE
    the others follow only if it took a unit), each with `parameters(n)`, for `seconds`."""
    statements = [_sql(text, db.dialect) for text in texts]
    opener = _postgres_client if db.dialect == "postgresql" else _sqlite_client
    url = db.settings.database_url
    # As many connections as Confetti's own pool (pool size + overflow), shared by `clients`
    # callers: the database's connection limit is shared with the server and other users.
    pool = db.settings.database_pool_size + db.settings.database_max_overflow
    runners = [await opener(url, statements, parameters) for _ in range(min(clients, pool))]
    try:
        return await _drive(runners, clients, seconds)
    finally:
        for _, close in runners:
            await close()


Runner = tuple[Callable[[int], Awaitable[None]], Callable[[], Awaitable[None]]]


async def _postgres_client(url: str, statements: list[str], parameters) -> Runner:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    update, *rest = statements

    async def run(n: int) -> None:
        update_args, *rest_args = parameters(n)
        # The outbox's event_id refers to events: this floor skips that row, as the issue's
        # floor does, so the foreign key check is left to the session's replication role.
        async with conn.transaction():
            if await conn.execute(update, *update_args) == "UPDATE 1":
                for statement, args in zip(rest, rest_args, strict=True):
                    await conn.execute(statement, *args)

    await conn.execute("SET session_replication_role = replica")
    return run, conn.close


async def _sqlite_client(url: str, statements: list[str], parameters) -> Runner:
    conn = await aiosqlite.connect(make_url(url).database, timeout=60, isolation_level=None)
    await conn.execute("PRAGMA busy_timeout=60000")
    await conn.execute("PRAGMA synchronous=NORMAL")
    update, *rest = statements

    async def run(n: int) -> None:
        update_args, *rest_args = parameters(n)
        await conn.execute("BEGIN IMMEDIATE")
        try:
            cursor = await conn.execute(update, [_sqlite_value(value) for value in update_args])
            if cursor.rowcount == 1:
                for statement, args in zip(rest, rest_args, strict=True):
                    await conn.execute(statement, [_sqlite_value(value) for value in args])
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise

    return run, conn.close


def _sqlite_value(value):
    """SQLAlchemy stores UUIDs on SQLite as 32 hex digits and datetimes as ISO text."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if hasattr(value, "isoformat"):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    return value


async def _drive(runners: list[Runner], clients: int, seconds: float) -> FloorResult:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**12))
    idle: asyncio.Queue = asyncio.Queue()
    for claim, _ in runners:
        idle.put_nowait(claim)

    async def client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            claim = await idle.get()
            try:
                await claim(next(counter))
            finally:
                idle.put_nowait(claim)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return summarize(latencies, time.perf_counter() - started)


def summarize(latencies: list[float], seconds: float) -> FloorResult:
    ordered = sorted(latencies) or [0.0]

    def percentile(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    return FloorResult(len(latencies), seconds, percentile(0.5), percentile(0.99))
