"""The proxy the broker outage tests cut: bytes both ways, then during a cut the open connection
reset and new ones refused, then the same port reachable again."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.fixtures.tcp_proxy import TcpProxy


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[TcpProxy]:
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    proxy = TcpProxy("127.0.0.1", server.sockets[0].getsockname()[1])
    await proxy.start()
    yield proxy
    await proxy.stop()
    server.close()
    await server.wait_closed()


async def said_back(proxy: TcpProxy, text: bytes) -> tuple[asyncio.StreamReader, bytes]:
    reader, writer = await asyncio.open_connection(proxy.host, proxy.port)
    writer.write(text)
    return reader, await asyncio.wait_for(reader.readexactly(len(text)), 5)


async def test_a_cut_resets_open_connections_refuses_new_ones_and_then_passes_again(
    proxy: TcpProxy,
) -> None:
    reader, answer = await said_back(proxy, b"hello")
    assert answer == b"hello"
    port = proxy.port
    async with proxy.cut():
        assert await asyncio.wait_for(reader.read(10), 5) == b"", "the open link lives on"
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(proxy.host, port)
    assert proxy.port == port
    _, answer = await said_back(proxy, b"again")
    assert answer == b"again"
    assert proxy.connections == 2
