"""A merchant changes its own name, brand colour and logo; nothing else of it, and only its own."""

import pytest

from tests.factories import bearer, merchant_with_key

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@SQLITE_ONLY
async def test_brand_colour_and_logo_are_changed_and_shown(client, db) -> None:
    _, key = await merchant_with_key(db)
    body = {"brand_color": "#5B3BD6", "logo_url": "https://cdn.example.com/logo.png"}
    _, changed = await client.patch("/api/v1/merchant", headers=bearer(key), json=body)
    assert changed.status == 200, changed.text
    _, shown = await client.get("/api/v1/merchant", headers=bearer(key))
    assert (shown.json["brand_color"], shown.json["logo_url"]) == ("#5b3bd6", body["logo_url"])


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"brand_color": "purple"}, "brand_color"),
        ({"logo_url": "http://cdn.example.com/logo.png"}, "logo_url"),
        ({"name": None}, "name"),
        ({"currency": "USD"}, "currency"),
    ],
)
async def test_a_bad_profile_change_is_a_422_naming_the_field(client, db, body, field) -> None:
    _, key = await merchant_with_key(db)
    _, refused = await client.patch("/api/v1/merchant", headers=bearer(key), json=body)
    assert (refused.status, refused.json["error"]["field"]) == (422, field)
