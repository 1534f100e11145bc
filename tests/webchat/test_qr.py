"""QR code images: a PNG for a short plain text, 404 for anything else."""

from collections.abc import AsyncIterator

import pytest
from sanic_testing.testing import SanicASGITestClient

from core.broker.memory import MemoryBroker
from tests.webchat import chat_app
from web.qr import qr_image


@pytest.fixture
async def client(settings, db) -> AsyncIterator[SanicASGITestClient]:
    broker = MemoryBroker()
    await broker.connect()
    try:
        yield chat_app(settings, db, broker).asgi_client
    finally:
        await broker.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_code_comes_back_as_a_cacheable_png(client):
    _, response = await client.get("/qr/ABCDE-23456.png")

    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert response.body.startswith(b"\x89PNG")
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.body == qr_image("ABCDE-23456")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/qr/ABC_1.png",
        "/qr/ABC.jpg",
        "/qr/ABC",
        "/qr/.png",
        f"/qr/{'A' * 65}.png",
        "/qr/AB%20C.png",
        "/qr/%C3%A9.png",
        "/qr/a/b.png",
    ],
)
async def test_anything_but_a_short_plain_text_is_404(client, path):
    _, response = await client.get(path)

    assert response.status == 404
    assert response.json["error"]["code"] == "not_found"


def test_the_image_is_a_full_qr_code_a_phone_camera_reads() -> None:
    """Not a Micro QR, which segno would choose for short texts and most scanners ignore."""
    image = qr_image("ABC")
    assert image.startswith(b"\x89PNG")
    # 21 modules (version 1; a Micro QR has 11-17) + a border of 2 on each side, 8 pixels each.
    width = int.from_bytes(image[16:20], "big")
    assert width == (21 + 4) * 8


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_qr_route_is_documented_as_a_png(client):
    _, response = await client.get("/api/v1/openapi.json")

    operation = response.json["paths"]["/qr/{text}"]["get"]
    # 400, 413, 422 and 431: what any request may be refused for before its route runs; 503
    # when the database stays busy (web/retry.py)
    assert set(operation["responses"]) == {"200", "400", "404", "413", "422", "431", "503"}
    assert "image/png" in operation["responses"]["200"]["content"]
