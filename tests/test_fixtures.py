"""The test fixtures' own promises: each PostgreSQL test starts on an empty database."""

import pytest
from sqlalchemy import func, select, text

from core.events.models import OutboxEntry
from core.migrations import load_all_models
from tests.factories import merchant_with_key
from tests.fixtures.databases import empty_every_table


async def _first_outbox_id(db) -> int:
    async with db.engine.connect() as conn:
        return (await conn.execute(select(func.min(OutboxEntry.id)))).scalar_one()


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_emptying_postgres_leaves_no_row_and_restarts_every_id(db) -> None:
    await merchant_with_key(db)
    await merchant_with_key(db, name="Second Shop")
    first_id = await _first_outbox_id(db)

    await empty_every_table(db)

    async with db.engine.connect() as conn:
        for table in load_all_models().metadata.sorted_tables:
            count = await conn.execute(text(f'SELECT count(*) FROM "{table.name}"'))
            assert count.scalar_one() == 0, table.name
    await merchant_with_key(db)
    assert await _first_outbox_id(db) == first_id
