"""API keys in the console (owner only): created with a name and shown once, listed by their
first characters, revoked; through core.merchants."""

import pytest

from core.merchants.service import authenticate
from core.staff.models import Role
from tests.web.console.staff import log_in, staff


async def _create(client, token: str, name: str = "Shop checkout"):
    _, response = await client.post("/console/api-keys/", data={"csrf_token": token, "name": name})
    return response


def _shown_key(response) -> str:
    return response.text.split('<p class="secret"><code>')[1].split("</code>")[0]


async def test_a_new_key_is_shown_once_and_then_only_by_its_first_characters(
    client, db, token
) -> None:
    response = await _create(client, token)
    assert response.status == 201
    raw_key = _shown_key(response)
    async with db.transaction(write=False) as session:
        _, key = await authenticate(session, raw_key)
    assert key.name == "Shop checkout"
    _, listing = await client.get("/console/api-keys/")
    assert "Shop checkout" in listing.text and f"{key.prefix}…" in listing.text
    assert raw_key not in listing.text


async def test_a_revoked_key_no_longer_opens_the_api(client, db, token) -> None:
    raw_key = _shown_key(await _create(client, token))
    async with db.transaction(write=False) as session:
        _, key = await authenticate(session, raw_key)
    _, response = await client.post(
        f"/console/api-keys/{key.id}/revoke", data={"csrf_token": token}
    )
    assert response.status == 303
    _, api = await client.get("/api/v1/merchant", headers={"Authorization": f"Bearer {raw_key}"})
    assert api.status == 401
    _, listing = await client.get("/console/api-keys/")
    assert "Revoked" in listing.text and "Revoke</button>" not in listing.text


async def test_a_name_too_long_is_refused_beside_its_field_with_what_was_typed(
    client, db, token
) -> None:
    response = await _create(client, token, name="x" * 101)
    assert response.status == 422
    assert 'id="name-error"' in response.text and f'value="{"x" * 101}"' in response.text
    assert "No API keys yet" in response.text


async def test_creating_a_key_needs_the_csrf_token(client, token) -> None:
    response = await _create(client, "not-the-token")
    assert response.status == 403
    _, listing = await client.get("/console/api-keys/")
    assert "No API keys yet" in listing.text


@pytest.mark.parametrize("role", [Role.CASHIER, Role.MANAGER])
async def test_only_the_owner_sees_api_keys(client, db, merchant, role) -> None:
    await staff(db, merchant, role, "staff@shop.example")
    await log_in(client, "staff@shop.example")
    _, response = await client.get("/console/api-keys/")
    assert response.status == 403
    _, home = await client.get("/console/cashier/")
    assert "/console/api-keys/" not in home.text
