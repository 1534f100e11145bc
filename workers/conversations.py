"""The conversations consumer: answers what a customer did in a chat (recorded by the webhooks
as `chat.received`) and queues the replies for the chat sender, all in one transaction."""

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bots.channels import ChatChannels
from bots.conversation.context import MembershipUnknown
from bots.conversation.messages import Incoming
from bots.conversation.router import converse
from bots.inbox import RECEIVED
from core.broker import Undeliverable
from core.channels.models import ChannelAccount
from core.channels.service import credentials_of, queue_messages
from core.events.service import EventEnvelope
from core.merchants.models import Merchant
from workers.consumers import Consumer

CONVERSATIONS = "conversations"

MEMBER_STATUSES = {"creator", "administrator", "member", "restricted"}


def conversation_consumer(channels: ChatChannels) -> Consumer:
    async def answer(session: AsyncSession, event: EventEnvelope) -> None:
        try:
            incoming = Incoming.model_validate(event.payload.get("incoming"))
        except ValidationError as exc:
            raise Undeliverable(f"not a chat message: {exc.errors()[0]['msg']}") from None
        account = await session.get(ChannelAccount, incoming.account_id)
        if account is None or account.merchant_id != event.merchant_id:
            return  # disconnected since: nobody to answer through
        merchant = await session.get(Merchant, account.merchant_id)
        member_of = None
        if account.channel == "telegram":
            bot = channels.telegram.bot(credentials_of(channels.sealer, account)["token"])
            member_of = _membership(bot, int(incoming.address))
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


def _membership(bot: Bot, user_id: int):
    async def member_of(channel: str) -> bool:
        try:
            member = await bot.get_chat_member(channel, user_id)
        except TelegramBadRequest as exc:
            raise MembershipUnknown(exc.message) from exc
        return member.status in MEMBER_STATUSES and getattr(member, "is_member", True)

    return member_of
