"""Connecting a merchant's own bot: check the token with getMe, then point its webhook at us with
a random secret that Telegram sends back on every update."""

import secrets
from contextlib import suppress
from dataclasses import dataclass

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

from bots.telegram.bots import TelegramBots
from core.channels.errors import ChannelRejected
from core.errors import ServiceUnavailable

ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass(frozen=True)
class ConnectedBot:
    bot_id: str
    username: str
    webhook_secret: str


async def connect_bot(bots: TelegramBots, token: str, webhook_base: str) -> ConnectedBot:
    """`webhook_base` is Confetti's public URL; Telegram requires it to be https."""
    bot = bots.bot(token)
    try:
        me = await bot.get_me()
        secret = secrets.token_urlsafe(32)
        await bot.set_webhook(
            f"{webhook_base}/webhooks/telegram/{me.id}",
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )
    except TelegramUnauthorizedError as exc:
        raise ChannelRejected("Telegram rejected this bot token.", field="token") from exc
    except TelegramNetworkError as exc:
        raise ServiceUnavailable("Telegram could not be reached; try again shortly.") from exc
    except TelegramAPIError as exc:
        raise ChannelRejected(f"Telegram refused the set-up: {exc.message}") from exc
    return ConnectedBot(
        bot_id=str(me.id), username=me.username or str(me.id), webhook_secret=secret
    )


async def disconnect_bot(bots: TelegramBots, token: str) -> None:
    """Best effort: the merchant may already have revoked the token."""
    with suppress(TelegramAPIError):
        await bots.bot(token).delete_webhook()
