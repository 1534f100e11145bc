"""The staff menus consumer: when a staff chat is linked or unlinked (`staff.chat_changed`),
sets the merchant's bot's command menus to match what the database says now. The Bot API calls
are made outside the transaction (`AskFirst`); setting a menu twice does no harm, so a
redelivered event just sets it again."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bots.channels import ChatChannels
from bots.telegram.commands import set_command_menus
from core.channels.service import credentials_of, merchant_bot
from core.events.service import EventEnvelope
from core.staff.chats import CHAT_CHANGED, chat_of
from core.staff.models import Role
from workers.consumers import AskFirst, Consumer

STAFF_MENUS = "staff_menus"


def staff_menu_consumer(channels: ChatChannels) -> Consumer:
    # Events whose menus the run that asked has set: its next run only marks them done.
    applied: set[uuid.UUID] = set()

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        if event.payload.get("channel") != "telegram" or event.id in applied:
            applied.discard(event.id)
            return
        account = await merchant_bot(session, event.merchant_id)
        if account is None:
            return
        address = str(event.payload["address"])
        found = await chat_of(session, event.merchant_id, "telegram", address)
        role = Role(found[1].role) if found else None
        language = found[0].language if found else "en"
        bot = channels.telegram.bot(credentials_of(channels.sealer, account)["token"])

        async def set_menus() -> None:
            await set_command_menus(bot, int(address), role, language)
            applied.add(event.id)

        raise AskFirst(set_menus)

    return Consumer(name=STAFF_MENUS, topics=(CHAT_CHANGED,), handle=handle)
