"""What every request is checked for before its route runs (web/limits.py), and how deep a JSON
body may nest (web/body.py): through the ASGI client and through Sanic's own server alike."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sanic import Sanic

from tests.factories import bearer, merchant_with_key
from tests.web.serving import serving
from web.body import MAX_JSON_DEPTH, json_depth
from web.limits import MAX_HEADER_BYTES

# Nothing here reaches the database: SQLite is enough.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
async def server(app: Sanic) -> AsyncIterator[str]:
    """The app on Sanic's own HTTP server (not ASGI), on a free port: its base URL."""
    async with serving(app) as base_url:
        yield base_url


async def raw_exchange(base_url: str, head: bytes) -> tuple[int, bytes]:
    """Send a request head as bytes no HTTP client would send; (status, body) of the answer."""
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head + b"Connection: close\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- header size ---------------------------------------------------------------------------------


@SQLITE_ONLY
async def test_a_9_kb_authorization_header_is_431_through_the_asgi_client(client) -> None:
    _, response = await client.get("/api/v1/merchant", headers=bearer("k" * 9000))
    assert response.status == 431, response.text
    assert response.json["error"]["code"] == "headers_too_large"
    assert "headers" in response.json["error"]["message"]


@SQLITE_ONLY
async def test_a_9_kb_authorization_header_is_431_from_the_real_server(server) -> None:
    async with httpx.AsyncClient(base_url=server) as http:
        response = await http.get("/api/v1/merchant", headers=bearer("k" * 9000))
    assert response.status_code == 431, response.text
    assert response.json()["error"]["code"] == "headers_too_large"


@SQLITE_ONLY
async def test_headers_just_under_the_limit_reach_the_route(client) -> None:
    _, response = await client.get(
        "/api/v1/merchant", headers=bearer("k" * (MAX_HEADER_BYTES - 200))
    )
    assert (response.status, response.json["error"]["code"]) == (401, "invalid_api_key")


# --- unsafe text in headers and the query string -------------------------------------------------


@SQLITE_ONLY
@pytest.mark.parametrize(
    "value", [b"a\x00b", b"\xff\xfe", b"a\x1bb"], ids=["nul", "not-utf8", "esc"]
)
async def test_a_header_with_unsafe_bytes_is_400_naming_it_from_the_real_server(
    server, value: bytes
) -> None:
    head = b"GET /api/v1/merchant HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + value + b"\r\n"
    status, body = await raw_exchange(server, head)
    assert status == 400, body
    assert b'"code":"invalid_header"' in body and b'"field":"authorization"' in body


@SQLITE_ONLY
async def test_a_query_parameter_with_a_nul_is_422_naming_it(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, response = await client.get("/api/v1/activities?cursor=%00", headers=bearer(key))
    assert response.status == 422, response.text
    assert response.json["error"]["field"] == "cursor"


# --- JSON depth ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        (b'{"a": [{"b": [1]}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'["\\"[[[", [[]]]', 3),
        (b'["\\\\", [[]]]', 3),
        (b'"unterminated [[[[', 0),
        (b"", 0),
    ],
    ids=["nested", "brackets-in-a-string", "escaped-quote", "escaped-backslash", "open", "empty"],
)
def test_depth_counts_brackets_outside_strings_only(raw: bytes, depth: int) -> None:
    assert json_depth(raw) == depth


@SQLITE_ONLY
async def test_an_api_body_nested_5000_deep_is_400_json_too_deep(client, db) -> None:
    _, key = await merchant_with_key(db)
    headers = {**bearer(key), "Content-Type": "application/json"}
    _, response = await client.post(
        "/api/v1/api-keys", headers=headers, content=b'{"name": ' + nested(5000) + b"}"
    )
    assert (response.status, response.json["error"]["code"]) == (400, "json_too_deep")


@SQLITE_ONLY
async def test_an_api_body_at_the_depth_limit_is_read(client, db) -> None:
    _, key = await merchant_with_key(db)
    headers = {**bearer(key), "Content-Type": "application/json"}
    at_limit = b'{"name": ' + nested(MAX_JSON_DEPTH - 1) + b"}"
    _, response = await client.post("/api/v1/api-keys", headers=headers, content=at_limit)
    assert (response.status, response.json["error"]["field"]) == (422, "name")
    _, deeper = await client.post(
        "/api/v1/api-keys", headers=headers, content=b'{"name": ' + nested(MAX_JSON_DEPTH) + b"}"
    )
    assert (deeper.status, deeper.json["error"]["code"]) == (400, "json_too_deep")
