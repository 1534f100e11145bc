"""One engine and session factory per process, tuned for each database, and the query helpers
every domain shares.

Transactions are owned by the caller (a request, a worker, a bot update), never by services.
`Database.transaction(write=True)` on SQLite begins with `BEGIN IMMEDIATE`: a WAL read
transaction cannot be upgraded to a write while another connection writes, so a transaction
that may write takes the write lock up front instead of failing later with "database is locked".
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import ConfettiError
from core.settings import Settings
from core.stock.sold_out import SESSION_KEY, SoldOutMarks

# SQLite's busy handler retries by sleeping, not in arrival order: under a burst of writers
# (a thousand tries at once) one may wait far longer than the burst's average.
SQLITE_BUSY_TIMEOUT_MS = 60_000
_WRITE_OPTION = "confetti_write"


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=True,
    )


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see do_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _do_begin(conn: Connection) -> None:
        writes = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


class Database:
    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or create_engine(settings)
        # What this process knows has sold out; every session of this database shares it.
        self.sold_out = SoldOutMarks()
        info = {SESSION_KEY: self.sold_out}
        self._readers = async_sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._writers = async_sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}),
            expire_on_commit=False,
            info=info,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> AsyncSession:
        """A session the caller begins and commits itself."""
        return (self._writers if write else self._readers)()

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.session(write=write) as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted and
# nothing of it kept, so it may simply be run again.
RETRYABLE_SQLSTATES = {"40P01", "40001"}


def aborted_to_retry(exc: BaseException) -> bool:
    """Whether the database aborted the transaction for a conflict that running it again can
    resolve."""
    return isinstance(exc, DBAPIError) and (
        getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    )


# PostgreSQL's operator_intervention class: the server ended the connection (pg_terminate_backend,
# a shutdown or a restart in progress).
SERVER_ENDED_SQLSTATE_PREFIX = "57P"


def connection_lost(exc: BaseException) -> bool:
    """Whether the connection to the database broke under a statement (killed, the server
    restarted, the network cut): its transaction is gone, and nothing of it was kept unless its
    commit had already reached the server."""
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or sqlstate.startswith(SERVER_ENDED_SQLSTATE_PREFIX)


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT construct, which has `on_conflict_do_nothing/_update` on both
    SQLite and PostgreSQL."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def get_owned(
    session: AsyncSession,
    model: Any,
    merchant_id: uuid.UUID,
    row_id: uuid.UUID,
    not_found: ConfettiError,
    *,
    lock: bool = False,
) -> Any:
    """A merchant's row by id, or `not_found` raised: another merchant's row is as absent as a
    row that does not exist (no query crosses merchants).

    `lock` takes PostgreSQL's FOR NO KEY UPDATE, not FOR UPDATE: ids never change, and rows
    inserted meanwhile that refer to this one (a claim's coupon, a try's play) take FOR KEY
    SHARE on it, which FOR UPDATE would block. A claim holding its stock row would then wait
    for an edit that waits for that stock row: a deadlock."""
    query = select(model).where(model.id == row_id, model.merchant_id == merchant_id)
    if lock:
        query = query.with_for_update(key_share=True)
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise not_found
    return row
