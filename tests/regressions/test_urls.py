"""Every URL a client gives is checked the same way as a webhook endpoint's: a URL that cannot
be parsed, has an invalid port, or that two parsers read differently is a 422 naming its field,
never a 500 and never stored to fail later at a platform or in a browser."""

import pytest

from tests.activities.shop import wheel

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
BAD_URLS = (
    "http://[zz]/",
    "http://example.com:99999/",
    "http://example.com:0/",
    "ftp://example.com/logo.png",
    "https://exa mple.com/",
    "http://1.2.3.999/",
    "https://user:secret@example.com/",
)


@SQLITE_ONLY
@pytest.mark.parametrize("url", BAD_URLS)
async def test_a_bad_cover_image_url_is_a_422_naming_it(shop, url) -> None:
    response = await shop.call("post", "/activities", wheel(cover_image_url=url))
    assert (response.status, response.json["error"]["field"]) == (422, "cover_image_url")


@SQLITE_ONLY
@pytest.mark.parametrize("url", BAD_URLS)
async def test_a_bad_broadcast_link_is_a_422_naming_it(shop, url) -> None:
    body = {"text": "Hello", "link": {"title": "Shop", "url": url}}
    response = await shop.call("post", "/broadcasts", body)
    assert (response.status, response.json["error"]["field"]) == (422, "link.url")


@SQLITE_ONLY
async def test_a_broadcast_image_must_be_https(shop) -> None:
    body = {"text": "Hello", "image_url": "http://example.com/a.png"}
    response = await shop.call("post", "/broadcasts", body)
    assert (response.status, response.json["error"]["field"]) == (422, "image_url")


@SQLITE_ONLY
async def test_good_urls_are_kept_as_given(shop) -> None:
    url = "https://cdn.example.com/spring/wheel.png?v=2"
    created = await shop.call("post", "/activities", wheel(cover_image_url=url))
    assert created.status == 201 and created.json["cover_image_url"] == url
