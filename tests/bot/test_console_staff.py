"""The console's staff screen (owner only): "Link Telegram" shows a one-time link and its QR,
which the staff member opens in the merchant's bot; "Unlink" ends it at once, and a new role
takes effect at the next message."""

import re

from core.staff.models import Role
from core.staff.schemas import StaffCreate
from core.staff.service import add_staff
from tests.bot.staff import is_customer_menu
from tests.waiting import wait_until
from tests.web.console import staff as console


class Browser:
    """A signed-in console browser. These tests' Confetti is on https (Telegram insists), so
    its cookie is Secure, which the http test client would not send: it is sent by hand."""

    def __init__(self, client) -> None:
        self.client = client

    async def log_in(self, email: str) -> None:
        response = await console.log_in(self.client, email)
        self.client.cookies.set("confetti_console", response.cookies["confetti_console"])
        _, page = await self.get("/console/staff/")
        self.token = console.csrf_token(page.text) if page.status == 200 else None

    async def get(self, path: str):
        return await self.client.get(path)

    async def post(self, path: str, **fields: str):
        return await self.client.post(path, data={"csrf_token": self.token, **fields})


async def add_member(staff, email: str, role: Role) -> None:
    async with staff.shop.db.transaction() as session:
        await add_staff(
            session,
            staff.shop.merchant.id,
            StaffCreate(email=email, password=console.PASSWORD),
            role=role,
        )


async def signed_in_owner(staff, client) -> Browser:
    await add_member(staff, "owner@shop.example", Role.OWNER)
    browser = Browser(client)
    await browser.log_in("owner@shop.example")
    return browser


def shown_link(html: str) -> str:
    return re.search(r'<a href="(https://t\.me/shop_bot\?start=staff_[^"]+)"', html).group(1)


async def test_link_telegram_shows_a_link_and_its_qr_and_unlink_ends_it_at_once(staff, client):
    browser = await signed_in_owner(staff, client)
    _, screen = await browser.get("/console/staff/")
    (owner_id,) = re.findall(r'action="/console/staff/([0-9a-f-]{36})/link"', screen.text)

    _, issued = await browser.post(f"/console/staff/{owner_id}/link")
    assert issued.status == 201
    assert 'src="data:image/png;base64,' in issued.text and "It works once, until" in issued.text
    phone = await staff.person()
    linked = await phone.start(shown_link(issued.text).partition("?start=")[2], "")
    assert "as owner" in linked[-1].text
    _, screen = await browser.get("/console/staff/")
    assert "linked " in screen.text and f"/console/staff/{owner_id}/unlink" in screen.text

    _, unlinked = await browser.post(f"/console/staff/{owner_id}/unlink")
    assert unlinked.status == 303
    assert is_customer_menu((await phone.type("/activities"))[-1])


async def test_a_link_for_a_new_telegram_only_cashier(staff, client):
    browser = await signed_in_owner(staff, client)

    _, issued = await browser.post("/console/staff/link", role="cashier")
    _, wrong = await browser.post("/console/staff/link", role="boss")
    phone = await staff.person()
    linked = await phone.start(shown_link(issued.text).partition("?start=")[2], "")

    assert wrong.status == 422 and "Pick a role" in wrong.text
    assert "as cashier" in linked[-1].text
    _, screen = await browser.get("/console/staff/")
    assert "Ana" in screen.text, "a Telegram-only member shows by their chat name"


async def test_only_an_owner_sees_the_staff_screen(staff, client):
    await add_member(staff, "manager@shop.example", Role.MANAGER)
    browser = Browser(client)
    await browser.log_in("manager@shop.example")

    _, refused = await browser.get("/console/staff/")

    assert refused.status == 403


async def test_a_new_role_takes_effect_at_the_next_message_and_the_menu_follows(staff, client):
    browser = await signed_in_owner(staff, client)
    phone = await staff.member(Role.MANAGER)
    await wait_until(lambda: staff.menu(phone, "es"))
    _, screen = await browser.get("/console/staff/")
    (member_id,) = re.findall(r'action="/console/staff/([0-9a-f-]{36})/role"', screen.text)

    _, changed = await browser.post(f"/console/staff/{member_id}/role", role="cashier")
    (owner_id,) = re.findall(r'action="/console/staff/([0-9a-f-]{36})/link"', screen.text)
    _, own = await browser.post(f"/console/staff/{owner_id}/role", role="cashier")

    assert changed.status == 303
    assert "Your role does not allow that." in (await phone.type("/activities"))[-1].text
    await wait_until(lambda: "activities" not in staff.menu(phone))
    assert staff.menu(phone) == ["redeem", "help", "cancel", "start"]
    assert own.status == 403 and "cannot change your own role" in own.text
