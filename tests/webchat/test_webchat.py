"""The web chat: a browser customer talks to the same conversation as on Telegram or WhatsApp,
known by a signed cookie."""

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

import web.webchat
from bots.conversation.i18n import Translator
from bots.webchat.identity import (
    COOKIE_NAME,
    MAX_AGE_SECONDS,
    cookie_attributes,
    cookie_value,
    new_identity,
    read_identity,
)
from core.broker.memory import MemoryBroker
from core.customers.models import ChannelIdentity
from core.events.models import Event
from tests.activities.shop import Shop, wheel
from tests.webchat import chat_app
from web.webchat import first_language

OTHER_SECRET = "another-secret-key-" + "y" * 32
t = Translator("en", "UTC")


@pytest.fixture
async def shop(settings, db) -> AsyncIterator[Shop]:
    """The activity tests' shop, on an app that has the web chat."""
    broker = MemoryBroker()
    await broker.connect()
    try:
        yield await Shop(chat_app(settings, db, broker).asgi_client, db).open()
    finally:
        await broker.close()


async def say(shop: Shop, slug: str, body: dict | str, *, cookie: str | None = None, **headers):
    """One chat message as the browser sends it, with exactly the cookie given (none if None)."""
    shop.client.cookies.clear()
    headers = {"content-type": "application/json", **headers}
    if cookie is not None:
        headers["cookie"] = f"{COOKIE_NAME}={cookie}"
    extra = {"content": body} if isinstance(body, str) else {"json": body}
    _, response = await shop.client.post(f"/webchat/{slug}/messages", headers=headers, **extra)
    return response


def chat_cookie(response) -> str:
    found = re.search(rf"{COOKIE_NAME}=([^;]+)", response.headers["set-cookie"])
    assert found is not None, response.headers.get("set-cookie")
    return found.group(1)


def spin_option(card: dict) -> str:
    return next(option["id"] for option in card["options"] if option["id"].startswith("p:"))


async def web_identities(shop: Shop) -> list[str]:
    async with shop.db.transaction(write=False) as session:
        rows = await session.execute(
            select(ChannelIdentity.address).where(ChannelIdentity.channel == "web")
        )
        return sorted(rows.scalars())


async def plays(shop: Shop) -> int:
    async with shop.db.transaction(write=False) as session:
        query = select(func.count()).select_from(Event).where(Event.type == "activity.played")
        return (await session.execute(query)).scalar_one()


async def test_first_message_without_a_cookie_sets_a_signed_one_and_answers_the_card(
    shop, settings
):
    activity = await shop.live(wheel())

    response = await say(shop, activity["slug"], {"kind": "start", "text": activity["slug"]})

    assert response.status == 200, response.text
    identity = read_identity(settings.secret_key, chat_cookie(response))
    assert identity is not None
    assert await web_identities(shop) == [identity]
    [card] = response.json["replies"]
    assert card["text"].startswith("Spring wheel")
    assert spin_option(card)
    assert response.headers["cache-control"] == "no-store"


async def test_the_cookie_is_httponly_lax_for_a_year_on_the_whole_site(shop):
    activity = await shop.live(wheel())

    response = await say(shop, activity["slug"], {"kind": "start"})

    attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert f"max-age={MAX_AGE_SECONDS}" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # the test instance is served over plain http


def test_the_cookie_is_secure_where_the_site_is_served_over_https() -> None:
    assert cookie_attributes("https://shop.example")["secure"] is True
    assert cookie_attributes("http://127.0.0.1:8000")["secure"] is False


async def test_pressing_spin_shows_spinning_then_the_result_that_replaces_it(shop):
    activity = await shop.live(wheel())
    first = await say(shop, activity["slug"], {"kind": "start", "text": activity["slug"]})
    cookie = chat_cookie(first)

    pressed = {"kind": "button", "option": spin_option(first.json["replies"][0])}
    response = await say(shop, activity["slug"], pressed, cookie=cookie)

    assert response.status == 200, response.text
    spinning, result = response.json["replies"][:2]
    assert spinning["key"] == "spin" and spinning["text"] == t("play.spinning")
    assert result["replaces"] == "spin"
    assert await plays(shop) == 1


async def test_the_same_cookie_stays_the_same_customer_so_a_one_try_wheel_refuses_a_second_spin(
    shop,
):
    activity = await shop.live(wheel(rules={"tries_per_customer_total": 1}))
    first = await say(shop, activity["slug"], {"kind": "start", "text": activity["slug"]})
    cookie = chat_cookie(first)
    pressed = {"kind": "button", "option": spin_option(first.json["replies"][0])}
    played = await say(shop, activity["slug"], pressed, cookie=cookie)
    assert played.status == 200 and played.json["replies"][-1]["replaces"] == "spin"

    again = await say(shop, activity["slug"], pressed, cookie=cookie)

    assert again.status == 200, again.text
    [refusal] = again.json["replies"]
    assert refusal["text"] == t("refusal.no_tries_left")
    assert refusal["options"], "a refusal offers a next step"
    assert chat_cookie(again) == cookie
    assert len(await web_identities(shop)) == 1
    assert await plays(shop) == 1


async def test_a_forged_cookie_gets_a_new_identity(shop, settings):
    activity = await shop.live(wheel())
    claimed = new_identity()
    forgeries = [
        cookie_value(OTHER_SECRET, claimed),  # signed with another key
        f"{claimed}.{'A' * 43}",  # a made-up signature
        claimed,  # no signature
        "garbage",
    ]
    issued = set()
    for forged in forgeries:
        response = await say(shop, activity["slug"], {"kind": "start"}, cookie=forged)

        assert response.status == 200, response.text
        identity = read_identity(settings.secret_key, chat_cookie(response))
        assert identity is not None and identity != claimed
        issued.add(identity)
    assert len(issued) == len(forgeries)
    assert claimed not in await web_identities(shop)


def test_read_identity_accepts_only_its_own_signature() -> None:
    secret = "s" * 40
    identity = new_identity()
    good = cookie_value(secret, identity)

    assert re.fullmatch(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}", good)
    assert read_identity(secret, good) == identity
    assert read_identity(OTHER_SECRET, good) is None
    assert read_identity(secret, good[:-1] + ("A" if good[-1] != "A" else "B")) is None
    assert read_identity(secret, identity.upper() + good[32:]) is None
    for garbled in (None, "", ".", good + ".", good + "x" * 200, "é" * 76):
        assert read_identity(secret, garbled) is None


async def test_replies_follow_the_browsers_language(shop):
    activity = await shop.live(wheel())

    response = await say(
        shop,
        activity["slug"],
        {"kind": "text", "text": "hola"},
        **{"accept-language": "es-MX,es;q=0.9,en;q=0.8"},
    )

    assert response.status == 200, response.text
    spanish = Translator("es", "UTC")("menu.title", merchant=shop.merchant.name)
    assert response.json["replies"][0]["text"] == spanish


def test_first_language_takes_the_first_tag_and_ignores_nonsense() -> None:
    assert first_language("es-MX,es;q=0.9") == "es-MX"
    assert first_language("fr;q=0.8") == "fr"
    assert first_language("") is None
    assert first_language("*") is None
    assert first_language("x" * 40) is None


async def test_unknown_slug_is_a_404_json_error(shop):
    response = await say(shop, "no-such-activity", {"kind": "start"})

    assert response.status == 404
    assert response.json["error"]["code"] == "activity_not_found"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "shout"},
        {"kind": "text", "text": "x" * 4097},
        {"kind": "button", "option": "o" * 65},
        {"kind": "text", "extra": 1},
        {"text": "no kind"},
    ],
)
async def test_a_bad_body_is_422(shop, body):
    activity = await shop.live(wheel())

    response = await say(shop, activity["slug"], body)

    assert response.status == 422, response.text
    assert response.json["error"]["code"] == "validation_failed"


async def test_a_non_json_body_is_415_and_broken_json_is_400(shop):
    activity = await shop.live(wheel())

    as_form = await say(shop, activity["slug"], "kind=start", **{"content-type": "text/plain"})
    broken = await say(shop, activity["slug"], "{not json")

    assert as_form.status == 415
    assert broken.status == 400


async def test_the_page_carries_the_widget_and_starts_with_the_slug(shop):
    activity = await shop.live(wheel())

    _, response = await shop.client.get(f"/a/{activity['slug']}/chat")

    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'<script src="{web.webchat.SCRIPT_URL}" defer></script>' in response.text
    assert f'href="{web.webchat.STYLE_URL}"' in response.text
    assert f'data-post-url="/webchat/{activity["slug"]}/messages"' in response.text
    assert f'data-start="{activity["slug"]}"' in response.text
    assert 'aria-live="polite"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_the_page_passes_a_share_links_start_payload_and_drops_a_malformed_one(shop):
    activity = await shop.live(wheel())
    payload = f"{activity['slug']}-r{'A' * 22}"

    _, shared = await shop.client.get(f"/a/{activity['slug']}/chat", params={"start": payload})
    _, odd = await shop.client.get(
        f"/a/{activity['slug']}/chat", params={"start": '"><script>alert(1)</script>'}
    )

    assert f'data-start="{payload}"' in shared.text
    assert f'data-start="{activity["slug"]}"' in odd.text
    assert "<script>alert" not in odd.text


async def test_the_page_for_an_unknown_slug_is_a_404_page(shop):
    _, response = await shop.client.get("/a/no-such-activity/chat")

    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "webchat.js" not in response.text


@pytest.mark.parametrize("name", ["webchat.js", "webchat.css"])
async def test_the_widgets_files_are_served(shop, name):
    _, response = await shop.client.get(f"/static/webchat/{name}")

    assert response.status == 200
    assert len(response.body) > 500


async def test_the_chat_is_documented_in_the_api_spec(shop):
    _, response = await shop.client.get("/api/v1/openapi.json")

    operation = response.json["paths"]["/webchat/{slug}/messages"]["post"]
    assert set(operation["responses"]) == {"200", "400", "404", "413", "415", "422", "431", "503"}
    assert "security" not in operation
