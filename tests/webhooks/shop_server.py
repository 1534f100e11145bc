"""A merchant's shop on 127.0.0.1 that records what each of its webhook URLs received, counts
the requests in flight at once, and can hold them back to catch a burst in the act."""

import asyncio
import ssl
from collections import Counter
from dataclasses import dataclass

from aiohttp import web
from multidict import CIMultiDict


@dataclass(frozen=True)
class Received:
    path: str
    headers: CIMultiDict[str]
    body: bytes


class ShopServer:
    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.answers: dict[str, int] = {}  # path -> status; 200 for any other path
        self.received: list[Received] = []
        self.most_in_flight = 0
        self.most_in_flight_by_path: Counter[str] = Counter()
        self.port = 0
        self._ssl_context = ssl_context
        self._in_flight: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._gate: asyncio.Event | None = None
        self._open_when_held = 0
        self._open_when_received = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [request.path for request in self.received]

    def hold(self, *, until_in_flight: int, or_received: int) -> None:
        """Hold every request until `until_in_flight` are in flight at once or `or_received`
        have arrived in all; from then on answer at once."""
        self._release()
        self._gate = asyncio.Event()
        self._open_when_held = until_in_flight
        self._open_when_received = or_received

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self._ssl_context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._release()  # or the held requests would keep the server from stopping
        if self._runner:
            await self._runner.cleanup()

    def _release(self) -> None:
        if self._gate is not None:
            self._gate.set()

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.path
        self.received.append(Received(path, request.headers.copy(), await request.read()))
        self._in_flight[path] += 1
        self.most_in_flight = max(self.most_in_flight, self._in_flight.total())
        self.most_in_flight_by_path[path] = max(
            self.most_in_flight_by_path[path], self._in_flight[path]
        )
        try:
            if self._gate is not None:
                if (
                    self._in_flight.total() >= self._open_when_held
                    or len(self.received) >= self._open_when_received
                ):
                    self._gate.set()
                await self._gate.wait()
            return web.Response(status=self.answers.get(path, 200))
        finally:
            self._in_flight[path] -= 1
