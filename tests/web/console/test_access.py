"""Every console route checks the session, the role and, on unsafe requests, where the request
came from and the session's CSRF token."""

import pytest

from core.staff.models import Role
from tests.web.console.staff import another_browser, csrf_token, log_in, owner, staff


@pytest.fixture
def signed_in_owner(token) -> str:
    return token


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


@pytest.mark.parametrize(
    "path",
    ["/console/coupons/", "/console/coupons/new", "/console/activities/new"],
)
async def test_a_cashier_is_refused_campaign_screens_with_a_403_page(
    client, db, merchant, path
) -> None:
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    _, response = await client.get(path)
    assert response.status == 403
    assert "Your role does not allow this screen" in response.text
    assert 'href="/console/coupons"' not in response.text  # the menu shows only what it may use


async def test_a_manager_reaches_campaign_screens(client, db, merchant) -> None:
    await staff(db, merchant, Role.MANAGER, "boss@shop.example")
    await log_in(client, "boss@shop.example")
    _, response = await client.get("/console/coupons/")
    assert response.status == 200


async def test_a_staff_member_sees_only_their_own_merchants_things(
    client, db, app, merchant
) -> None:
    other_shop = await owner(db, email="rival@shop.example", name="Rival")
    rival = another_browser(app)
    await log_in(rival, "rival@shop.example")
    token = csrf_token((await rival.get("/console/coupons/new"))[1].text)
    await rival.post(
        "/console/coupons/",
        data={"csrf_token": token, "name": "Rival deal", "kind": "fixed", "amount_off": "1"},
    )
    await log_in(client, "owner@shop.example")
    _, page = await client.get("/console/coupons/")
    assert "Rival deal" not in page.text
    assert other_shop.id != merchant.id


async def test_a_cashier_cannot_change_a_campaign_even_with_a_valid_token(
    client, db, merchant
) -> None:
    await staff(db, merchant, Role.CASHIER, "till@shop.example")
    await log_in(client, "till@shop.example")
    token = csrf_token((await client.get("/console/coupons/"))[1].text)
    _, response = await client.post(
        "/console/coupons/", data={"csrf_token": token, "name": "Free", "kind": "fixed"}
    )
    assert response.status == 403


@pytest.mark.parametrize("path", ["/console/coupons", "/console/activities", "/console/cashier"])
async def test_the_menus_links_lead_to_their_screens(client, token, path) -> None:
    _, response = await client.get(path)
    assert response.status == 200
