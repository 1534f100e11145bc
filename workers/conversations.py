"""The conversations consumer: answers what a customer did in a chat (recorded by the webhooks
as `chat.received`) and queues the replies for the chat sender, all in one transaction.

The one network call a conversation may need, Telegram's channel membership check, is made
outside that transaction (`AskFirst`) and its answer used once, by the run that asked: "Check
again" always asks Telegram afresh."""

import time

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bots.channels import ChatChannels
from bots.conversation.context import MembershipUnknown
from bots.conversation.messages import Incoming
from bots.conversation.router import converse
from bots.inbox import RECEIVED
from core.broker import Undeliverable
from core.channels.outgoing import queue_messages
from core.channels.service import account_by_id, credentials_of
from core.events.service import EventEnvelope
from core.merchants.service import get_merchant
from workers.consumers import AskFirst, Consumer

log = structlog.get_logger("confetti.conversations")

CONVERSATIONS = "conversations"

MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}
ANSWER_KEPT_SECONDS = 60.0  # an answer whose run never came back for it


class Memberships:
    """Membership answers fetched outside the transaction, each taken once by the run that
    asked: True/False, or why Telegram could not say (the bot is not the channel's admin)."""

    def __init__(self) -> None:
        self._answers: dict[tuple[int, str, int], tuple[float, bool | str]] = {}

    def take(self, key: tuple[int, str, int]) -> bool | str | None:
        fetched_at, answer = self._answers.pop(key, (0.0, None))
        return answer if time.monotonic() - fetched_at < ANSWER_KEPT_SECONDS else None

    async def fetch(self, bot: Bot, channel: str, user_id: int) -> None:
        try:
            member = await bot.get_chat_member(channel, user_id)
            answer: bool | str = member.status in MEMBER_STATUSES and getattr(
                member, "is_member", True
            )
        except TelegramAPIError as exc:
            # Not the channel's admin, removed from it, or Telegram failing: the customer hears
            # that it cannot be checked now, rather than nothing while the event is retried.
            log.info("conversations.membership.unknown", channel=channel, reason=exc.message)
            answer = exc.message
        now = time.monotonic()
        self._answers = {
            key: kept for key, kept in self._answers.items() if now - kept[0] < ANSWER_KEPT_SECONDS
        }
        self._answers[(bot.id, channel, user_id)] = (now, answer)


def conversation_consumer(channels: ChatChannels) -> Consumer:
    memberships = Memberships()

    async def answer(session: AsyncSession, event: EventEnvelope) -> None:
        try:
            incoming = Incoming.model_validate(event.payload.get("incoming"))
        except ValidationError as exc:
            raise Undeliverable(f"not a chat message: {exc.errors()[0]['msg']}") from None
        account = await account_by_id(session, incoming.account_id)
        if account is None or account.merchant_id != event.merchant_id:
            return  # disconnected since: nobody to answer through
        merchant = await get_merchant(session, account.merchant_id)
        member_of = None
        if account.channel == "telegram":
            bot = channels.telegram.bot(credentials_of(channels.sealer, account)["token"])
            member_of = _membership(memberships, bot, int(incoming.address))
        replies = await converse(
            session, merchant, account, incoming, settings=channels.settings, member_of=member_of
        )
        await queue_messages(
            session,
            account,
            incoming.address,
            [reply.model_dump(mode="json") for reply in replies],
            purpose="reply",
            customer_id=None,
            dedupe_key=f"reply:{event.id}",
        )

    return Consumer(name=CONVERSATIONS, topics=(RECEIVED,), handle=answer)


def _membership(memberships: Memberships, bot: Bot, user_id: int):
    async def member_of(channel: str) -> bool:
        answer = memberships.take((bot.id, channel, user_id))
        if answer is None:
            raise AskFirst(lambda: memberships.fetch(bot, channel, user_id))
        if isinstance(answer, str):
            raise MembershipUnknown(answer)
        return answer

    return member_of
