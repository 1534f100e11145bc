"""PostgreSQL connections killed mid-request (`pg_terminate_backend` from a side connection,
as an operator or a failover would): each request either completes or fails cleanly with a
503 JSON error the client may retry, nothing is half-written (every coupon taken from stock
exists with its event, and each one answered exists), and the app recovers once the killing
stops."""

import asyncio
from contextlib import asynccontextmanager

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.coupons.models import Coupon
from core.events.models import Event
from core.stock.service import remaining_stock
from tests.activities.shop import Shop
from tests.factories import coupon_template, customer
from tests.reliability.processes import ON_POSTGRES
from tests.waiting import wait_until

pytestmark = [ON_POSTGRES]
STOCK = 10_000
CLAIMS = 100
KILL_EVERY_SECONDS = 0.1
# The test database's connections in the middle of a request's transaction (not those idle in
# the pool), but the killer's own.
TERMINATE = text(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
)


@asynccontextmanager
async def killing_connections(database_url: str):
    """Terminates the connections busy with a request every 100 ms meanwhile; yields a list of
    how many each round killed."""
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    killed: list[int] = []
    stop = asyncio.Event()

    async def keep_killing() -> None:
        async with engine.connect() as conn:
            while not stop.is_set():
                killed.append((await conn.execute(TERMINATE)).scalar_one())
                await asyncio.sleep(KILL_EVERY_SECONDS)

    killer = asyncio.create_task(keep_killing())
    try:
        yield killed
    finally:
        stop.set()
        await killer
        await engine.dispose()


async def test_requests_cut_off_by_killed_connections_fail_cleanly_and_write_nothing_half(
    shop: Shop, settings
) -> None:
    template = await coupon_template(shop.db, shop.merchant, total_stock=STOCK)
    people = [f"k{n}" for n in range(30)]
    for person in people:
        await customer(shop.db, shop.merchant, person)
    path = f"/coupon-templates/{template.id}/claim"

    async def claim(number: int):
        return await shop.call("post", path, {"customer": people[number % len(people)]})

    async with killing_connections(settings.database_url) as killed:
        await wait_until(lambda: killed)
        answers = await asyncio.gather(*(claim(n) for n in range(CLAIMS)))
    assert sum(killed) > 0
    statuses = {answer.status for answer in answers}
    assert statuses <= {201, 503}, [a.text for a in answers if a.status not in (201, 503)][:3]
    assert 503 in statuses, "no request was cut off: the test proves nothing"
    cut_off = [answer for answer in answers if answer.status == 503]
    assert {answer.json["error"]["code"] for answer in cut_off} == {"database_unavailable"}
    assert all(answer.headers.get("retry-after") for answer in cut_off)

    async with shop.db.transaction(write=False) as session:
        coupons = set((await session.execute(select(Coupon.code))).scalars())
        claimed_events = (
            await session.execute(
                select(func.count()).select_from(Event).where(Event.type == "coupon.claimed")
            )
        ).scalar_one()
        left = await remaining_stock(session, template.stock_owner)
    # Stored as typed at checkout, without the dashes shown to customers.
    answered = {answer.json["code"].replace("-", "") for answer in answers if answer.status == 201}
    assert answered <= coupons, "a coupon answered to the client was not kept"
    assert len(coupons) == claimed_events == STOCK - left, "a claim was half-written"
    # The pool replaces the dead connections: the next request goes through.
    assert (await claim(0)).status == 201
