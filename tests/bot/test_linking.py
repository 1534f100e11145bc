"""Linking a Telegram account to a staff account with a one-time deep link, and who the bot then
takes for staff: a linked member of this merchant, checked afresh on every message."""

import asyncio
import uuid

from core.clock import utcnow
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant
from core.staff.chats import issue_link, staff_chats, unlink, use_link
from core.staff.errors import LinkUsed
from core.staff.models import Role
from core.staff.schemas import StaffCreate
from core.staff.service import add_staff
from tests.bot.staff import is_customer_menu


async def test_opening_a_staff_link_links_the_chat_and_lists_the_roles_commands(staff):
    chat = await staff.person()

    linked = await chat.start(await staff.link(Role.MANAGER), "")

    text = linked[-1].text
    assert "You are linked to" in text and "as manager" in text
    assert "/activities" in text and "/redeem" in text
    async with staff.shop.db.transaction(write=False) as session:
        chats = await staff_chats(session, staff.shop.merchant.id)
    assert [c.address for c in chats.values()] == [str(chat.user_id)]


async def test_a_link_for_an_existing_staff_member_links_that_account(staff):
    async with staff.shop.db.transaction() as session:
        cashier = await add_staff(
            session,
            staff.shop.merchant.id,
            StaffCreate(email="till@shop.test", password="a long password"),
            role=Role.CASHIER,
        )
    chat = await staff.person()

    linked = await chat.start(await staff.link(staff_id=cashier.id), "")

    assert "as cashier" in linked[-1].text
    async with staff.shop.db.transaction(write=False) as session:
        assert cashier.id in await staff_chats(session, staff.shop.merchant.id)


async def test_a_used_link_and_an_expired_link_are_refused_with_a_clear_message(staff):
    token = await staff.link()
    first, second = await staff.person(), await staff.person()
    await first.start(token, "")

    used = await second.start(token, "")
    late = await staff.link()
    await staff.expire_links()
    expired = await (await staff.person()).start(late, "")

    assert "has been used already" in used[-1].text
    assert "has expired" in expired[-1].text and "10 minutes" in expired[-1].text
    assert is_customer_menu((await second.type("/redeem ABC"))[-1]), "the refused one: no staff"


async def test_one_link_opened_by_many_chats_at_once_links_exactly_one(shop, db):
    async with db.transaction() as session:
        issued = await issue_link(session, shop.merchant.id, now=utcnow(), role=Role.CASHIER)

    async def open_from(address: str) -> bool:
        try:
            async with db.transaction() as session:
                await use_link(
                    session,
                    shop.merchant.id,
                    issued.token,
                    channel="telegram",
                    address=address,
                    name=None,
                    language="en",
                    now=utcnow(),
                )
        except LinkUsed:
            return False
        return True

    opened = await asyncio.gather(*(open_from(str(9000 + n)) for n in range(20)))

    assert sum(opened) == 1
    async with db.transaction(write=False) as session:
        assert len(await staff_chats(session, shop.merchant.id)) == 1


async def test_a_customer_typing_staff_commands_gets_the_customer_menu(staff):
    customer = await staff.person()
    await customer.start("", "")

    for command in ("/redeem K7M2Q-XR9TB", "/activities", "/cancel", "/back"):
        answer = await customer.type(command)
        assert is_customer_menu(answer[-1]), (command, answer)
    helped = await customer.type("/help")
    assert is_customer_menu(helped[-1]) and "staff" not in helped[-1].text.lower()
    forged = await customer.press("wx")
    assert is_customer_menu(forged[-1])


async def test_staff_of_another_merchant_is_a_customer_here(staff):
    chat = await staff.person()
    async with staff.shop.db.transaction() as session:
        other = await create_merchant(
            session, MerchantCreate(name="Other", currency="EUR", timezone="UTC")
        )
        issued = await issue_link(session, other.id, now=utcnow(), role=Role.OWNER)
        await use_link(
            session,
            other.id,
            issued.token,
            channel="telegram",
            address=str(chat.user_id),
            name=None,
            language="en",
            now=utcnow(),
        )

    answer = await chat.type("/activities")

    assert is_customer_menu(answer[-1])


async def test_unlinking_takes_effect_at_the_next_message(staff):
    chat = await staff.member(Role.OWNER)
    async with staff.shop.db.transaction(write=False) as session:
        (staff_id,) = (await staff_chats(session, staff.shop.merchant.id)).keys()
    assert "/redeem" in (await chat.type("/help"))[-1].text

    async with staff.shop.db.transaction() as session:
        assert await unlink(session, staff.shop.merchant.id, staff_id)

    assert is_customer_menu((await chat.type("/redeem ABC"))[-1])
    async with staff.shop.db.transaction() as session:
        assert not await unlink(session, uuid.uuid4(), staff_id), "another merchant's: no"
