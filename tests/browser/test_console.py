"""The merchant console in a real browser: sign up, a wrong password, a form with a bad value,
a lucky draw with three prizes published, and a screenshot of every page at phone and desktop
widths, each page passing the accessibility check."""

from sqlalchemy import select

from core.codes.models import Code
from core.codes.schemas import CodeBatchCreate
from core.codes.service import create_batch
from tests.browser.accessibility import accessibility_problems
from tests.factories import customer
from tests.web.console.staff import PASSWORD, owner

SHOP = {"name": "Tea Shop", "email": "owner@shop.example", "currency": "EUR"}


async def _check(page, shoot, name: str) -> None:
    assert await accessibility_problems(page) == [], name
    await shoot(page, name)


async def _sign_up(page, base_url: str, shoot) -> None:
    page.set_default_timeout(5000)  # a page that does not come fails in seconds, not minutes
    await page.goto(f"{base_url}/console/signup")
    await page.get_by_label("Shop name").fill(SHOP["name"])
    await page.get_by_label("Email").fill(SHOP["email"])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Timezone").fill("Europe/Madrid")
    await _check(page, shoot, "console-signup")
    await page.get_by_role("button", name="Create my shop").click()
    await page.wait_for_url(f"{base_url}/console/")


async def _log_in(page, base_url: str) -> None:
    await page.goto(f"{base_url}/console/login")
    await page.get_by_label("Email").fill(SHOP["email"])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{base_url}/console/")


async def test_sign_up_leads_to_the_dashboard_and_every_campaign_page_is_accessible(
    base_url, phone, desktop, shoot
) -> None:
    await _sign_up(desktop, base_url, shoot)
    await _check(desktop, shoot, "console-dashboard")
    assert await desktop.get_by_role("heading", name="Dashboard").is_visible()
    for path, name in (
        ("/console/coupons/new", "console-coupon-new"),
        ("/console/activities/", "console-activities-empty"),
        ("/console/coupons/", "console-coupons-empty"),
        ("/console/cashier/", "console-cashier"),
    ):
        await desktop.goto(base_url + path)
        await _check(desktop, shoot, name)


async def test_a_lucky_draw_with_three_prizes_is_created_and_published(
    base_url, phone, desktop, shoot
) -> None:
    await _sign_up(desktop, base_url, shoot)
    await desktop.goto(f"{base_url}/console/activities/new")
    await desktop.get_by_label("Name", exact=True).fill("Spring wheel")
    for n, (name, weight, stock) in enumerate((("Gold", "1", "5"), ("Silver", "3", "20"))):
        await desktop.locator(f'[name="prizes.{n}.name"]').fill(name)
        await desktop.locator(f'[name="prizes.{n}.weight"]').fill(weight)
        await desktop.locator(f'[name="prizes.{n}.stock"]').fill(stock)
    await desktop.locator('[name="prizes.2.name"]').fill("Thanks")
    await desktop.locator('[name="prizes.2.weight"]').fill("6")
    # The preview follows what is typed, without a reload.
    await desktop.locator("#odds").get_by_text("60.0 %").wait_for()
    await desktop.get_by_role("button", name="Add a prize").click()
    await desktop.locator('[name="prizes.3.name"]').wait_for()
    assert await desktop.locator("#add-prize").get_attribute("hx-get") == (
        "/console/activities/prize-row?index=4"
    )
    await _check(desktop, shoot, "console-activity-new")
    await desktop.get_by_role("button", name="Save").click()
    await desktop.get_by_role("heading", name="Spring wheel").wait_for()
    await desktop.get_by_role("button", name="Publish").click()
    await desktop.locator(".badge-live").wait_for()
    assert "/a/" in await desktop.locator(".share-link a").inner_text()
    await _check(desktop, shoot, "console-activity")
    path = desktop.url.removeprefix(base_url)
    await phone.context.add_cookies(await desktop.context.cookies())
    for page_path, name in (
        (path, "console-activity"),
        (f"{path}/edit", "console-activity-edit"),
        ("/console/activities/", "console-activities"),
        ("/console/activities/new", "console-activity-new"),
    ):
        await phone.goto(base_url + page_path)
        await _check(phone, shoot, name)
    await desktop.goto(f"{base_url}/console/activities/")
    await _check(desktop, shoot, "console-activities")


async def test_a_wrong_password_says_so_beside_a_kept_email(
    base_url, db, phone, desktop, shoot
) -> None:
    await owner(db, email=SHOP["email"])
    await desktop.goto(f"{base_url}/console/login")
    await _check(desktop, shoot, "console-login")
    phone.set_default_timeout(5000)
    await phone.goto(f"{base_url}/console/login")
    await _check(phone, shoot, "console-login")
    await phone.get_by_label("Email").fill(SHOP["email"])
    await phone.get_by_label("Password").fill("not my password")
    await phone.get_by_role("button", name="Log in").click()
    await phone.get_by_text("The email or the password is wrong.").wait_for()
    assert await phone.get_by_label("Email").input_value() == SHOP["email"]
    await _check(phone, shoot, "console-login-wrong")


async def test_a_coupon_with_a_bad_amount_shows_the_error_beside_it(base_url, phone, shoot) -> None:
    await _sign_up(phone, base_url, shoot)
    await _check(phone, shoot, "console-dashboard")
    await phone.get_by_text("Menu").click()
    await _check(phone, shoot, "console-menu-open")
    await phone.goto(f"{base_url}/console/coupons/new")
    await phone.get_by_label("Name").fill("Five off")
    await phone.get_by_label("Amount off", exact=True).fill("5.555")
    await phone.get_by_role("button", name="Save").click()
    await phone.locator("#amount_off-error").wait_for()
    assert await phone.get_by_label("Amount off", exact=True).input_value() == "5.555"
    await _check(phone, shoot, "console-coupon-error")
    await phone.get_by_label("Amount off", exact=True).fill("5")
    await phone.get_by_role("button", name="Save").click()
    await phone.goto(f"{base_url}/console/coupons/")
    await _check(phone, shoot, "console-coupons")
    await phone.goto(f"{base_url}/console/cashier/?code=NOPE")
    await phone.locator("#code-error").wait_for()
    await _check(phone, shoot, "console-cashier")


async def test_a_cashier_looks_up_a_flyer_code_and_redeems_it_for_a_customer(
    base_url, db, phone, desktop, shoot
) -> None:
    merchant = await owner(db, email=SHOP["email"])
    await customer(db, merchant, "shop-user-7")
    async with db.transaction() as session:
        data = {
            "name": "Spring flyer",
            "kind": "generated",
            "count": 1,
            "pattern": "FLY-#####-#####",
        }
        data["reward"] = {"type": "points", "amount": 150}
        batch, _ = await create_batch(session, merchant, CodeBatchCreate(**data))
    async with db.transaction(write=False) as session:
        code = (await session.scalars(select(Code).where(Code.batch_id == batch.id))).one()
    phone.set_default_timeout(5000)
    await _log_in(phone, base_url)
    await phone.goto(f"{base_url}/console/cashier/")
    await phone.get_by_label("Coupon or code").fill(code.raw.lower())
    await phone.get_by_role("button", name="Look up").click()
    await phone.get_by_role("heading", name="Spring flyer").wait_for()
    assert await phone.get_by_text("150 points").is_visible()
    await _check(phone, shoot, "console-cashier-code")
    await phone.get_by_label("Customer").fill("shop-user-7")
    await phone.get_by_role("button", name="Redeem").click()
    await phone.get_by_text("Code redeemed.").wait_for()
    assert await phone.get_by_text("The customer got 150 points.").is_visible()
    await _check(phone, shoot, "console-cashier-code-redeemed")
    await desktop.context.add_cookies(await phone.context.cookies())
    await desktop.goto(f"{base_url}/console/cashier/?code={code.raw}")
    await desktop.get_by_text("That code has already been used.").wait_for()
    await _check(desktop, shoot, "console-cashier-code-used")


async def test_an_unknown_console_path_is_the_consoles_404_page(
    base_url, db, phone, desktop, shoot
) -> None:
    await owner(db, email=SHOP["email"])
    for page in (phone, desktop):
        page.set_default_timeout(5000)
        response = await page.goto(f"{base_url}/console/nonsense")
        assert response.status == 404
        await _check(page, shoot, "console-404-signed-out")
    await _log_in(phone, base_url)
    await desktop.context.add_cookies(await phone.context.cookies())
    for page in (phone, desktop):
        response = await page.goto(f"{base_url}/console/coupons/not-an-id")
        assert response.status == 404
        assert await page.get_by_role("heading", name="Nothing here").is_visible()
        await _check(page, shoot, "console-404")
