"""A path under /console that leads nowhere, or a method a console route does not answer, is
the console's own HTML page (in its frame for a signed-in browser), while the API under
/api/v1 keeps its JSON errors."""

import uuid

import pytest

UNKNOWN_PATHS = [
    "/console/nonsense",
    "/console/coupons/not-an-id",
    f"/console/coupons/{uuid.uuid4()}",
    f"/console/webhooks/{uuid.uuid4()}",
    "/console/cashier/nowhere/deeper",
]


def _is_page(response) -> bool:
    return response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
async def test_an_unknown_console_path_is_a_404_page_in_the_consoles_frame(
    client, token, path
) -> None:
    _, response = await client.get(path)
    assert response.status == 404 and _is_page(response)
    assert "Nothing here" in response.text
    assert 'action="/console/logout"' in response.text  # the console's frame, signed in


@pytest.mark.parametrize("path", ["/console/nonsense", "/console/coupons/not-an-id"])
async def test_an_unknown_console_path_is_a_404_page_for_a_stranger_too(client, path) -> None:
    _, response = await client.get(path)
    assert response.status == 404 and _is_page(response)
    assert 'href="/console/login"' in response.text


async def test_a_spanish_browser_gets_the_404_page_in_spanish(client, token) -> None:
    _, response = await client.get("/console/nonsense", headers={"accept-language": "es"})
    assert response.status == 404 and 'lang="es"' in response.text
    assert "No hay nada en esta dirección" in response.text


async def test_a_wrong_method_on_a_console_route_is_a_405_page_with_allow(client, token) -> None:
    _, response = await client.delete("/console/cashier/")
    assert response.status == 405 and _is_page(response)
    assert "GET" in response.headers["allow"]


async def test_the_api_keeps_its_json_errors(client) -> None:
    _, missing = await client.get("/api/v1/nonsense")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"
    _, wrong = await client.delete("/api/v1/openapi.json")
    assert wrong.status == 405 and wrong.json["error"]["code"] == "method_not_allowed"
