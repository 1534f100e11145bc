"""Telegram updates into the conversation layer's `Incoming`, through one aiogram Dispatcher
that serves every merchant's bot. Only private chats are conversations; the rest is ignored.

Every text of an update is cleaned here (core/text.py) before aiogram reads it: a NUL in a
first name must not stop the customer's message at the database, nor a lone surrogate at
aiogram's pydantic models. Names, payloads and ids are then made one line.
"""

from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message, User

from bots.conversation.messages import Incoming
from core.channels.models import ChannelAccount
from core.text import clean_text, cleaned

router = Router(name="customers")


def _incoming(account: ChannelAccount, user: User, **fields: object) -> Incoming:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return Incoming(
        channel="telegram",
        merchant_id=account.merchant_id,
        account_id=account.id,
        address=str(user.id),
        name=_line(name)[:200].strip() or None,
        language=_line(user.language_code or "")[:16] or None,
        **fields,
    )


@router.message(F.chat.type == ChatType.PRIVATE, F.from_user)
async def on_message(message: Message, account: ChannelAccount) -> Incoming:
    text = message.text or message.caption or ""
    command, _, rest = text.partition(" ")
    if command.split("@")[0] == "/start":
        return _incoming(account, message.from_user, kind="start", text=rest.strip()[:4096])
    return _incoming(account, message.from_user, kind="text", text=text[:4096])


@router.callback_query(F.from_user)
async def on_button(query: CallbackQuery, account: ChannelAccount) -> Incoming:
    option = _line(query.data or "")[:256]
    return _incoming(account, query.from_user, kind="button", option=option, ack=_line(query.id))


def _line(text: str) -> str:
    return clean_text(text, one_line=True)


# One Dispatcher for the process serves every merchant's bot: the bot and its account come
# with each update.
dispatcher = Dispatcher()
dispatcher.include_router(router)


async def to_incoming(bot: Bot, update: dict, account: ChannelAccount) -> Incoming | None:
    """What the customer did, or None for an update that is not a conversation step."""
    result = await dispatcher.feed_raw_update(bot, _cleaned(update), account=account)
    return None if result is UNHANDLED or result is None else result


def _cleaned(value: Any) -> Any:
    """`value` (a decoded update, no deeper than web/body.py allows) with every text cleaned."""
    if isinstance(value, dict):
        return {cleaned(key): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return cleaned(value)
