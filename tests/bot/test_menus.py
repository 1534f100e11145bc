"""The bot's command menus (setMyCommands): customers' in the default scope, each linked staff
chat's role's in its chat scope, in English and Spanish; unlinking takes the chat's away."""

from core.staff.chats import staff_chats, unlink
from core.staff.models import Role
from tests.channels.chats import BOT_TOKEN
from tests.waiting import wait_until


async def test_each_linked_chat_gets_its_roles_menu_and_customers_keep_theirs(staff):
    manager = await staff.member(Role.MANAGER)
    cashier = await staff.member(Role.CASHIER)

    # Spanish is set last, after the plain scope and English.
    await wait_until(lambda: staff.menu(manager, "es") and staff.menu(cashier, "es"))

    assert staff.menu(manager) == ["activities", "new_coupon", "redeem", "help", "cancel", "start"]
    assert staff.menu(cashier) == ["redeem", "help", "cancel", "start"]
    assert staff.customer_menu() == ["start", "help"]
    assert staff.customer_menu("es") == ["start", "help"]
    spanish = staff.fake.command_menu(BOT_TOKEN, {"type": "chat", "chat_id": cashier.user_id}, "es")
    assert spanish[0]["description"].startswith("canjear el cupón")


async def test_unlinking_takes_the_chats_staff_menu_away(staff):
    manager = await staff.member(Role.MANAGER)
    await wait_until(lambda: staff.menu(manager, "es"))
    async with staff.shop.db.transaction() as session:
        (staff_id,) = (await staff_chats(session, staff.shop.merchant.id)).keys()
        await unlink(session, staff.shop.merchant.id, staff_id)

    await wait_until(lambda: staff.menu(manager) is None and staff.menu(manager, "es") is None)

    assert staff.customer_menu() == ["start", "help"], "the chat falls back to the customers'"


async def test_connecting_the_bot_sets_the_customers_menu(staff):
    assert staff.customer_menu() == ["start", "help"]
    assert staff.customer_menu("es") == ["start", "help"]
    spanish = staff.fake.command_menu(BOT_TOKEN, {"type": "default"}, "es")
    assert spanish[0]["description"].startswith("El menú")
