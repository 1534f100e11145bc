"""The console's customer, code batch and points screens in a real browser: the customer
search, a bad value's error beside its field, one customer's page, a generated batch, a partner
CSV with bad lines and the earning rules, at phone and desktop widths, each page passing the
accessibility check."""

from core.customers.schemas import CustomerUpsert
from core.customers.service import enter_by_channel, upsert_customer
from tests.browser.accessibility import accessibility_problems
from tests.web.console.customer_history import customer_with_history
from tests.web.console.staff import PASSWORD, owner


async def _check(page, shoot, name: str) -> None:
    assert await accessibility_problems(page) == [], name
    await shoot(page, name)


async def _log_in(page, base_url: str) -> None:
    page.set_default_timeout(5000)  # a page that does not come fails in seconds, not minutes
    await page.goto(f"{base_url}/console/login")
    await page.get_by_label("Email").fill("owner@shop.example")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{base_url}/console/")


async def test_a_manager_finds_a_customer_and_reads_their_history(
    base_url, db, phone, desktop, shoot
) -> None:
    merchant = await owner(db)
    customer, _ = await customer_with_history(db, merchant)
    async with db.transaction() as session:
        await upsert_customer(session, merchant.id, "shop-18", CustomerUpsert(name="Bruno Sousa"))
        await enter_by_channel(session, merchant.id, "telegram", "4242", name="Carla Dias")
    await _log_in(desktop, base_url)
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


async def test_a_manager_sets_up_codes_and_earning_rules_and_sees_each_bad_csv_line(
    base_url, db, phone, desktop, shoot
) -> None:
    await owner(db)
    await _log_in(desktop, base_url)
    await desktop.get_by_role("link", name="Codes").click()
    await _check(desktop, shoot, "console-codes-empty")
    await desktop.get_by_role("link", name="New code batch").click()
    await desktop.get_by_label("Name").fill("Spring flyer")
    await desktop.get_by_label("How many").fill("lots")
    await desktop.get_by_label("Pattern").fill("SPRING-##########")
    await desktop.get_by_label("Points", exact=True).fill("50")
    await desktop.get_by_role("button", name="Create the batch").click()
    await desktop.locator("#count-error").wait_for()
    await _check(desktop, shoot, "console-code-batch-bad-count")
    await desktop.get_by_label("How many").fill("500")
    await desktop.get_by_role("button", name="Create the batch").click()
    await desktop.get_by_role("heading", name="Spring flyer").wait_for()
    await _check(desktop, shoot, "console-code-batch-generated")

    await desktop.goto(f"{base_url}/console/codes/new")
    await desktop.get_by_label("Name").fill("StreamCo vouchers")
    await desktop.get_by_label("Kind").select_option("imported")
    await desktop.get_by_role("button", name="Create the batch").click()
    await desktop.get_by_role("heading", name="StreamCo vouchers").wait_for()
    partner_csv = b"code\nSTREAM-1\nSTREAM-1\nA,B\nSTREAM-2\n"
    await desktop.get_by_label("CSV file").set_input_files(
        {"name": "codes.csv", "mimeType": "text/csv", "buffer": partner_csv}
    )
    await desktop.get_by_role("button", name="Import").click()
    await desktop.locator("#file-error").wait_for()
    assert await desktop.get_by_text("line 4: expected 1 column").is_visible()
    await _check(desktop, shoot, "console-code-batch-rejected")
    partner_batch = desktop.url.removeprefix(base_url).removesuffix("/import")

    await desktop.get_by_role("link", name="Points").click()
    await desktop.get_by_label("Points per order step").fill("1")
    await desktop.get_by_label("Order step (EUR)").fill("1.005")
    await desktop.get_by_role("button", name="Add the rule").click()
    await desktop.locator("#unit_amount-error").wait_for()
    await _check(desktop, shoot, "console-points-bad-amount")
    await desktop.get_by_label("Order step (EUR)").fill("1")
    await desktop.get_by_role("button", name="Add the rule").click()
    await desktop.get_by_text("1 per €1.00").wait_for()
    await _check(desktop, shoot, "console-points")
    await desktop.get_by_role("link", name="Rewards catalogue").click()
    await desktop.get_by_label("Name").fill("A month of StreamCo")
    await desktop.get_by_label("Cost in points").fill("300")
    await desktop.get_by_role("button", name="Add to the catalogue").click()
    await desktop.get_by_role("cell", name="A month of StreamCo").wait_for()
    await _check(desktop, shoot, "console-catalogue")

    await phone.context.add_cookies(await desktop.context.cookies())
    for path, name in (
        ("/console/points/", "console-points"),
        ("/console/points/catalogue/", "console-catalogue"),
        ("/console/codes/", "console-codes"),
        ("/console/codes/new", "console-code-batch-new"),
        (partner_batch, "console-code-batch-imported"),
    ):
        await phone.goto(base_url + path)
        await _check(phone, shoot, name)
