"""Every way a request can go wrong answers the same JSON error shape with the right status."""

import logging

import pytest
from sanic import Sanic

from core.observability import configure_logging
from tests.factories import bearer, merchant_with_key

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def assert_error(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json
    assert set(body) == {"error"}
    listed = {"problems"} if status == 422 else set()  # a validation failure lists them all
    assert set(body["error"]) == {"code", "message", "field"} | listed
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert body["error"]["message"]
    assert "Traceback" not in response.text


async def test_unknown_path_is_json_404(client) -> None:
    _, response = await client.get("/no/such/page")
    assert_error(response, 404, "not_found")


async def test_wrong_method_is_json_405_with_allow_header(client) -> None:
    _, response = await client.put("/healthz")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


async def test_missing_api_key_is_401(client) -> None:
    _, response = await client.get("/api/v1/merchant")
    assert_error(response, 401, "unauthorized")


async def test_unknown_api_key_is_401(client) -> None:
    _, response = await client.get("/api/v1/merchant", headers=bearer("cft_not-a-real-key"))
    assert_error(response, 401, "invalid_api_key")


async def test_non_bearer_scheme_is_401(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, response = await client.get("/api/v1/merchant", headers={"Authorization": f"Basic {key}"})
    assert_error(response, 401, "unauthorized")


async def test_revoked_api_key_is_401(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, other = await client.post("/api/v1/api-keys", headers=bearer(key), json={"name": "temp"})
    temp = other.json
    _, response = await client.delete(f"/api/v1/api-keys/{temp['id']}", headers=bearer(key))
    assert response.status == 200
    assert response.json["revoked_at"] is not None
    _, response = await client.get("/api/v1/merchant", headers=bearer(temp["key"]))
    assert_error(response, 401, "invalid_api_key")


async def test_malformed_json_is_400(client, db) -> None:
    _, key = await merchant_with_key(db)
    headers = {**bearer(key), "Content-Type": "application/json"}
    _, response = await client.post("/api/v1/api-keys", headers=headers, content=b'{"name": ')
    assert_error(response, 400, "malformed_json")


async def test_wrong_content_type_is_415(client, db) -> None:
    _, key = await merchant_with_key(db)
    headers = {**bearer(key), "Content-Type": "text/plain"}
    _, response = await client.post("/api/v1/api-keys", headers=headers, content=b"name=x")
    assert_error(response, 415, "unsupported_media_type")


async def test_validation_failure_is_422_naming_the_field(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, response = await client.post(
        "/api/v1/api-keys", headers=bearer(key), json={"name": "x" * 101}
    )
    assert_error(response, 422, "validation_failed", field="name")


async def test_body_of_wrong_json_type_is_422(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, response = await client.post("/api/v1/api-keys", headers=bearer(key), json=[1, 2])
    assert_error(response, 422, "validation_failed")


async def test_malformed_uuid_in_path_is_404(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, response = await client.delete("/api/v1/api-keys/not-a-uuid", headers=bearer(key))
    assert_error(response, 404, "not_found")


async def test_body_over_the_limit_is_413(settings, db, memory_broker) -> None:
    from web.app import create_app

    settings.max_body_bytes = 2048
    app = create_app(settings, db=db, broker=memory_broker)
    _, key = await merchant_with_key(db)
    _, response = await app.asgi_client.post(
        "/api/v1/api-keys", headers=bearer(key), json={"name": "x" * 5000}
    )
    assert_error(response, 413, "payload_too_large")


async def test_unexpected_exception_is_500_without_traceback_and_logged_with_request_id(
    app: Sanic, caplog
) -> None:
    configure_logging("INFO", "json")
    logging.getLogger().addHandler(caplog.handler)

    @app.get("/boom")
    async def boom(request):
        raise RuntimeError("secret internals")

    _, response = await app.asgi_client.get("/boom", headers={"X-Request-ID": "req-boom-1"})
    assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert response.headers["x-request-id"] == "req-boom-1"
    failures = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "http.request.failed"
    ]
    assert failures
    assert failures[0]["request_id"] == "req-boom-1"
    assert failures[0]["exc_info"]
