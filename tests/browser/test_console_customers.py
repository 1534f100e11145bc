"""The console's customer screens in a real browser: the search, a bad filter's error beside
its field, and one customer's page, at phone and desktop widths, each passing the accessibility
check."""

from core.customers.schemas import CustomerUpsert
from core.customers.service import enter_by_channel, upsert_customer
from tests.browser.accessibility import accessibility_problems
from tests.web.console.customer_history import customer_with_history
from tests.web.console.staff import PASSWORD, owner


async def _check(page, shoot, name: str) -> None:
    assert await accessibility_problems(page) == [], name
    await shoot(page, name)


async def test_a_manager_finds_a_customer_and_reads_their_history(
    base_url, db, phone, desktop, shoot
) -> None:
    merchant = await owner(db)
    customer, _ = await customer_with_history(db, merchant)
    async with db.transaction() as session:
        await upsert_customer(session, merchant.id, "shop-18", CustomerUpsert(name="Bruno Sousa"))
        await enter_by_channel(session, merchant.id, "telegram", "4242", name="Carla Dias")
    desktop.set_default_timeout(5000)
    await desktop.goto(f"{base_url}/console/login")
    await desktop.get_by_label("Email").fill("owner@shop.example")
    await desktop.get_by_label("Password").fill(PASSWORD)
    await desktop.get_by_role("button", name="Log in").click()
    await desktop.wait_for_url(f"{base_url}/console/")
    await desktop.get_by_role("link", name="Customers").click()
    await desktop.get_by_role("link", name="Carla Dias").wait_for()
    await _check(desktop, shoot, "console-customers")
    await desktop.get_by_label("Name, shop id or chat address").fill("lima")
    await desktop.get_by_role("button", name="Search").click()
    await desktop.get_by_role("link", name="Ana Lima").click()
    await desktop.get_by_role("heading", name="Ana Lima").wait_for()
    assert await desktop.get_by_text("Spring wheel").is_visible()
    await _check(desktop, shoot, "console-customer")
    await phone.context.add_cookies(await desktop.context.cookies())
    await phone.goto(f"{base_url}/console/customers/?q=Ana&channel=fax")
    assert await phone.locator("#channel-error").is_visible()
    await _check(phone, shoot, "console-customers-bad-channel")
    for path, name in (
        ("/console/customers/", "console-customers"),
        (f"/console/customers/{customer.id}", "console-customer"),
    ):
        await phone.goto(base_url + path)
        await _check(phone, shoot, name)
