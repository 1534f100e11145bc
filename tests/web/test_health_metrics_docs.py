import pytest

from core.db import Database
from tests.factories import bearer, merchant_with_key
from web.app import create_app
from workers.registry import QUEUE_NAMES

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


async def test_healthz_is_ok_when_database_and_broker_answer(client) -> None:
    _, response = await client.get("/healthz")
    assert response.status == 200
    assert {k: response.json[k] for k in ("status", "database", "broker")} == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
    }
    assert response.json["outbox"] == {"pending": 0, "oldest_seconds": 0.0}
    assert response.json["queues"] == dict.fromkeys(QUEUE_NAMES, 0)


async def test_healthz_is_503_when_the_database_is_down(settings, memory_broker, tmp_path) -> None:
    settings.database_url = f"sqlite+aiosqlite:///{tmp_path}/missing-dir/nope.db"
    broken = Database(settings)
    app = create_app(settings, db=broken, broker=memory_broker)
    _, response = await app.asgi_client.get("/healthz")
    assert response.status == 503
    assert response.json["database"] == "unavailable"
    assert response.json["broker"] == "ok"
    assert response.json["outbox"] is None
    await broken.dispose()


async def test_healthz_is_503_when_the_broker_is_down(settings, db, memory_broker) -> None:
    app = create_app(settings, db=db, broker=memory_broker)
    await memory_broker.close()
    _, response = await app.asgi_client.get("/healthz")
    assert response.status == 503
    assert (response.json["status"], response.json["broker"]) == ("unavailable", "unavailable")


async def test_metrics_count_requests_by_route_pattern(client, db) -> None:
    _, key = await merchant_with_key(db)
    await client.get("/api/v1/merchant", headers=bearer(key))
    await client.get("/no/such/thing")
    _, response = await client.get("/metrics")
    assert response.status == 200
    text = response.text
    assert (
        'confetti_http_requests_total{method="GET",route="/api/v1/merchant",status="200"} 1.0'
        in text
    )
    assert 'route="unmatched",status="404"' in text
    assert "confetti_http_request_duration_seconds_bucket" in text
    assert "confetti_outbox_pending 1.0" in text  # merchant.created, not relayed in this test
    assert 'confetti_queue_depth{queue="statistics"} 0.0' in text


async def test_request_id_is_echoed_or_generated(client) -> None:
    _, given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    _, unsafe = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"
    assert len(unsafe.headers["x-request-id"]) == 32


async def test_openapi_spec_lists_api_routes_with_security(client) -> None:
    _, response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/merchant" in spec["paths"]
    assert "/api/v1/api-keys/{key_id}" in spec["paths"]
    assert "/api/v1/openapi.json" not in spec["paths"]
    create = spec["paths"]["/api/v1/api-keys"]["post"]
    assert {"201", "401", "422"} <= set(create["responses"])
    assert "apiKey" in spec["components"]["securitySchemes"]


async def test_interactive_docs_load_swagger_from_this_server(client) -> None:
    _, page = await client.get("/api/v1/docs")
    assert page.status == 200
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    _, script = await client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert script.status == 200
    assert len(script.body) > 100_000


async def test_the_console_log_in_page_links_to_the_docs(client) -> None:
    _, response = await client.get("/console/login")
    assert response.status == 200
    assert "/api/v1/docs" in response.text
