"""Migration 0020 gives the tries played before it their channel, from the events they recorded."""

from alembic import command
from sqlalchemy import select

from core.activities.models import Play
from core.migrations import alembic_config
from tests.analytics.store import coupon_template, coupon_wheel, open_store, won_code


async def _migrate(db, revision: str, step) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: step(alembic_config(sync_conn), revision))


async def test_tries_before_the_migration_get_their_channel_from_their_events(client, db) -> None:
    shop = await open_store(client, db)
    wheel = await shop.live(coupon_wheel((await coupon_template(shop))["id"], stock=5))
    await won_code(shop, wheel, "alice")
    await _migrate(db, "-1", command.downgrade)  # to just before 0020, the head
    await _migrate(db, "head", command.upgrade)
    async with db.transaction(write=False) as session:
        channels = (await session.execute(select(Play.channel))).scalars().all()
    assert channels == ["api"]
