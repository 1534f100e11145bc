"""The test fixtures' own promises: each PostgreSQL test starts on an empty database, a server
that fails its start is not left running, and the ASGI test client starts an app only once."""

import contextlib
from pathlib import Path

import pytest
from sanic.response import text as text_response
from sqlalchemy import func, select, text

from core.broker.memory import MemoryBroker
from core.events.models import OutboxEntry
from core.migrations import load_all_models
from tests.factories import merchant_with_key
from tests.fixtures.databases import empty_every_table
from tests.fixtures.processes import free_port, start_serving
from web.app import create_app


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


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_asgi_client_starts_an_app_once_and_runs_its_listeners_around_each_request(
    settings, db
) -> None:
    app = create_app(settings, db=db, broker=MemoryBroker())
    starts = []
    app.before_server_start(lambda app: starts.append("start"))
    app.get("/late-enough")(lambda request: text_response("ok"))

    _, first = await app.asgi_client.get("/late-enough")
    compiled = app.router.find_route
    _, second = await app.asgi_client.get("/late-enough")

    assert (first.status, second.status) == (200, 200)
    assert app.router.find_route is compiled, "the routes were compiled again"
    assert starts == ["start", "start"]
    app.get("/added-later")(lambda request: text_response("ok"))  # Sanic's amend() compiles it
    _, later = await app.asgi_client.get("/added-later")
    assert later.status == 200
