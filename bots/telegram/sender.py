"""Replies shown in Telegram: inline keyboards for options and links, photos by URL, and the
"spinning…" message edited in place into the result."""

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bots.conversation.messages import Reply
from bots.delivery import PartsSent, RateLimited, SendFailed, Sent, Unreachable
from bots.telegram.bots import TelegramBots
from core.channels.models import ChannelAccount

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    rows = [[InlineKeyboardButton(text=reply.link.title, url=reply.link.url)]] if reply.link else []
    rows += [[InlineKeyboardButton(text=o.title, callback_data=o.id)] for o in reply.options]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


class TelegramSender:
    # The Bot API reports nothing about a sent message later: a send whose answer was lost
    # cannot be confirmed (see workers/chat_sender.py).
    reports_status = False

    def __init__(self, bots: TelegramBots) -> None:
        self.bots = bots

    async def send(
        self,
        account: ChannelAccount,
        credentials: dict[str, str],
        address: str,
        reply: Reply,
        *,
        replacing: str | None,
        tag: str,
        parts_sent: int = 0,
        on_part_sent: PartsSent | None = None,
    ) -> Sent:
        # One reply is one Telegram message: there are no parts to count.
        bot = self.bots.bot(credentials["token"])
        markup = keyboard(reply)
        try:
            if reply.image_url:
                message = await bot.send_photo(
                    address,
                    reply.image_url,
                    caption=reply.text[:CAPTION_LIMIT],
                    reply_markup=markup,
                )
            elif replacing is not None and (
                edited := await self._edit(bot, address, replacing, reply)
            ):
                message = edited
            else:
                message = await bot.send_message(
                    address, reply.text[:TEXT_LIMIT], reply_markup=markup
                )
        except TelegramRetryAfter as exc:
            raise RateLimited(exc.message, exc.retry_after) from exc
        except TelegramForbiddenError as exc:
            raise Unreachable(exc.message) from exc
        except (TelegramBadRequest, TelegramUnauthorizedError) as exc:
            raise SendFailed(exc.message, permanent=True) from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise SendFailed(str(exc)) from exc
        except TelegramAPIError as exc:
            raise SendFailed(exc.message) from exc
        return Sent(provider_message_id=str(message.message_id))

    async def _edit(self, bot, address: str, message_id: str, reply: Reply) -> Message | None:
        """None when the message cannot be edited (too old, deleted): the caller sends anew."""
        try:
            edited = await bot.edit_message_text(
                text=reply.text[:TEXT_LIMIT],
                chat_id=address,
                message_id=int(message_id),
                reply_markup=keyboard(reply),
            )
        except TelegramBadRequest:
            return None
        return edited if isinstance(edited, Message) else None

    async def send_template(self, *args, **kwargs) -> Sent:
        raise SendFailed("Telegram has no message templates", permanent=True)

    async def close(self) -> None:
        await self.bots.close()
