"""The test fixtures' own promises: each PostgreSQL test starts on an empty database, and a
server that fails its start is not left running."""

import contextlib
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.events.models import OutboxEntry
from core.migrations import load_all_models
from tests.factories import merchant_with_key
from tests.fixtures.databases import empty_every_table
from tests.fixtures.processes import free_port, start_serving


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


def _processes_naming(word: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):  # it may end while we look
            arguments = cmdline.read_bytes().split(b"\0")
            if word.encode() in arguments:
                found.append(cmdline.parent.name)
    return found


def test_a_server_that_does_not_answer_in_time_is_killed(env, tmp_path) -> None:
    port = free_port()
    with pytest.raises(AssertionError, match="did not answer 200"):
        start_serving(env, port, tmp_path / "serve.log", within=0.01)
    assert _processes_naming(str(port)) == []
