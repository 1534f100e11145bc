"""The staff screen in a real browser: the list with each member's Telegram state, and the
one-time link with its QR after "Link Telegram"; a screenshot of each at phone and desktop
widths, each page passing the accessibility check."""

from sqlalchemy import select

from core.channels.service import save_account
from core.crypto import Sealer
from core.merchants.models import Merchant
from core.staff.models import Role
from core.staff.schemas import StaffCreate
from core.staff.service import add_staff
from tests.browser.test_console import _check, _sign_up


async def _connect_bot(db, settings) -> None:
    async with db.transaction() as session:
        merchant = (await session.scalars(select(Merchant))).one()
        await save_account(
            session,
            Sealer(settings.secret_key),
            merchant_id=merchant.id,
            channel="telegram",
            external_id="4242424242",
            name="tea_shop_bot",
            credentials={"token": "4242424242:fake"},
            webhook_secret="secret-for-tests",
        )


async def _add_member(db) -> None:
    async with db.transaction() as session:
        merchant = (await session.scalars(select(Merchant))).one()
        manager = StaffCreate(email="manager@shop.example", password="a long password")
        await add_staff(session, merchant.id, manager, role=Role.MANAGER)


async def test_the_owner_makes_a_telegram_link_for_themselves(
    base_url, db, settings, phone, desktop, shoot
) -> None:
    await _sign_up(desktop, base_url, shoot)
    await _connect_bot(db, settings)

    await desktop.goto(f"{base_url}/console/staff/")
    await _check(desktop, shoot, "console-staff")
    await desktop.get_by_role("button", name="Link Telegram").click()
    await desktop.wait_for_selector("text=It works once")
    await _check(desktop, shoot, "console-staff-link")

    link = await desktop.locator("p.secret a").get_attribute("href")
    assert link.startswith("https://t.me/tea_shop_bot?start=staff_")
    await phone.context.add_cookies(await desktop.context.cookies())
    phone.set_default_timeout(5000)
    await phone.goto(f"{base_url}/console/staff/")
    await _check(phone, shoot, "console-staff")
    await phone.get_by_role("button", name="Make a link").click()
    await phone.wait_for_selector("text=It works once")
    await _check(phone, shoot, "console-staff-link")
    await _add_member(db)
    for page in (phone, desktop):
        await page.goto(f"{base_url}/console/staff/")
        await _check(page, shoot, "console-staff-members")
