"""Tries a cookie cannot dodge: counted per network address and activity, a day's allowance and
a burst's cool-off, refused with a clear message on the page."""

from sqlalchemy import func, select

from core.activities.models import Play
from core.clock import utcnow
from tests.activities.shop import wheel
from tests.share.test_share_pages import try_on_page, visitor_cookie


def limit_address(app, *, visitors: int = 1, per_day: int = 1000, per_minute: int = 1000) -> None:
    app.ctx.settings = app.ctx.settings.model_copy(
        update={
            "share_visitors_per_address": visitors,
            "share_tries_per_address_per_day": per_day,
            "share_tries_per_address_per_minute": per_minute,
        }
    )


def forwarded(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def plays(shop) -> int:
    async with shop.db.transaction(write=False) as session:
        return (await session.execute(select(func.count()).select_from(Play))).scalar_one()


async def test_clearing_cookies_buys_no_extra_try(app, shop, client) -> None:
    limit_address(app)
    activity = await shop.live(wheel(rules={"tries_per_customer_per_day": 1}))
    assert (await try_on_page(client, activity["slug"])).status == 200
    cleared = await try_on_page(client, activity["slug"])  # no cookie: a "new" visitor
    assert cleared.status == 429 and "retry-after" not in cleared.headers
    assert "already played" in cleared.text
    assert await plays(shop) == 1


async def test_an_address_may_bring_as_many_players_as_the_setting_each_with_their_tries(
    app, shop, client
) -> None:
    limit_address(app, visitors=2)
    activity = await shop.live(wheel(rules={"tries_per_customer_total": 2}))
    first = await try_on_page(client, activity["slug"])
    second = await try_on_page(client, activity["slug"])  # two visitors behind one shop's wifi
    for visitor in (first, second):
        again = await try_on_page(client, activity["slug"], cookie=visitor_cookie(visitor))
        assert again.status == 200
    assert (await try_on_page(client, activity["slug"])).status == 429
    assert await plays(shop) == 4


async def test_the_day_caps_an_address_tries_with_a_retry_after(app, shop, client) -> None:
    limit_address(app, per_day=2)
    activity = await shop.live(wheel())
    first = await try_on_page(client, activity["slug"])
    again = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first))
    assert again.status == 200
    refused = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first))
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
    assert "come back tomorrow" in refused.text


async def test_a_burst_cools_off_until_the_next_minute(app, shop, client, monkeypatch) -> None:
    limit_address(app, per_minute=3)
    # Every try in the same minute, 50 seconds before it ends.
    moment = utcnow().replace(second=10)
    monkeypatch.setattr("web.share.utcnow", lambda: moment)
    activity = await shop.live(wheel())
    first = await try_on_page(client, activity["slug"])
    for _ in range(2):
        await try_on_page(client, activity["slug"], cookie=visitor_cookie(first))
    cooled = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first))
    assert cooled.status == 429 and cooled.headers["retry-after"] == "50"
    assert "1 min" in cooled.text


async def test_a_refused_try_uses_none_of_the_address_allowance(app, shop, client) -> None:
    limit_address(app, visitors=2)
    activity = await shop.live(wheel(rules={"tries_per_customer_total": 1}))
    first = await try_on_page(client, activity["slug"])
    again = await try_on_page(client, activity["slug"], cookie=visitor_cookie(first))
    assert again.status == 409
    assert (await try_on_page(client, activity["slug"])).status == 200


async def test_a_made_up_forwarded_address_buys_nothing(app, shop, client) -> None:
    limit_address(app, per_day=1)
    activity = await shop.live(wheel())
    assert (await try_on_page(client, activity["slug"])).status == 200
    forged = await try_on_page(client, activity["slug"], **forwarded("203.0.113.9"))
    assert forged.status == 429


async def test_behind_a_trusted_proxy_each_forwarded_address_counts_alone(
    app, shop, client
) -> None:
    app.config.PROXIES_COUNT = 1
    limit_address(app, per_day=1)
    activity = await shop.live(wheel())
    for address in ("203.0.113.9", "198.51.100.7"):
        played = await try_on_page(client, activity["slug"], **forwarded(address))
        assert played.status == 200
    again = await try_on_page(client, activity["slug"], **forwarded("203.0.113.9"))
    assert again.status == 429
