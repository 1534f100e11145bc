"""How fast a generated code batch is made and stored, against a raw bulk load (COPY on
PostgreSQL) of the same rows.

    python -m bench.codes [--count 1000000] [--postgres URL]

Each run uses a fresh database (a SQLite file; a PostgreSQL database created and dropped).
Figures are codes per second on this machine; the ratio (service / raw) is what to compare
across machines.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bench.served import fresh_database
from core.clock import utcnow
from core.codes import patterns
from core.codes.models import Code, CodeBatch
from core.codes.schemas import CodeBatchCreate
from core.codes.service import create_batch
from core.db import Database
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant

PATTERN = "BENCH-#####-#####"


async def _service_run(db: Database, count: int) -> float:
    async with db.transaction() as session:
        merchant = await create_merchant(
            session, MerchantCreate(name="Bench", currency="EUR", timezone="UTC")
        )
    started = time.perf_counter()
    async with db.transaction() as session:
        await create_batch(
            session,
            merchant,
            CodeBatchCreate(
                name="bench",
                kind="generated",
                count=count,
                pattern=PATTERN,
                reward={"type": "points", "amount": 1},
            ),
        )
    return time.perf_counter() - started


async def _raw_run(db: Database, count: int) -> float:
    """The same rows, made before the clock starts: COPY on PostgreSQL, chunked INSERTs on
    SQLite (it has no bulk loader)."""
    async with db.transaction() as session:
        merchant = await create_merchant(
            session, MerchantCreate(name="Raw", currency="EUR", timezone="UTC")
        )
        batch = CodeBatch(
            merchant_id=merchant.id, name="raw", kind="generated", reward={}, created_at=utcnow()
        )
        session.add(batch)
        await session.flush()
        batch_id = batch.id
    codes = patterns.generate(PATTERN.replace("BENCH", "RAWXX"), count)
    rows = [
        {
            "merchant_id": merchant.id,
            "batch_id": batch_id,
            "code": code,
            "raw": raw,
            "status": "available",
        }
        for code, raw in codes.items()
    ]
    started = time.perf_counter()
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            await _copy(session, rows)
        else:
            for start in range(0, len(rows), 5_000):
                await session.execute(insert(Code), rows[start : start + 5_000])
    return time.perf_counter() - started


async def _copy(session, rows: list[dict]) -> None:
    """PostgreSQL's fastest bulk load, COPY, straight through the asyncpg connection."""
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    columns = list(rows[0])
    records = [tuple(row[column] for column in columns) for row in rows]
    await raw.copy_records_to_table("codes", records=records, columns=columns)


async def measure_in(db: Database, count: int) -> tuple[float, float]:
    """Seconds for the service to make and store `count` codes, and for the raw bulk load."""
    return await _service_run(db, count), await _raw_run(db, count)


async def main(count: int, postgres: str | None) -> None:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        for backend in ("sqlite", "postgresql") if postgres else ("sqlite",):
            async with fresh_database(backend, path, postgres or "") as db:
                results.append((backend, *await measure_in(db, count)))
    print(f"\n{count:,} generated codes, pattern {PATTERN}\n")
    print(f"{'database':<12}{'service codes/s':>18}{'raw insert rows/s':>20}{'ratio':>8}")
    for backend, service_seconds, raw_seconds in results:
        print(
            f"{backend:<12}{count / service_seconds:>18,.0f}{count / raw_seconds:>20,.0f}"
            f"{raw_seconds / service_seconds:>8.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.count, None if args.no_postgres else args.postgres))
