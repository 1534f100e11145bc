"""Confetti as production runs it: a fresh database, then `confetti serve` in its own process.

`fresh_database` gives a migrated database of its own (a SQLite file, or a PostgreSQL database
created for the run and dropped after); `Served` starts a server process on a free port and
waits until `/healthz` answers, so the load generator only ever talks to a ready server.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import Database
from core.migrations import upgrade_to_head
from core.settings import Settings

SECRET_KEY = "bench-" + "k" * 40
READY_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def fresh_database(backend: str, folder: Path, admin_url: str) -> AsyncIterator[Database]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{folder / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        async with _migrated(url, folder) as db:
            yield db
        return
    name = f"confetti_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        async with _migrated(url, folder) as db:
            yield db
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def _migrated(url: str, folder: Path) -> AsyncIterator[Database]:
    db = Database(Settings(database_url=url, secret_key=SECRET_KEY, data_dir=folder))
    try:
        await upgrade_to_head(db)
        yield db
    finally:
        await db.dispose()


class Served:
    """One `confetti serve` process (or any server command) on a port of its own."""

    def __init__(self, command: list[str], env: dict[str, str], health_path: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._command = command
        self._env = {**os.environ, **env, "CONFETTI_PORT": str(self.port)}
        self._health_path = health_path
        self.process: subprocess.Popen | None = None

    @classmethod
    def confetti(cls, db: Database, broker_url: str, **env: str) -> "Served":
        settings = db.settings
        confetti_env = {
            "CONFETTI_DATABASE_URL": settings.database_url,
            "CONFETTI_BROKER_URL": broker_url,
            "CONFETTI_BROKER_NAMESPACE": f"bench{uuid.uuid4().hex[:6]}",
            "CONFETTI_SECRET_KEY": SECRET_KEY,
            "CONFETTI_DATA_DIR": str(settings.data_dir),
            "CONFETTI_LOG_LEVEL": "WARNING",
            **env,
        }
        command = [str(Path(sys.executable).with_name("confetti")), "serve"]
        return cls(command, confetti_env, "/healthz")

    @classmethod
    def hello(cls) -> "Served":
        """The floor of any route: a Sanic hello-world in one process."""
        return cls([sys.executable, "-m", "bench.hello"], {}, "/")

    @classmethod
    def fake_telegram(cls, tokens: list[str]) -> "Served":
        """The fake Bot API, knowing these bots (see bench/fake_telegram.py)."""
        command = [sys.executable, "-m", "bench.fake_telegram"]
        return cls(command, {"BENCH_BOT_TOKENS": ",".join(tokens)}, f"/bot{tokens[0]}/getMe")

    async def __aenter__(self) -> "Served":
        self._start()
        await self._wait_until_ready()
        return self

    def _start(self) -> None:
        # A file, not a pipe: a server that logs under load must never block on a full pipe.
        # It lives as long as the server, so no `with` (closed in __aexit__).
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            self._command, env=self._env, stdout=subprocess.DEVNULL, stderr=self._log
        )

    async def __aexit__(self, *_exc) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.process.wait, 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    async def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self._command} exited: {self.log_tail()}")
                try:
                    if (await client.get(self._health_path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{self._command} did not answer {self._health_path} in time")
