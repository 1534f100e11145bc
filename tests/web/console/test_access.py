"""Every console route checks the session, the role and, on unsafe requests, where the request
came from and the session's CSRF token."""

import pytest

from tests.web.console.staff import log_in, owner, page_token


@pytest.fixture
async def signed_in_owner(client, db) -> str:
    await owner(db)
    await log_in(client, "owner@shop.example")
    return await page_token(client)


async def test_a_post_without_the_csrf_token_is_refused_with_a_page(
    client, signed_in_owner
) -> None:
    _, response = await client.post("/console/logout", data={})
    assert response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "reload the page" in response.text
    assert (await client.get("/console/"))[1].status == 200  # still signed in


async def test_a_post_with_another_sessions_token_is_refused(client, db, signed_in_owner) -> None:
    _, response = await client.post("/console/logout", data={"csrf_token": "x" + signed_in_owner})
    assert response.status == 403


async def test_the_token_in_the_htmx_header_is_accepted(client, signed_in_owner) -> None:
    _, response = await client.post("/console/logout", headers={"X-CSRF-Token": signed_in_owner})
    assert response.status == 303


async def test_a_post_from_another_site_is_refused_even_with_the_token(
    client, signed_in_owner
) -> None:
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        _, response = await client.post(
            "/console/logout", data={"csrf_token": signed_in_owner}, headers=headers
        )
        assert response.status == 403, headers


async def test_a_log_in_form_posted_from_another_site_is_refused(client, db) -> None:
    await owner(db)
    _, response = await client.post(
        "/console/login",
        data={"email": "owner@shop.example", "password": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403


async def test_a_post_from_the_consoles_own_origin_is_accepted(client, signed_in_owner) -> None:
    _, response = await client.post(
        "/console/logout",
        data={"csrf_token": signed_in_owner},
        headers={"Origin": "http://mockserver:1234", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status == 303
