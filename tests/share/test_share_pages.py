"""The share pages as a visitor's browser and a link previewer get them: each kind of activity
in each state, playing on the page with the signed cookie, refusals shown on the page."""

import io
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bots.webchat.identity import COOKIE_NAME
from core.activities.service import activities_by_name
from core.channels.models import ChannelAccount
from core.clock import utcnow
from core.demo import ensure_demo_merchant
from core.merchants.models import Merchant
from tests.activities.shop import wheel, window
from tests.factories import coupon_template


def marquee() -> dict:
    return {
        **wheel(kind="marquee", name="Lucky lights"),
        "marquee": {"cells": ["Gold", "Thanks"] * 4},
    }


# SQLite only: these show the pages; the rules behind them (tries, stock, referrals) are tested
# on both databases in tests/activities, and the per-address limits in test_address_limits.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

# Each call is one visitor's browser: the test client's own cookie jar is emptied first, and
# a visitor who returns sends their cookie explicitly.


async def page(client, slug: str, **kwargs):
    client.cookies.clear()
    _, response = await client.get(f"/a/{slug}", **kwargs)
    return response


async def try_on_page(
    client, slug: str, form: dict | None = None, cookie: str | None = None, **headers: str
):
    client.cookies.clear()
    if cookie:
        headers["cookie"] = f"{COOKIE_NAME}={cookie}"
    _, response = await client.post(f"/a/{slug}/play", data=form or {}, headers=headers)
    return response


def visitor_cookie(response) -> str:
    return response.cookies[COOKIE_NAME]


async def test_a_lucky_draw_page_shows_the_wheel_and_the_prize_table(shop, client) -> None:
    activity = await shop.live(wheel())
    response = await page(client, activity["slug"])
    assert response.status == 200
    assert 'class="wheel-slice' in response.text
    assert "Gold" in response.text and "25%" in response.text and "75%" in response.text
    assert 'action="/a/' in response.text


async def test_spinning_on_the_page_shows_the_prize_the_server_drew(shop, client) -> None:
    activity = await shop.live(wheel())
    response = await try_on_page(client, activity["slug"])
    assert response.status == 200
    drawn = re.search(r'data-prize="([0-9a-f-]+)"', response.text)[1]
    assert drawn in {prize["id"] for prize in activity["prizes"]}
    assert "Your result" in response.text


async def _answer(client, method: str, path: str):
    client.cookies.clear()
    _, response = await getattr(client, method)(path)
    return response.status, response.headers["content-type"].split(";")[0], response.text


async def test_an_unknown_or_draft_activity_is_a_not_found_page(shop, client) -> None:
    draft = await shop.created(wheel())
    for slug in ("nothing-here", draft["slug"]):
        response = await page(client, slug)
        assert response.status == 404
        assert "text/html" in response.headers["content-type"]
        assert "Nothing here" in response.text


@pytest.mark.parametrize(
    "method, route",
    [
        ("get", ""),
        ("post", "/play"),
        ("get", "/winners"),
        ("get", "/card.png"),
        ("get", "/fairness"),
        ("get", "/chat"),
    ],
)
async def test_every_share_route_answers_a_draft_as_it_answers_an_unknown_slug(
    shop, client, method, route
) -> None:
    draft = await shop.created(wheel())
    unknown = await _answer(client, method, f"/a/nothing-here{route}")
    answered = await _answer(client, method, f"/a/{draft['slug']}{route}")
    assert unknown[0] == 404
    assert answered == unknown


async def test_the_web_chat_of_a_draft_answers_as_an_unknown_slug(shop, client) -> None:
    draft = await shop.created(wheel())
    body = {"kind": "start", "text": draft["slug"]}
    _, unknown = await client.post("/webchat/nothing-here/messages", json=body)
    _, answered = await client.post(f"/webchat/{draft['slug']}/messages", json=body)
    assert (answered.status, answered.json) == (unknown.status, unknown.json)
    assert answered.json["error"]["code"] == "activity_not_found"


async def test_scheduled_paused_and_ended_activities_are_proper_pages(shop, client) -> None:
    later = await shop.live(wheel(**window(start_minutes=60)))
    response = await page(client, later["slug"])
    assert response.status == 200 and "Not started yet" in response.text
    assert 'class="play-form' not in response.text
    paused = await shop.live(wheel())
    await shop.call("post", f"/activities/{paused['id']}/pause")
    assert "Paused for now" in (await page(client, paused["slug"])).text
    ended = await shop.live(wheel())
    await shop.call("post", f"/activities/{ended['id']}/end")
    response = await page(client, ended["slug"])
    assert "This activity has ended" in response.text
    seed = (await shop.call("get", f"/activities/{ended['id']}")).json["server_seed"]
    assert seed and seed in response.text
    assert f"/a/{ended['slug']}/fairness" in response.text


async def test_a_live_page_commits_to_the_seed_hash_but_keeps_the_seed(shop, client) -> None:
    activity = await shop.live(wheel())
    seed = (await shop.call("get", f"/activities/{activity['id']}")).json
    text = (await page(client, activity["slug"])).text
    assert activity["server_seed_hash"] in text
    assert seed["server_seed"] is None


async def test_the_page_speaks_spanish_when_asked(shop, client) -> None:
    activity = await shop.live(wheel())
    response = await page(client, activity["slug"], params={"lang": "es"})
    assert 'lang="es"' in response.text and "Girar la ruleta" in response.text
    response = await page(client, activity["slug"], headers={"accept-language": "es-MX,es"})
    assert "Premios" in response.text
    action = re.search(r'<form method="post" action="([^"]+)"', response.text)[1]
    assert action.endswith("?lang=es")  # the try answers in the page's language
    _, played = await client.post(action.replace("&amp;", "&"))
    assert "Tu resultado" in played.text


async def test_a_language_chosen_by_the_query_sticks_to_the_next_page_and_the_try(
    shop, client
) -> None:
    activity = await shop.live(wheel())
    chosen = await page(client, activity["slug"], params={"lang": "es"})
    assert chosen.cookies["confetti_lang"] == "es"
    kept = {"cookie": "confetti_lang=es", "accept-language": "en"}
    client.cookies.clear()
    _, again = await client.get(f"/a/{activity['slug']}", headers=kept)
    assert 'lang="es"' in again.text and "Girar la ruleta" in again.text
    _, played = await client.post(f"/a/{activity['slug']}/play", headers=kept)
    assert "Tu resultado" in played.text
    _, ticker = await client.get(f"/a/{activity['slug']}/winners", headers=kept)
    assert "?lang=es" in ticker.text


async def test_a_language_we_do_not_speak_sets_no_cookie(shop, client) -> None:
    activity = await shop.live(wheel())
    response = await page(client, activity["slug"], params={"lang": "zz"})
    assert "confetti_lang" not in response.cookies


def visitor_id(response) -> str:
    """The short id the visitor's own referral link carries."""
    return re.search(r"\?ref=([0-9A-Za-z]{22})", response.text)[1]


async def test_a_marquee_stops_on_the_drawn_cell_and_the_ticker_lists_real_winners(
    shop, client
) -> None:
    gold, thanks = wheel()["prizes"]
    activity = await shop.live({**marquee(), "prizes": [{**gold, "weight": 10**6}, thanks]})
    played = await try_on_page(client, activity["slug"])
    cell = int(re.search(r'data-cell="(\d)"', played.text.split('id="result"')[1])[1])
    assert activity["marquee"]["cells"][cell] == "Gold"
    _, ticker = await client.get(f"/a/{activity['slug']}/winners")
    assert ticker.status == 200 and "won Gold" in ticker.text
    assert "<html" not in ticker.text  # the fragment only, for the poll to swap in


async def test_an_envelope_opens_to_the_share_and_shows_the_pot_progress(shop, client) -> None:
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": envelope}
    )
    opened = await try_on_page(client, activity["slug"])
    assert opened.status == 200
    assert "points added" in opened.text and "1 of 4 envelopes opened" in opened.text
    again = await try_on_page(client, activity["slug"], cookie=visitor_cookie(opened))
    assert again.status == 409 and "no tries left" in again.text


async def test_a_group_envelope_shows_progress_and_the_link_that_fills_it(shop, client) -> None:
    envelope = {"pot": 900, "shares": 9, "min_share": 10, "group_friends": 1}
    activity = await shop.live(
        {"kind": "red_envelope", "name": "Together", **window(), "envelope": envelope}
    )
    started = await try_on_page(client, activity["slug"])
    assert "1 of 2 people have joined" in started.text
    link = re.search(r'id="group-link"[^>]*value="([^"]+)"', started.text)[1]
    group = re.search(r"group=([0-9A-Za-z]{22})", link)[1]
    ref = re.search(r"ref=([0-9A-Za-z]{22})", link)[1]
    friend_page = await page(client, activity["slug"], params={"ref": ref, "group": group})
    assert "Join your friend" in friend_page.text
    joined = await try_on_page(client, activity["slug"], {"ref": ref, "group": group})
    assert "Your group filled" in joined.text and "points added" in joined.text


async def test_collecting_a_coupon_shows_its_code_and_qr(shop, client) -> None:
    template = await coupon_template(shop.db, shop.merchant, total_stock=3)
    activity = await shop.live(
        {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    )
    before = await page(client, activity["slug"])
    assert "3 left" in before.text and "Collect" in before.text
    claimed = await try_on_page(client, activity["slug"], {"template": str(template.id)})
    code = re.search(r'<img src="/qr/([A-Z0-9-]+)\.png"', claimed.text)[1]
    assert "2 left" in claimed.text and "Collected" in claimed.text
    revisit = await page(client, activity["slug"], headers={"cookie": _cookie(claimed)})
    assert code in revisit.text and 'class="collect-form"' not in revisit.text
    _, qr = await client.get(f"/qr/{code}.png")
    assert qr.status == 200


async def test_a_flash_sale_counts_down_the_servers_seconds_and_cannot_be_claimed_early(
    shop, client
) -> None:
    opens = utcnow() + timedelta(minutes=30)
    template = await coupon_template(
        shop.db, shop.merchant, total_stock=5, claim_starts_at=opens.isoformat()
    )
    activity = await shop.live(
        {"kind": "collection", "name": "Flash", **window(), "templates": [str(template.id)]}
    )
    text = (await page(client, activity["slug"])).text
    seconds = int(re.search(r'data-countdown="(\d+)"', text)[1])
    assert 29 * 60 < seconds <= 30 * 60
    early = await try_on_page(client, activity["slug"], {"template": str(template.id)})
    assert early.status == 409 and "open yet" in early.text


async def test_a_bad_coupon_choice_is_a_message_on_the_page(shop, client) -> None:
    template = await coupon_template(shop.db, shop.merchant)
    activity = await shop.live(
        {"kind": "collection", "name": "Coupons", **window(), "templates": [str(template.id)]}
    )
    for choice in ("not-a-uuid", str(uuid.uuid4())):
        response = await try_on_page(client, activity["slug"], {"template": choice})
        assert response.status == 422 and 'role="alert"' in response.text


async def test_playing_an_ended_activity_says_so_on_the_page(shop, client) -> None:
    activity = await shop.live(wheel())
    await shop.call("post", f"/activities/{activity['id']}/end")
    response = await try_on_page(client, activity["slug"])
    assert response.status == 409 and "This activity has ended." in response.text


async def test_the_cookie_keeps_the_visitor_one_customer_with_their_own_tries(shop, client) -> None:
    activity = await shop.live(wheel(rules={"tries_per_customer_total": 2}))
    first = await try_on_page(client, activity["slug"])
    cookie = visitor_cookie(first)
    assert "Tries left: 1" in first.text
    second = await try_on_page(client, activity["slug"], cookie=cookie)
    assert "Tries left: 0" in second.text
    third = await try_on_page(client, activity["slug"], cookie=cookie)
    assert third.status == 409 and "no tries left" in third.text


async def test_a_friend_through_the_referral_link_credits_the_sharer(shop, client) -> None:
    rules = {"tries_per_customer_total": 1, "referral": {"friends_per_unlock": 1}}
    activity = await shop.live(wheel(rules=rules))
    sharer = await try_on_page(client, activity["slug"])
    ref = visitor_id(sharer)
    await try_on_page(client, activity["slug"], {"ref": ref})
    unlocked = await try_on_page(client, activity["slug"], cookie=visitor_cookie(sharer))
    assert unlocked.status == 200 and "Tries left: 0" in unlocked.text


def _cookie(response) -> str:
    return f"{COOKIE_NAME}={visitor_cookie(response)}"


async def test_the_page_carries_open_graph_and_twitter_card_tags(shop, client) -> None:
    activity = await shop.live(wheel())
    text = (await page(client, activity["slug"])).text
    for tag in ("og:title", "og:description", "og:image", "og:url", "twitter:image"):
        assert f'"{tag}"' in text
    assert f'content="{activity["share_url"]}"' in text
    assert 'name="twitter:card" content="summary_large_image"' in text
    assert "Win Gold" in text


async def test_the_preview_card_is_a_1200_by_630_png_redrawn_when_the_activity_changes(
    shop, client
) -> None:
    activity = await shop.live(wheel())
    image_url = re.search(
        r'property="og:image" content="[^"]*(/a/[^"]+)"',
        (await page(client, activity["slug"])).text,
    )[1].replace("&amp;", "&")
    _, card = await client.get(image_url)
    assert card.status == 200 and card.headers["content-type"] == "image/png"
    assert "max-age" in card.headers["cache-control"]
    assert Image.open(io.BytesIO(card.body)).size == (1200, 630)
    _, unchanged = await client.get(image_url, headers={"if-none-match": card.headers["etag"]})
    assert unchanged.status == 304
    await shop.call("patch", f"/activities/{activity['id']}", {"name": "Summer wheel"})
    _, redrawn = await client.get(image_url)
    assert redrawn.headers["etag"] != card.headers["etag"] and redrawn.body != card.body


async def test_continue_in_chat_shows_only_connected_channels_with_the_referral(
    shop, client
) -> None:
    activity = await shop.live(wheel())
    sharer = await try_on_page(client, activity["slug"])
    ref = visitor_id(sharer)
    assert "t.me/" not in (await page(client, activity["slug"])).text
    async with shop.db.transaction() as session:
        session.add(chat_account(shop.merchant.id, "telegram", "@shop_bot"))
        session.add(chat_account(shop.merchant.id, "whatsapp", "+34 600 111 222"))
    text = (await page(client, activity["slug"], params={"ref": ref})).text
    payload = f"{activity['slug']}-r{ref}"
    assert f"https://t.me/shop_bot?start={payload}" in text
    assert f"https://wa.me/34600111222?text=Let%20me%20in%21%20%23{payload}" in text


def chat_account(merchant_id: uuid.UUID, channel: str, name: str) -> ChannelAccount:
    return ChannelAccount(
        id=uuid.uuid4(),
        merchant_id=merchant_id,
        channel=channel,
        external_id=name,
        name=name,
        sealed_credentials="",
        webhook_secret_fingerprint="",
        settings={},
        created_at=utcnow(),
    )


async def test_a_telegram_members_only_activity_sends_visitors_to_the_bot(shop, client) -> None:
    activity = await shop.live(wheel(rules={"telegram_channel": "@shop_news"}))
    async with shop.db.transaction() as session:
        session.add(chat_account(shop.merchant.id, "telegram", "@shop_bot"))
    response = await page(client, activity["slug"])
    assert "@shop_news" in response.text and 'class="play-form' not in response.text
    assert f"https://t.me/shop_bot?start={activity['slug']}" in response.text
    refused = await try_on_page(client, activity["slug"])
    assert refused.status == 409 and 'role="alert"' in refused.text


async def test_a_try_sent_from_another_site_is_refused_and_plays_nothing(shop, client) -> None:
    activity = await shop.live(wheel())
    client.cookies.clear()
    _, refused = await client.post(
        f"/a/{activity['slug']}/play", headers={"sec-fetch-site": "cross-site"}
    )
    assert refused.status == 403 and 'role="alert"' in refused.text
    assert await shop.events("activity.played") == 0


async def test_the_page_wears_the_merchants_brand_and_time_and_counts_a_view(shop, client) -> None:
    body = {"brand_color": "#c2185b", "logo_url": "https://cdn.example.com/logo.png"}
    assert (await shop.call("patch", "/merchant", body)).status == 200
    async with shop.db.transaction() as session:
        merchant = await session.get(Merchant, shop.merchant.id)
        merchant.timezone = "America/Mexico_City"
    activity = await shop.live(wheel())
    text = (await page(client, activity["slug"])).text
    assert "--brand: #c2185b" in text and 'src="https://cdn.example.com/logo.png"' in text
    ends = datetime.fromisoformat(activity["ends_at"]).astimezone(ZoneInfo("America/Mexico_City"))
    assert f"Ends {ends.day} {ends:%b %Y, %H:%M}" in text
    assert await shop.events("activity.viewed") == 1


async def test_every_demo_activity_has_a_page_and_a_card(settings, db, client) -> None:
    async with db.transaction() as session:
        merchant, _ = await ensure_demo_merchant(session, settings.secret_key)
        activities = await activities_by_name(session, merchant.id)
    assert {activity.kind for activity in activities} == {
        "lucky_draw",
        "marquee",
        "red_envelope",
        "collection",
    }
    for activity in activities:
        response = await page(client, activity.slug, params={"lang": "es"})
        assert response.status == 200, activity.kind
        _, card = await client.get(f"/a/{activity.slug}/card.png")
        assert card.status == 200
