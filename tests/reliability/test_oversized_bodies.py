"""A body over CONFETTI_MAX_BODY_BYTES, sent to `confetti serve` over a real socket, gets a 413
JSON error the client reads, on the API and on both webhooks, however large the body and
whether its length is declared or chunked (web/lingering.py)."""

import os
import shutil
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.fixtures.databases import TEST_SECRET
from tests.fixtures.processes import free_port, start_serving, stop_serving

LIMIT = 64 * 1024
# The refusal comes before the route looks anything up: the ids need not exist.
ROUTES = [
    "/api/v1/api-keys",
    "/webhooks/telegram/123456",
    f"/webhooks/whatsapp/{uuid.uuid4()}",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, sqlite_template) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("oversized")
    shutil.copyfile(sqlite_template, folder / "confetti.db")
    env = {
        **os.environ,
        "CONFETTI_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'confetti.db'}",
        "CONFETTI_DATA_DIR": str(folder / "data"),
        "CONFETTI_SECRET_KEY": TEST_SECRET,
        "CONFETTI_BROKER_URL": "memory://",
        "CONFETTI_MAX_BODY_BYTES": str(LIMIT),
    }
    port = free_port()
    process = start_serving(env, port, folder / "serve.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_serving(process)


def assert_payload_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("size", [LIMIT + 1, 1_000_000, 20_000_000], ids=["limit+1", "1MB", "20MB"])
@pytest.mark.parametrize("path", ROUTES, ids=["api", "telegram", "whatsapp"])
def test_a_body_over_the_limit_is_answered_413_json_not_dropped(
    base_url: str, path: str, size: int
) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        response = http.post(
            path, content=b"x" * size, headers={"Content-Type": "application/json"}
        )
    assert_payload_too_large(response)


@pytest.mark.parametrize("path", ROUTES, ids=["api", "telegram", "whatsapp"])
def test_a_chunked_body_growing_past_the_limit_is_answered_413_json(
    base_url: str, path: str
) -> None:
    chunks = (b"x" * 16_384 for _ in range(200))  # 3.2 MB, with no length declared
    with httpx.Client(base_url=base_url, timeout=10) as http:
        response = http.post(path, content=chunks, headers={"Content-Type": "application/json"})
    assert_payload_too_large(response)


def test_the_server_still_answers_after_refusing_bodies(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        http.post(ROUTES[0], content=b"x" * 1_000_000)
        assert http.get("/healthz").status_code == 200
