"""Each line of `make bench`: what Confetti does, against its floor measured in the same run.

A line measures through the HTTP API of a separate `confetti serve` process (see `served`),
driven by wrk (see `load`), and checks afterwards in the database that nothing was oversold.
"""

import json
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from bench import codes as codes_bench
from bench import floors, seed
from bench.load import Load, LoadResult, run_load
from bench.served import Served
from core.activities.models import Play, Prize
from core.code_alphabet import display_code
from core.coupons.models import Coupon, CouponTemplate
from core.coupons.service import claim_coupon
from core.db import Database
from core.stock.service import remaining_stock

SHARDS = 16


@dataclass
class Options:
    seconds: float = 5.0
    clients: int = 64
    stock: int = 20_000
    codes: int = 100_000
    broadcast: int = 5_000  # a broadcast's audience (at most `stock`)


@dataclass
class Line:
    """One row of the table. `ratio` is measured / floor (or measured / limit for a ceiling)."""

    name: str
    backend: str
    measured: float
    unit: str
    floor: float | None
    floor_name: str
    target: float
    ceiling: bool = False  # the ratio must stay at or below the target, not reach it
    p50_ms: float | None = None
    p99_ms: float | None = None
    oversold: int = 0
    # Work accepted but not done when the line stopped waiting (an update left unanswered, a
    # broadcast's message not sent): it must be 0.
    unfinished: int = 0
    generator_cpu_share: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.measured / self.floor if self.floor else 0.0

    @property
    def met(self) -> bool:
        within = self.ratio <= self.target if self.ceiling else self.ratio >= self.target
        return within and self.oversold == 0 and self.unfinished == 0 and not self.latency_missed

    @property
    def latency_missed(self) -> list[str]:
        """Each latency limit the line missed, as "p99 180 ms > 150"."""
        missed = []
        for name, value in (("p50", self.p50_ms), ("p99", self.p99_ms)):
            limit = self.extra.get(f"{name}_limit_ms")
            if limit is not None and (value is None or value > limit):
                missed.append(f"{name} {_ms(value)} ms > {limit}")
        return missed

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "backend": self.backend,
            "measured": round(self.measured, 1),
            "unit": self.unit,
            "floor": None if self.floor is None else round(self.floor, 1),
            "floor_name": self.floor_name,
            "ratio": round(self.ratio, 3),
            "target": self.target,
            "target_is_ceiling": self.ceiling,
            "met": self.met,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "oversold": self.oversold,
            "unfinished": self.unfinished,
            "generator_cpu_share": self.generator_cpu_share,
            **self.extra,
        }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


@dataclass
class Stage:
    """What every line of one backend shares: its database, shop, server and floors."""

    backend: str
    db: Database
    shop: seed.Shop
    server: Served | None
    options: Options
    hello_rate: float
    naive: floors.FloorResult | None = None
    naive_try: floors.FloorResult | None = None
    fake: Served | None = None  # the fake Bot API every merchant's bot points at
    bots: list[seed.Bot] = field(default_factory=list)  # one per merchant of the chat lines
    broadcast_bot: seed.Bot | None = None  # the shop's own, with its Telegram audience

    def load(self, path: str, **fields) -> Load:
        fields.setdefault("connections", self.options.clients)
        fields.setdefault("seconds", self.options.seconds)
        return Load(url=self.server.url + path, authorization=self.shop.authorization, **fields)


def _claim_load(stage: Stage, template: CouponTemplate, connections: int) -> Load:
    return stage.load(
        f"/api/v1/coupon-templates/{template.id}/claim",
        method="POST",
        body='{"customer": "c%d"}',
        modulus=len(stage.shop.customer_ids),
        connections=connections,
    )


def _from_load(stage: Stage, name: str, result: LoadResult, rate: float, **fields) -> Line:
    return Line(
        name=name,
        backend=stage.backend,
        measured=rate,
        p50_ms=round(result.p50_ms, 2),
        p99_ms=round(result.p99_ms, 2),
        generator_cpu_share=round(result.generator_cpu_share, 3),
        **fields,
    )


async def oversold(db: Database, template: CouponTemplate) -> int:
    """Units given beyond the stock, plus coupons beyond one per customer: both must be 0."""
    async with db.transaction(write=False) as session:
        issued = await session.scalar(
            select(func.count()).select_from(Coupon).where(Coupon.template_id == template.id)
        )
        left = await remaining_stock(session, template.stock_owner)
        per_customer = (
            select(func.count().label("held"))
            .where(Coupon.template_id == template.id)
            .group_by(Coupon.customer_id)
            .subquery()
        )
        doubles = await session.scalar(select(func.coalesce(func.sum(per_customer.c.held - 1), 0)))
    # Stock left plus coupons issued can never pass the stock given: more is an oversell.
    return max(0, issued + left - template.total_stock) + int(doubles)


async def naive_floor(stage: Stage) -> floors.FloorResult:
    if stage.naive is None:
        template = await seed.flash_sale(stage.db, stage.shop, stock=10**9, per_customer_limit=None)
        stage.naive = await floors.naive_claims(
            stage.db,
            template,
            stage.shop.customer_ids,
            clients=stage.options.clients,
            seconds=stage.options.seconds,
        )
    return stage.naive


async def naive_try_floor(stage: Stage) -> floors.FloorResult:
    if stage.naive_try is None:
        _, prize = await seed.lucky_draw(stage.db, stage.shop, stock=10**9)
        stage.naive_try = await floors.naive_tries(
            stage.db,
            prize,
            stage.shop.customer_ids,
            clients=stage.options.clients,
            seconds=stage.options.seconds,
        )
    return stage.naive_try


async def prizes_oversold(db: Database, prize: Prize) -> int:
    """Plays that won `prize` beyond its stock: must be 0."""
    async with db.transaction(write=False) as session:
        won = await session.scalar(
            select(func.count()).select_from(Play).where(Play.prize_id == prize.id)
        )
        left = await remaining_stock(session, prize.stock_owner)
    return max(0, won + left - prize.stock)


async def lucky_draw(stage: Stage) -> list[Line]:
    """Tries at a live wheel through the API, against the naive try by the raw driver."""
    floor = await naive_try_floor(stage)
    activity, prize = await seed.lucky_draw(stage.db, stage.shop, stock=stage.options.stock)
    load = stage.load(
        f"/api/v1/activities/{activity.id}/play",
        method="POST",
        body='{"customer": "c%d"}',
        modulus=len(stage.shop.customer_ids),
    )
    result = await run_load(load)
    return [
        _from_load(
            stage,
            f"lucky draw try, {stage.options.clients} clients",
            result,
            result.answered / result.seconds,
            unit="tries/s",
            floor=floor.rate,
            floor_name="naive try transaction, raw driver",
            target=0.5,
            oversold=await prizes_oversold(stage.db, prize),
            extra={"floor_p99_ms": round(floor.p99_ms, 2), "not_answered": result.refused},
        )
    ]


async def _claims(stage: Stage, name: str, template: CouponTemplate, clients: int, **fields):
    """A flash-sale line: claims of `template` by `clients` at once, against the naive floor."""
    floor = await naive_floor(stage)
    result = await run_load(_claim_load(stage, template, clients))
    return _from_load(
        stage,
        name,
        result,
        result.answered / result.seconds,
        unit="claims/s",
        floor=floor.rate,
        floor_name="naive claim transaction, raw driver",
        oversold=await oversold(stage.db, template),
        **fields,
        extra={"floor_p99_ms": round(floor.p99_ms, 2), "refused": result.refused},
    )


async def flash_sale_one_row(stage: Stage) -> list[Line]:
    clients = stage.options.clients
    template = await seed.flash_sale(stage.db, stage.shop, stock=stage.options.stock)
    name = f"flash-sale claim, one stock row, {clients} clients"
    return [await _claims(stage, name, template, clients, target=1.0)]


async def flash_sale_sharded(stage: Stage) -> list[Line]:
    lines = []
    for clients in (stage.options.clients, stage.options.clients * 2):
        template = await seed.flash_sale(
            stage.db, stage.shop, stock=stage.options.stock, stock_shards=SHARDS
        )
        name = f"flash-sale claim, {SHARDS} stock shards, {clients} clients"
        line = await _claims(stage, name, template, clients, target=2.5)
        if clients == stage.options.clients:
            line.extra["p99_limit_ms"] = 150
        lines.append(line)
    return lines


async def sold_out(stage: Stage) -> list[Line]:
    template = await seed.flash_sale(stage.db, stage.shop, stock=1)
    async with httpx.AsyncClient(base_url=stage.server.url) as client:
        first = await client.post(
            f"/api/v1/coupon-templates/{template.id}/claim",
            json={"customer": "c0"},
            headers={"Authorization": stage.shop.authorization},
        )
        first.raise_for_status()
    result = await run_load(_claim_load(stage, template, stage.options.clients))
    line = against_hello(stage, "sold-out claim", result, result.refused, "refusals/s", 0.5)
    line.oversold = await oversold(stage.db, template)
    line.extra["not_refused"] = result.answered + result.failed
    return [line]


def against_hello(
    stage: Stage, name: str, result: LoadResult, done: int, unit: str, target: float
) -> Line:
    """A line whose floor is the hello-world route: what any request costs at the least."""
    return _from_load(
        stage,
        name,
        result,
        done / result.seconds,
        unit=unit,
        floor=stage.hello_rate,
        floor_name="Sanic hello-world",
        target=target,
    )


def idle_memory(stage: Stage, rss_megabytes: float) -> list[Line]:
    return [
        Line(
            name="idle memory of confetti serve",
            backend=stage.backend,
            measured=rss_megabytes,
            unit="MB RSS",
            floor=150.0,
            floor_name="limit of 150 MB",
            target=1.0,
            ceiling=True,
        )
    ]


ORDER_LINES = 20


async def validate(stage: Stage) -> list[Line]:
    """A checkout's quote: a 20-line order with 3 codes the customer holds."""
    kinds = (
        {"kind": "fixed", "amount_off": 300},
        {"kind": "percent", "percent_off": 10, "amount_off": None},
        {"kind": "threshold", "threshold": 5000, "amount_off": 700},
    )
    templates = [
        await seed.flash_sale(stage.db, stage.shop, stock=10, stackable=True, **terms)
        for terms in kinds
    ]
    codes = []
    async with stage.db.transaction() as session:
        for template in templates:
            coupon, _, _ = await claim_coupon(session, stage.shop.merchant.id, template.id, "c1")
            codes.append(display_code(coupon.code))
    items = [
        {"sku": f"SKU-{n}", "category": "tea", "unit_amount": 250 + n, "quantity": 1 + n % 3}
        for n in range(ORDER_LINES)
    ]
    body = {
        "customer": "c1",
        "codes": codes,
        "order": {"id": "o-1", "currency": "EUR", "items": items},
    }
    result = await run_load(
        stage.load("/api/v1/redemptions/validate", method="POST", body=json.dumps(body))
    )
    name = f"validate, {ORDER_LINES}-line order, 3 codes"
    line = against_hello(stage, name, result, result.answered, "quotes/s", 0.3)
    line.extra["not_answered"] = result.refused + result.failed
    return [line]


async def codes(stage: Stage) -> list[Line]:
    """Generated codes stored by the service against a raw bulk insert of the same rows (in
    the bench process: a batch this size is a job's work, not a request's)."""
    count = stage.options.codes
    service_seconds, raw_seconds = await codes_bench.measure_in(stage.db, count)
    return [
        Line(
            name=f"codes, {count:,} generated and stored",
            backend=stage.backend,
            measured=count / service_seconds,
            unit="codes/s",
            floor=count / raw_seconds,
            floor_name="raw bulk insert of the same rows",
            target=0.5,
        )
    ]
