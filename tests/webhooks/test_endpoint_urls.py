"""Registering an endpoint: a URL that cannot be read, or that names a non-public address in
any form, gets a 422 naming `url` (never a 500)."""

import pytest

from tests.factories import bearer, merchant_with_key

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def register(client, db, url: str):
    _, key = await merchant_with_key(db)
    _, response = await client.post(
        "/api/v1/webhook-endpoints", headers=bearer(key), json={"url": url, "events": ["*"]}
    )
    return response


@SQLITE_ONLY
@pytest.mark.parametrize(
    "url",
    [
        "http://[zz]/",
        "http://shop.example:99999/",
        "http://shop.example:0/",
        "http://shop.example:80x/",
        "https://user:secret@shop.example/hooks",
        "https://shop.example@evil.example/hooks",
        "https://shop.example/hooks#section",
        "http://%31%32%37.0.0.1/",
        "http://shop.example\\.evil.example/",
        "http://1.2.3.4.5/",
        "ftp://shop.example/hooks",
    ],
)
async def test_a_url_that_cannot_be_read_unambiguously_gets_422(client, db, url) -> None:
    response = await register(client, db, url)
    error = response.json["error"]
    assert (response.status, error["code"], error["field"]) == (422, "validation_failed", "url")


@SQLITE_ONLY
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1:8080/",
        "http://2130706433:8080/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://0/",
        "http://10.1.2.3/x",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://224.0.0.1/",
        "http://192.0.2.10/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::10.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "https://localhost/x",
        "http://localhost.localdomain/",
        "http://shop.localhost/",
        "http://printer.local/",
        "http://metadata.google.internal/",
        "http://intranet/",
    ],
)
async def test_a_non_public_address_in_any_form_or_a_local_name_gets_422(client, db, url) -> None:
    response = await register(client, db, url)
    assert (response.status, response.json["error"]["field"]) == (422, "url")
    assert response.json["error"]["message"].startswith("The URL points at a ")


@SQLITE_ONLY
@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/confetti-hooks?shop=1",
        "https://shop.example:8443/hooks",
        "http://8.8.8.8/hooks",
        "https://[2606:4700::1111]/hooks",
        # Only its DNS answer says where it leads: the sender checks that on delivery.
        "http://127.0.0.1.nip.io/hooks",
    ],
)
async def test_a_public_url_is_registered(client, db, url) -> None:
    response = await register(client, db, url)
    assert response.status == 201, response.json
    assert response.json["url"] == url
