"""The migrations build exactly the schema the models describe, on each database."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from core.migrations import load_all_models


async def test_migrations_and_models_agree(db) -> None:
    metadata = load_all_models().metadata

    def differences(sync_conn):
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as conn:
        diff = await conn.run_sync(differences)
    assert diff == []


async def test_every_model_table_exists_after_migrating(db) -> None:
    expected = set(load_all_models().metadata.tables)

    def table_names(sync_conn):
        from sqlalchemy import inspect

        return set(inspect(sync_conn).get_table_names())

    async with db.engine.connect() as conn:
        assert expected <= await conn.run_sync(table_names)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(db) -> None:
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000
