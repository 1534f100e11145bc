"""Drive a server from another process with wrk, and say what the load generator itself cost.

wrk runs `load.lua`, which gives each request a body of its own; its summary comes back as one
JSON line. The CPU seconds wrk used are read from its rusage: on a 2-core machine a reader must
see when the generator, not the server, was the limit.
"""

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("load.lua")
THREADS = 2


@dataclass
class Load:
    """One wrk run against one URL."""

    url: str
    method: str = "GET"
    body: str | None = None  # each %d in it: a number unique within the run
    modulus: int = 1_000_000_000
    first: int = 0  # the numbers run from `first` to `first + modulus - 1`
    # (path, secret) pairs the requests are spread over, each secret sent in `target_header`
    targets: list[tuple[str, str]] | None = None
    target_header: str | None = None
    authorization: str | None = None
    headers: dict[str, str] | None = None
    connections: int = 64
    seconds: float = 5.0


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    answered: int  # 2xx
    refused: int  # 4xx
    failed: int  # 5xx
    socket_errors: int
    generator_cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def generator_cpu_share(self) -> float:
        """The load generator's CPU over the run, as a share of the machine's cores."""
        return self.generator_cpu_seconds / (self.seconds * (os.cpu_count() or 1))

    def as_dict(self) -> dict:
        return {**asdict(self), "rate": round(self.rate, 1)}


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


async def run_load(load: Load) -> LoadResult:
    return await asyncio.to_thread(_run_wrk, load)


def _run_wrk(load: Load) -> LoadResult:
    env = {
        **os.environ,
        "BENCH_METHOD": load.method,
        "BENCH_MODULUS": str(load.modulus),
        "BENCH_FIRST": str(load.first),
        "BENCH_THREADS": str(THREADS),
    }
    if load.body is not None:
        env["BENCH_BODY"] = load.body
    if load.authorization:
        env["BENCH_AUTH"] = load.authorization
    if load.headers:
        env["BENCH_HEADERS"] = ";".join(f"{k}:{v}" for k, v in load.headers.items())
    if load.targets:
        env["BENCH_TARGETS"] = ";".join(f"{path} {secret}" for path, secret in load.targets)
        env["BENCH_TARGET_HEADER"] = load.target_header or ""
    connections = max(load.connections, THREADS)
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{max(load.seconds, 1):.0f}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        load.url,
    ]
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=errors)
        # wait4 reaps wrk and hands back its own rusage: the generator's CPU, nothing else's.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        errors.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"wrk failed: {errors.read().decode(errors='replace')}")
        summary = json.loads(output.read().decode().strip().splitlines()[-1])
    return LoadResult(**summary, generator_cpu_seconds=usage.ru_utime + usage.ru_stime)
