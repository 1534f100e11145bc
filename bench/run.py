"""`make bench`: every line of the issue's table, as ratios against floors of the same run.

    python -m bench.run [--seconds 5] [--clients 64] [--stock 20000] [--codes 100000]
                        [--broadcast 5000] [--postgres URL] [--no-postgres] [--no-sqlite]
                        [--out bench/results] [--label bench]

PostgreSQL (with RabbitMQ when it answers) is the first column, the embedded default (SQLite,
in-process broker) the second. Each backend gets a fresh database and its own `confetti serve`
process; wrk drives it from another process, and the chat lines' fake Bot API runs in a third.
Defaults keep each line to a few seconds; raise
--seconds, --stock and --codes for a long run (the issue's full sizes: --codes 1000000).
"""

import argparse
import asyncio
import json
import os
import socket
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text

from bench import chats, lines, machine, seed
from bench.load import Load, run_load
from bench.served import Served, fresh_database
from core.db import Database

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"
RESULTS = Path(__file__).with_name("results")
SETTLE_SECONDS = 1.0
LINES = (
    lines.flash_sale_one_row,
    lines.flash_sale_sharded,
    lines.sold_out,
    lines.lucky_draw,
    lines.validate,
    chats.telegram,
    chats.broadcast,
    lines.codes,
)


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


async def hello_rate(options: lines.Options) -> tuple[float, dict]:
    async with Served.hello() as hello:
        load = Load(url=hello.url + "/", connections=options.clients, seconds=options.seconds)
        result = await run_load(load)
    return result.answered / result.seconds, result.as_dict()


async def run_backend(
    backend: str, admin_url: str, options: lines.Options, hello: float, folder: Path
) -> tuple[list[lines.Line], str]:
    broker = RABBITMQ if backend == "postgresql" and answers("127.0.0.1", 5672) else "memory://"
    async with fresh_database(backend, folder, admin_url) as db:
        version = await _database_version(db)
        shop = await seed.shop(db, customers=options.stock)
        stage = lines.Stage(backend, db, shop, None, options, hello)
        stage.bots = await seed.telegram_merchants(db, chats.BOTS)
        settings = {"rate_per_second": chats.BROADCAST_RATE}
        stage.broadcast_bot = await seed.connect_bot(db, shop.merchant.id, chats.BOTS, settings)
        await seed.telegram_audience(db, shop, stage.broadcast_bot, options.broadcast)
        # The floors first, while no server holds connections of the database's shared limit.
        await lines.naive_floor(stage)
        await lines.naive_try_floor(stage)
        tokens = [bot.token for bot in (*stage.bots, stage.broadcast_bot)]
        async with (
            Served.fake_telegram(tokens) as fake,
            Served.confetti(db, broker, CONFETTI_TELEGRAM_API_BASE=fake.url) as server,
        ):
            await asyncio.sleep(SETTLE_SECONDS)  # let the relay and consumers finish starting
            rss = machine.rss_megabytes(server.process.pid)
            stage.server, stage.fake = server, fake
            results = lines.idle_memory(stage, rss)
            await _warm_up(stage)
            for line in LINES:
                results.extend(await line(stage))
    return results, f"{version}; broker {broker.split('@')[-1]}"


WARM_UP_CLAIMS = 20


async def _warm_up(stage: lines.Stage) -> None:
    """A few claims of a template of its own before the first line: a cold server's first
    requests (pool connections, compiled statements) are not what a line measures, and on a
    loaded machine they can fill a whole short line."""
    template = await seed.flash_sale(stage.db, stage.shop, stock=WARM_UP_CLAIMS)
    headers = {"Authorization": stage.shop.authorization}
    async with httpx.AsyncClient(base_url=stage.server.url, headers=headers, timeout=60) as http:
        for number in range(WARM_UP_CLAIMS):
            body = {"customer": f"c{number % len(stage.shop.customer_ids)}"}
            await http.post(f"/api/v1/coupon-templates/{template.id}/claim", json=body)


async def _database_version(db: Database) -> str:
    query = "SELECT version()" if db.dialect == "postgresql" else "SELECT sqlite_version()"
    async with db.transaction(write=False) as session:
        version = (await session.execute(text(query))).scalar_one()
    return version if db.dialect == "postgresql" else f"SQLite {version}"


async def main(
    options: lines.Options,
    backends: list[str],
    admin_url: str,
    out: Path | None,
    label: str = "bench",
):
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    hello, hello_detail = await hello_rate(options)
    results: list[lines.Line] = []
    versions = {}
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            backend_lines, versions[backend] = await run_backend(
                backend, admin_url, options, hello, Path(folder)
            )
            results.extend(backend_lines)
    report = {
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine.describe(versions), "load_average_at_start": load_at_start},
        "options": vars(options),
        "hello_world": hello_detail,
        "lines": [line.as_dict() for line in results],
    }
    print(table(results, hello))
    if out is not None:
        path = await asyncio.to_thread(write_report, report, out, label)
        print(f"\nwritten to {path}")
    return report


def write_report(report: dict, out: Path, label: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{label}-{report['ran_at'].replace(':', '')[:17]}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path


def table(results: list[lines.Line], hello: float) -> str:
    header = (
        f"{'line':<48}{'backend':<12}{'measured':>21}{'floor':>10}{'ratio':>8}{'target':>9}"
        f"{'met':>5}{'p50 ms':>9}{'p99 ms':>9}{'oversold':>9}{'gen CPU':>8}"
    )
    rows = [f"Sanic hello-world floor: {hello:,.0f} req/s", "", header, "-" * len(header)]
    for line in results:
        sign = "<=" if line.ceiling else ">="
        rows.append(
            f"{line.name:<48}{line.backend:<12}"
            f"{line.measured:>10,.0f} {line.unit:<10}{_number(line.floor):>10}"
            f"{line.ratio:>8.2f}{sign + f'{line.target:g}':>9}{'yes' if line.met else 'NO':>5}"
            f"{_number(line.p50_ms, 1):>9}{_number(line.p99_ms, 1):>9}{line.oversold:>9}"
            f"{_percent(line.generator_cpu_share):>8}{_shortfall(line)}"
        )
    return "\n".join(rows)


def _shortfall(line: lines.Line) -> str:
    """By how much a missed line missed: its ratio, a latency limit, work oversold or unfinished."""
    if line.met:
        return ""
    missed = []
    if (line.ratio > line.target) if line.ceiling else (line.ratio < line.target):
        gap = abs(line.target - line.ratio)
        missed.append(f"ratio off by {gap:.2f} ({gap / line.target:.0%} of the target)")
    missed += line.latency_missed
    missed += [
        f"{count} {what}"
        for what, count in (("oversold", line.oversold), ("unfinished", line.unfinished))
        if count
    ]
    return "  missed: " + "; ".join(missed)


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--stock", type=int, default=20_000)
    parser.add_argument("--codes", type=int, default=100_000)
    parser.add_argument("--broadcast", type=int, default=5_000, help="audience (<= --stock)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--label", default="bench", help="the report is <label>-<date>.json")
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    options = lines.Options(args.seconds, args.clients, args.stock, args.codes, args.broadcast)
    backends = [
        name
        for name, off in (("postgresql", args.no_postgres), ("sqlite", args.no_sqlite))
        if not off
    ]
    asyncio.run(main(options, backends, args.postgres, args.out, args.label))
