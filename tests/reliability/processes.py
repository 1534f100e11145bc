"""`confetti worker` and `confetti serve` as real processes, driven from an async test: the fake
Telegram and WhatsApp servers live in the test's event loop, so nothing here may block it."""

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.fixtures.processes import CONFETTI

Process = asyncio.subprocess.Process
# The `db` and `settings` fixtures on this session's PostgreSQL database only, emptied.
ON_POSTGRES = pytest.mark.parametrize("backend", ["postgres"])


async def start(env: dict[str, str], log: Path, *args: str) -> Process:
    """`confetti <args>`, logging to `log` (a pipe could fill and stall it), in a process group
    of its own: Sanic's primary process signals its whole group when it stops, which must
    not reach the test."""
    with log.open("a") as log_file:
        return await asyncio.create_subprocess_exec(
            CONFETTI, *args, env=env, stdout=log_file, stderr=log_file, start_new_session=True
        )


async def start_serving(
    env: dict[str, str], port: int, log: Path, *options: str, within: float = 120
) -> Process:
    """`confetti serve <options>` once its health check answers 200 (on a loaded machine its
    start alone takes a minute); killed if it never does, not left running."""
    process = await start(env, log, "serve", "--port", str(port), *options)
    try:
        await answering(process, port, log, within=within)
    except BaseException:
        await kill(process)
        raise
    return process


async def answering(process: Process, port: int, log: Path, *, within: float = 120) -> None:
    """Until the `confetti serve` process on `port` answers its health check with 200."""
    url = f"http://127.0.0.1:{port}/healthz"
    async with httpx.AsyncClient(timeout=1) as client, asyncio.timeout(within):
        while True:
            assert process.returncode is None, f"serve exited:\n{tail(log)}"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)


async def kill(process: Process) -> None:
    """SIGKILL to the process and any it started (Sanic's web workers): no handler runs,
    nothing is flushed or acked."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()


async def stop(process: Process, within: float = 30) -> int:
    """SIGTERM, as an operator stops it; the exit code (SIGKILL after `within` seconds)."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), within)
        except TimeoutError:
            await kill(process)
    return process.returncode


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
