"""The bot's command menu (setMyCommands), per scope: customers see theirs in the default
scope; each linked staff chat sees its role's in its own chat scope. Both in every language the
chats speak (a `language_code` scope each, and the plain scope as the fallback)."""

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bots.conversation.i18n import DEFAULT_LANGUAGE, Translator, languages
from bots.conversation.staff.commands import CUSTOMER_COMMANDS, commands_for
from core.staff.models import Role


def customer_commands(t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=t(f"command.{name}")) for name in CUSTOMER_COMMANDS
    ]


def staff_commands(t: Translator, role: Role) -> list[BotCommand]:
    staff = [
        BotCommand(command=command.name, description=t(f"staff.command.{command.name}"))
        for command in commands_for(role)
    ]
    return staff + customer_commands(t)[:1]  # and /start, the customer menu


async def set_customer_menu(bot: Bot) -> None:
    """The default scope's menu, in every language (and plainly, in English)."""
    for language in (None, *languages()):
        t = Translator(language or DEFAULT_LANGUAGE, "UTC")
        await bot.set_my_commands(
            customer_commands(t), scope=BotCommandScopeDefault(), language_code=language
        )


async def set_command_menus(bot: Bot, chat_id: int, role: Role | None, chat_language: str) -> None:
    """The customers' menu, and the menu of one staff chat: its role's, or (unlinked, `role`
    None) none of its own, so it falls back to the customers'."""
    await set_customer_menu(bot)
    chat = BotCommandScopeChat(chat_id=chat_id)
    for language in (None, *languages()):
        if role is None:
            await bot.delete_my_commands(scope=chat, language_code=language)
        else:
            t = Translator(language or chat_language, "UTC")
            await bot.set_my_commands(staff_commands(t, role), scope=chat, language_code=language)
