"""The HTTP client that delivers webhooks, and connects only to public addresses it checked.

Every TCP connection the client opens goes through `CheckedAddressBackend`, an httpcore network
backend: it resolves the URL's host itself (once, within the connect timeout), refuses the
connection if any address the name resolves to is not public, and then connects to the very
addresses it checked, never to the name again. A DNS answer that changes between the check and
the connect (DNS rebinding) therefore cannot move the connection, and a numeric host in any form
libc understands (127.1, 2130706433, 0x7f000001) is judged by the address it resolves to.

Why a network backend rather than rewriting the URL to the checked IP (with a Host header and
the `sni_hostname` extension): everything above the socket stays as for the real name. httpcore
keys its connection pool by the URL's origin, so a TLS connection verified for one name is never
reused for another name on the same IP; it sends the URL's Host header; and it starts TLS on
the returned stream with SNI for, and certificate verification against, the real name. The check
sits where connections are made, so it covers each one: a reconnection, and each redirect hop
if redirects were ever followed (they are not: a 3xx is a failed delivery).
"""

import asyncio
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable
from ipaddress import ip_address

import httpcore
import httpx

from core.addresses import IPAddress, non_public_kind
from core.settings import Settings
from core.webhooks.errors import AddressRefused

Resolve = Callable[[str, int], Awaitable[list[IPAddress]]]


async def system_resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses getaddrinfo gives for `host`, in its order of preference, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(info[4][0]) for info in infos))


class CheckedAddressBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, resolve: Resolve, allow_private: bool) -> None:
        self._resolve = resolve
        self._allow_private = allow_private
        self._sockets = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: httpcore.ConnectError | None = None
        for address in await self._checked_addresses(host, port, timeout):
            try:
                return await self._sockets.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc  # the next address may answer
        assert failure is not None  # _checked_addresses never returns an empty list
        raise failure

    async def _checked_addresses(
        self, host: str, port: int, seconds: float | None
    ) -> list[IPAddress]:
        try:
            async with asyncio.timeout(seconds):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took over {seconds:g} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
        if not self._allow_private:
            for address in addresses:
                kind = non_public_kind(address)
                if kind is not None:
                    raise AddressRefused(
                        f"refused: {host} resolves to a non-public address {address} ({kind})"
                    )
        return addresses

    async def sleep(self, seconds: float) -> None:
        await self._sockets.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a pool whose connections the backend opens.

    httpx takes no network backend (encode/httpx#3749 would add one), so the pool it builds is
    replaced by the same pool with ours. tests/webhooks/test_delivery_addresses.py fails if a
    later httpx stops sending through it.
    """

    def __init__(
        self, backend: CheckedAddressBackend, *, verify: ssl.SSLContext | bool, connections: int
    ) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=connections,  # httpcore's default of 10 would queue the rest
            network_backend=backend,
        )


def webhook_client(
    settings: Settings,
    *,
    resolve: Resolve = system_resolve,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """The client deliveries are sent with. No redirects, and nothing from the environment:
    a proxy (HTTP_PROXY) would make the check judge the proxy's address, not the shop's."""
    backend = CheckedAddressBackend(resolve=resolve, allow_private=settings.webhooks_allow_private)
    return httpx.AsyncClient(
        transport=_CheckedTransport(
            backend, verify=verify, connections=settings.webhook_concurrency
        ),
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
    )
