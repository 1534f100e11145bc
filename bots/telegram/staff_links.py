"""The deep link that links a staff member's Telegram to their staff account:
`https://t.me/<bot>?start=<one-time token>`, valid 10 minutes. The CLI (`confetti staff link`)
and the console's staff screen both make it here."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.links import deep_link
from core.channels.service import merchant_bot
from core.clock import utcnow
from core.errors import Conflict
from core.staff.chats import issue_link
from core.staff.models import Role


class NoTelegramBot(Conflict):
    code = "no_telegram_bot"
    message = "Connect the merchant's Telegram bot first: staff link their Telegram through it."


@dataclass(frozen=True)
class StaffLink:
    url: str
    expires_at: datetime


async def telegram_staff_link(
    session: AsyncSession,
    merchant_id: uuid.UUID,
    *,
    base_url: str,
    staff_id: uuid.UUID | None = None,
    role: Role | None = None,
) -> StaffLink:
    """For an existing staff member (`staff_id`), or a new bot-only one of `role`."""
    bot = await merchant_bot(session, merchant_id)
    if bot is None:
        raise NoTelegramBot()
    issued = await issue_link(session, merchant_id, now=utcnow(), staff_id=staff_id, role=role)
    return StaffLink(deep_link(bot, base_url, "", issued.token), issued.expires_at)
