"""The share pages in a real browser, as a visitor at phone width plays them: the wheel spins
onto the server's prize, the marquee's light stops on its cell while the ticker picks up a
winner, the envelope opens, a collected coupon shows its code and QR. Every page is shot at
phone and desktop widths, and passes the accessibility check with nothing refused by its CSP."""

from core.activities.flows import play
from core.activities.schemas import ActivityCreate, PlayRequest
from core.activities.service import change_status, create_activity, publish
from core.merchants.models import Merchant
from tests.activities.shop import wheel, window
from tests.browser.accessibility import accessibility_problems
from tests.factories import coupon_template
from tests.share.test_share_pages import chat_account

SURE_WIN = [
    {"name": "Gold", "weight": 10**6, "stock": 5, "reward": {"type": "points", "amount": 100}},
    {"name": "Thanks", "weight": 1, "consolation": True, "reward": {"type": "none"}},
]


async def live(shop, body: dict) -> tuple[str, object]:
    """A published activity's slug, made through the core: the app's ASGI client cannot run
    beside its real server in one test."""
    async with shop.db.transaction() as session:
        merchant = await session.get(Merchant, shop.merchant.id)
        activity = await create_activity(session, merchant, ActivityCreate.model_validate(body))
        await publish(session, merchant.id, activity.id)
        return activity.slug, activity.id


async def open_page(page, url: str) -> list[str]:
    """Opens the page and returns the list its console errors (a CSP refusal, say) land in."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    response = await page.goto(url)
    assert response.status == 200
    assert await accessibility_problems(page) == []
    return errors


async def test_a_visitor_spins_the_wheel_and_it_stops_on_the_drawn_prize(
    base_url, phone, desktop, shoot, shop
) -> None:
    slug, _ = await live(shop, wheel(prizes=SURE_WIN, description="Spin once a day."))
    async with shop.db.transaction() as session:
        session.add(chat_account(shop.merchant.id, "telegram", "@test_shop_bot"))
    url = f"{base_url}/a/{slug}"
    await open_page(desktop, url)
    await shoot(desktop, "share-wheel")
    errors = await open_page(phone, url)
    await shoot(phone, "share-wheel")
    await phone.click("text=Spin the wheel")
    await phone.wait_for_selector("#result[data-played] >> text=You won", timeout=10_000)
    turn = await phone.eval_on_selector("#wheel", "wheel => parseFloat(wheel.dataset.turn)")
    # Gold is the first of two slices: it stops with the slice's middle (90°) under the pointer.
    assert turn % 360 == 270
    assert errors == []
    assert await phone.is_visible("text=Open in Telegram")  # the chats, after a first try
    assert await accessibility_problems(phone) == []
    await shoot(phone, "share-wheel-result")


async def test_the_marquee_stops_on_its_cell_and_the_ticker_shows_a_new_winner(
    base_url, phone, desktop, shoot, shop
) -> None:
    body = {
        **wheel(kind="marquee", name="Lucky lights", prizes=SURE_WIN),
        "marquee": {"cells": ["Gold", "Thanks"] * 4},
    }
    slug, activity_id = await live(shop, body)
    url = f"{base_url}/a/{slug}"
    await open_page(desktop, url)
    await shoot(desktop, "share-marquee")
    errors = await open_page(phone, url)
    await phone.click("text=Start")
    stopped = await phone.wait_for_selector(".board-cell.stopped", timeout=10_000)
    assert await stopped.inner_text() == "Gold"
    async with shop.db.transaction() as session:  # someone else wins, elsewhere
        merchant = await session.get(Merchant, shop.merchant.id)
        await play(session, merchant, activity_id, PlayRequest(customer="alice"))
    await phone.wait_for_selector("#ticker >> text=A***e", timeout=10_000)
    assert errors == []
    assert await accessibility_problems(phone) == []
    await shoot(phone, "share-marquee-result")


async def test_the_red_envelope_opens_to_show_the_share(
    base_url, phone, desktop, shoot, shop
) -> None:
    envelope = {"pot": 1000, "shares": 4, "min_share": 10}
    slug, _ = await live(
        shop, {"kind": "red_envelope", "name": "Lunar pot", **window(), "envelope": envelope}
    )
    url = f"{base_url}/a/{slug}"
    await open_page(desktop, url)
    await shoot(desktop, "share-envelope")
    errors = await open_page(phone, url)
    await phone.click("text=Open the envelope")
    await phone.wait_for_selector("#result >> text=points added", timeout=10_000)
    assert await phone.is_visible(".envelope-open")
    assert errors == []
    assert await accessibility_problems(phone) == []
    await shoot(phone, "share-envelope-result")


async def test_collecting_a_coupon_shows_its_code_and_qr(
    base_url, phone, desktop, shoot, shop
) -> None:
    five_off = await coupon_template(shop.db, shop.merchant, total_stock=20)
    flash = await coupon_template(
        shop.db,
        shop.merchant,
        name="Flash: 20% off",
        kind="percent",
        amount_off=None,
        percent_off=20,
        total_stock=5,
        claim_starts_at=window(start_minutes=90)["starts_at"],
    )
    slug, _ = await live(
        shop,
        {
            "kind": "collection",
            "name": "Winter coupons",
            **window(),
            "templates": [str(five_off.id), str(flash.id)],
        },
    )
    url = f"{base_url}/a/{slug}"
    await open_page(desktop, url)
    await shoot(desktop, "share-collection")
    errors = await open_page(phone, url)
    await phone.click("form.collect-form >> text=Collect")
    await phone.wait_for_selector("img[src^='/qr/']", timeout=10_000)
    assert await phone.is_visible("text=Your code")
    assert errors == []
    assert await accessibility_problems(phone) == []
    await shoot(phone, "share-collection-claimed")


async def test_scheduled_ended_and_unknown_activities_are_proper_pages(
    base_url, phone, desktop, shoot, shop
) -> None:
    later, _ = await live(shop, wheel(prizes=SURE_WIN, **window(start_minutes=60)))
    slug, activity_id = await live(shop, wheel(prizes=SURE_WIN))
    async with shop.db.transaction() as session:
        await change_status(session, shop.merchant.id, activity_id, "end")
    for page in (phone, desktop):
        await open_page(page, f"{base_url}/a/{later}")
        assert await page.is_visible("text=Not started yet")
        await shoot(page, "share-scheduled")
        await open_page(page, f"{base_url}/a/{slug}?lang=es")
        assert await page.is_visible("text=Esta actividad ha terminado")
        await shoot(page, "share-ended")
        response = await page.goto(f"{base_url}/a/no-such-activity")
        assert response.status == 404
        await shoot(page, "share-not-found")


async def test_a_spanish_visitor_reads_a_refusal_in_spanish_after_the_days_try(
    base_url, phone, desktop, shoot, shop
) -> None:
    rules = {"tries_per_customer_per_day": 1}
    slug, _ = await live(shop, wheel(prizes=SURE_WIN, rules=rules))
    phone.set_default_timeout(10000)
    await open_page(phone, f"{base_url}/a/{slug}?lang=es")
    await phone.get_by_role("button", name="Girar la ruleta").click()
    await phone.wait_for_selector("#result[data-played]", timeout=10_000)
    # The same visitor on a wider screen: their cookies, and no ?lang= (it stuck).
    await desktop.context.add_cookies(await phone.context.cookies())
    for page in (phone, desktop):
        page.set_default_timeout(10000)
        await open_page(page, f"{base_url}/a/{slug}")
        await page.get_by_role("button", name="Girar la ruleta").click()
        await page.get_by_text("Ya has usado los intentos de hoy").wait_for()
        assert await accessibility_problems(page) == []
        await shoot(page, "share-refused-es")
