"""The console's other activity kinds in a real browser: a marquee laid out on its board, a
group red envelope (a bad pot first), a coupon collection page, each created and published in
the console, its preview card shown, then played on its share page by visitors at phone width
(two visitors, from two addresses, fill the group envelope). Every new console screen is shot
at phone and desktop widths and passes the accessibility check."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import PHONE
from tests.browser.test_console_loyalty import _check, _log_in
from tests.factories import coupon_template
from tests.web.console.staff import owner

BOARD = ["Gold", "Silver", "Thanks", "Silver", "Gold", "Thanks", "Silver", "Thanks"]
ADDRESS_HEADER = "X-Real-IP"


@pytest.fixture(autouse=True)
def addresses_from_a_header(app) -> None:
    """Behind a proxy the visitor's address is a header: here each visitor gets their own."""
    app.config.REAL_IP_HEADER = ADDRESS_HEADER.lower()


async def _visitor(browser, address: str):
    context = await browser.new_context(**PHONE, extra_http_headers={ADDRESS_HEADER: address})
    page = await context.new_page()
    page.set_default_timeout(10_000)
    return page


def _on(base_url: str, link: str) -> str:
    """A link the app printed (with its configured public address) on the served test app."""
    parts = urlsplit(link)
    return f"{base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")


async def _start(page, base_url: str, kind_button: str) -> None:
    await page.goto(f"{base_url}/console/activities/")
    await page.get_by_role("link", name=kind_button).click()
    await page.get_by_label("Name", exact=True).fill("Spring fun")


async def _publish(base_url: str, desktop, phone, shoot, name: str, kind: str) -> str:
    """Saves the editor, publishes the activity, checks its preview card, shoots its page and
    its editor at both widths, and returns its share link."""
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_role("button", name="Publish").click()
    await desktop.locator("h1 + .badge-live").wait_for()
    card = desktop.locator("img.share-card")
    await card.wait_for()
    await desktop.wait_for_function("() => document.querySelector('img.share-card').complete")
    assert await card.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [1200, 630]
    await _check(desktop, shoot, f"console-{name}")
    link = await desktop.locator(".share-link a").get_attribute("href")
    page = desktop.url.removeprefix(base_url)
    await desktop.goto(f"{base_url}{page}/edit")
    await _check(desktop, shoot, f"console-{name}-edit")
    await phone.context.add_cookies(await desktop.context.cookies())
    phone.set_default_timeout(5000)
    for path, shot in (
        (f"/console/activities/new?kind={kind}", f"console-{name}-new"),
        (page, f"console-{name}"),
        (f"{page}/edit", f"console-{name}-edit"),
    ):
        await phone.goto(base_url + path)
        await _check(phone, shoot, shot)
    return link


async def test_a_marquee_laid_out_on_its_board_is_published_and_played(
    base_url, db, browser, phone, desktop, shoot
) -> None:
    await owner(db)
    await _log_in(desktop, base_url)
    await _start(desktop, base_url, "New marquee")
    for n, (name, weight) in enumerate((("Gold", "1"), ("Silver", "3"), ("Thanks", "6"))):
        await desktop.locator(f'[name="prizes.{n}.name"]').fill(name)
        await desktop.locator(f'[name="prizes.{n}.weight"]').fill(weight)
    # The board's cells offer the prizes as they are named, without a reload.
    await desktop.locator("#odds").get_by_text("60.0 %").wait_for()
    await desktop.locator('[name="marquee.cells.7"] option[value="Thanks"]').wait_for(
        state="attached"
    )
    for n, name in enumerate(BOARD):
        await desktop.select_option(f'[name="marquee.cells.{n}"]', name)
    # Gold (10 %) on two cells is 5 % a cell; the light's chances follow the board.
    await desktop.locator(".board-slot-4 .board-chance").get_by_text("5.0 %").wait_for()
    await _check(desktop, shoot, "console-marquee-new")
    link = await _publish(base_url, desktop, phone, shoot, "marquee", "marquee")
    visitor = await _visitor(browser, "203.0.113.10")
    await visitor.goto(_on(base_url, link))
    await visitor.click("text=Start")
    stopped = await visitor.wait_for_selector(".board-cell.stopped")
    assert await stopped.inner_text() in {"Gold", "Silver", "Thanks"}
    await shoot(visitor, "share-marquee-from-console")


async def test_a_group_red_envelope_is_refused_when_too_small_then_filled_by_two_visitors(
    base_url, db, browser, phone, desktop, shoot
) -> None:
    await owner(db)
    await _log_in(desktop, base_url)
    await _start(desktop, base_url, "New red envelope")
    await desktop.select_option('[name="envelope.pot_type"]', "money")
    await desktop.get_by_label("Pot", exact=True).fill("1.00")
    await desktop.get_by_label("Shares", exact=True).fill("4")
    await desktop.get_by_label("Least share").fill("0.50")
    await desktop.select_option('[name="envelope.opening"]', "group")
    await desktop.get_by_label("Friends to join").fill("1")
    await desktop.locator("#share-range").get_by_text("need a pot of at least €2.00").wait_for()
    await desktop.get_by_role("button", name="Save").click()
    await desktop.locator("#envelope-pot-error").wait_for()
    assert await desktop.get_by_label("Pot", exact=True).input_value() == "1.00"
    assert await desktop.get_by_label("Friends to join").input_value() == "1"
    await _check(desktop, shoot, "console-envelope-error")
    await desktop.get_by_label("Pot", exact=True).fill("10.00")
    await desktop.locator("#share-range").get_by_text("between €0.50 and €8.50").wait_for()
    await _check(desktop, shoot, "console-envelope-new")
    link = await _publish(base_url, desktop, phone, shoot, "envelope", "red_envelope")
    assert await desktop.get_by_text("once the starter and 1 more have joined").is_visible()
    starter = await _visitor(browser, "203.0.113.20")
    await starter.goto(_on(base_url, link))
    await starter.click("text=Open the envelope")
    await starter.get_by_text("1 of 2 people have joined").wait_for()
    await shoot(starter, "share-group-envelope-started")
    friend_link = await starter.locator("#group-link").input_value()
    friend = await _visitor(browser, "198.51.100.30")
    await friend.goto(_on(base_url, friend_link))
    await friend.click("text=Join your friend's envelope")
    await friend.get_by_text("Your group filled and the envelope opened!").wait_for()
    await shoot(friend, "share-group-envelope-joined")
    await starter.reload()
    await starter.get_by_text("Your group filled and the envelope opened!").wait_for()
    await shoot(starter, "share-group-envelope-paid")


async def test_a_coupon_collection_offers_the_chosen_coupons_and_one_is_collected(
    base_url, db, browser, phone, desktop, shoot
) -> None:
    merchant = await owner(db)
    five = await coupon_template(db, merchant, total_stock=20)
    flash = await coupon_template(
        db, merchant, name="Flash: 20% off", kind="percent", amount_off=None, percent_off=20
    )
    await _log_in(desktop, base_url)
    await _start(desktop, base_url, "New coupon page")
    await desktop.select_option('[name="templates.0"]', str(flash.id))
    await desktop.select_option('[name="templates.1"]', str(five.id))
    await _check(desktop, shoot, "console-collection-new")
    link = await _publish(base_url, desktop, phone, shoot, "collection", "collection")
    await phone.goto(f"{base_url}/console/activities/")
    await _check(phone, shoot, "console-kinds-list")
    visitor = await _visitor(browser, "203.0.113.40")
    await visitor.goto(_on(base_url, link))
    await visitor.click("form.collect-form >> text=Collect")
    await visitor.wait_for_selector("img[src^='/qr/']")
    assert await visitor.is_visible("text=Your code")
    await shoot(visitor, "share-collection-from-console")


async def test_a_draft_envelopes_pot_and_a_draft_pages_coupons_are_edited_before_publishing(
    base_url, db, phone, desktop, shoot
) -> None:
    merchant = await owner(db)
    five = await coupon_template(db, merchant, total_stock=20)
    flash = await coupon_template(db, merchant, name="Flash deal", total_stock=5)
    await _log_in(desktop, base_url)
    await _start(desktop, base_url, "New red envelope")
    await desktop.get_by_label("Pot", exact=True).fill("100")
    await desktop.get_by_label("Shares", exact=True).fill("4")
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_role("link", name="Edit").click()
    await desktop.get_by_label("Pot", exact=True).fill("400")
    await desktop.locator("#share-range").get_by_text("100 points on average").wait_for()
    await _check(desktop, shoot, "console-envelope-draft-edit")
    await phone.context.add_cookies(await desktop.context.cookies())
    await phone.goto(desktop.url)
    await _check(phone, shoot, "console-envelope-draft-edit")
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_text("400 points").first.wait_for()
    await _start(desktop, base_url, "New coupon page")
    await desktop.select_option('[name="templates.0"]', str(five.id))
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_role("link", name="Edit").click()
    await desktop.select_option('[name="templates.0"]', str(flash.id))
    await desktop.select_option('[name="templates.1"]', str(five.id))
    await _check(desktop, shoot, "console-collection-draft-edit")
    await phone.goto(desktop.url)
    await _check(phone, shoot, "console-collection-draft-edit")
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_role("button", name="Publish").click()
    await desktop.locator("h1 + .badge-live").wait_for()
    shown = await desktop.content()
    assert shown.index("Flash deal") < shown.index("Five off")
