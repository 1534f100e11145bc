"""Connecting a merchant's own bot, in an order that never lets one merchant's attempt change
another merchant's bot.

A bot has one webhook, and whoever sets it last receives the bot's updates. So:

1. getMe, a read, proves the token and gives the bot's id;
2. the account is claimed for the merchant in a transaction of its own: a bot another merchant
   holds is refused here (409 channel_taken), before Telegram is asked to change anything, and
   of two merchants connecting one bot at once the database's unique key picks one;
3. only the claimant calls setWebhook, with a new random secret that Telegram sends back on
   every update, and the secret is saved once Telegram has it. If setWebhook fails, a row that
   step 2 made is given back;
4. the customers' command menu is set (setMyCommands, default scope).
"""

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError

from bots.telegram.bots import TelegramBots
from bots.telegram.commands import set_customer_menu
from core.channels import service
from core.channels.errors import ChannelRejected
from core.channels.models import ChannelAccount
from core.crypto import Sealer
from core.db import Database
from core.errors import ServiceUnavailable

ALLOWED_UPDATES = ["message", "callback_query"]


async def connect_bot(
    bots: TelegramBots,
    db: Database,
    sealer: Sealer,
    *,
    merchant_id: uuid.UUID,
    token: str,
    webhook_base: str,
) -> ChannelAccount:
    """`webhook_base` is Confetti's public URL; Telegram requires it to be https."""
    bot = bots.bot(token)
    with _telegram_errors():
        me = await bot.get_me()
    secret = secrets.token_urlsafe(32)
    account = {
        "merchant_id": merchant_id,
        "channel": "telegram",
        "external_id": str(me.id),
        "name": me.username or str(me.id),
        "credentials": {"token": token},
        "webhook_secret": secret,
    }
    async with db.transaction() as session:
        claimed = await service.save_account(session, sealer, **account, claim_only=True)
    try:
        with _telegram_errors():
            await bot.set_webhook(
                f"{webhook_base}/webhooks/telegram/{me.id}",
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
            )
    except Exception:
        async with db.transaction() as session:
            await service.release_claim(session, claimed.id, secret)
        raise
    async with db.transaction() as session:
        saved = await service.save_account(session, sealer, **account)
    # Best effort: a menu missing is no reason to undo a connected bot; linking a staff chat
    # sets it again.
    with suppress(TelegramAPIError):
        await set_customer_menu(bot)
    return saved


@contextmanager
def _telegram_errors() -> Iterator[None]:
    """Telegram's refusals in the merchant's terms."""
    try:
        yield
    except TelegramUnauthorizedError as exc:
        raise ChannelRejected("Telegram rejected this bot token.", field="token") from exc
    except TelegramNetworkError as exc:
        raise ServiceUnavailable("Telegram could not be reached; try again shortly.") from exc
    except TelegramAPIError as exc:
        raise ChannelRejected(f"Telegram refused the set-up: {exc.message}") from exc


async def disconnect_bot(bots: TelegramBots, token: str) -> None:
    """Best effort: the merchant may already have revoked the token."""
    with suppress(TelegramAPIError):
        await bots.bot(token).delete_webhook()
