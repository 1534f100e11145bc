"""`confetti staff link`: a one-time link printed for a new Telegram-only staff member of a role,
or for an existing staff member by their e-mail."""

import asyncio

import pytest
from click.testing import CliRunner

from core.staff.models import Role
from core.staff.schemas import StaffCreate
from core.staff.service import add_staff
from web.cli import main

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


async def confetti(*arguments: str):
    return await asyncio.to_thread(CliRunner().invoke, main, list(arguments))


def printed_token(output: str) -> str:
    """The token of the link the command printed (its log lines go to the same output)."""
    (url,) = [line for line in output.splitlines() if line.startswith("https://t.me/")]
    assert url.startswith("https://t.me/shop_bot?start=staff_")
    return url.partition("?start=")[2]


@pytest.fixture
def cli_settings(monkeypatch, settings):
    monkeypatch.setenv("CONFETTI_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONFETTI_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("CONFETTI_PUBLIC_URL", settings.base_url)


@SQLITE_ONLY
async def test_the_cli_prints_a_link_that_links_a_new_manager(staff, cli_settings):
    merchant = str(staff.shop.merchant.id)

    printed = await confetti("staff", "link", "--merchant", merchant, "--role", "manager")

    assert printed.exit_code == 0, printed.output
    assert "works once" in printed.output
    linked = await (await staff.person()).start(printed_token(printed.output), "")
    assert "as manager" in linked[-1].text


@SQLITE_ONLY
async def test_the_cli_links_an_existing_member_by_email_and_refuses_anyone_elses(
    staff, cli_settings
):
    async with staff.shop.db.transaction() as session:
        await add_staff(
            session,
            staff.shop.merchant.id,
            StaffCreate(email="till@shop.test", password="a long password"),
            role=Role.CASHIER,
        )
    merchant = str(staff.shop.merchant.id)

    printed = await confetti("staff", "link", "--merchant", merchant, "--email", "TILL@shop.test")
    unknown = await confetti("staff", "link", "--merchant", merchant, "--email", "x@shop.test")
    neither = await confetti("staff", "link", "--merchant", merchant)

    linked = await (await staff.person()).start(printed_token(printed.output), "")
    assert "as cashier" in linked[-1].text
    assert unknown.exit_code == 1 and "No such staff member" in unknown.output
    assert neither.exit_code == 2 and "either --role" in neither.output
