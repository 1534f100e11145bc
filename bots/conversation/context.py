"""Everything a flow needs to answer one incoming message."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator
from bots.conversation.messages import Incoming
from core.channels.models import ChannelAccount
from core.customers.models import ChannelIdentity, Customer
from core.merchants.models import Merchant
from core.settings import Settings
from core.staff.models import StaffMember


class MembershipUnknown(Exception):
    """The channel cannot say whether the customer is a member (the bot is not its admin)."""


@dataclass
class Conversation:
    session: AsyncSession
    merchant: Merchant
    account: ChannelAccount | None
    incoming: Incoming
    customer: Customer
    identity: ChannelIdentity
    t: Translator
    settings: Settings
    # Whether the customer belongs to a Telegram channel (None where the channel cannot tell).
    member_of: Callable[[str], Awaitable[bool]] | None = None
    # The merchant's staff member writing from this chat, read afresh for every message.
    staff: StaffMember | None = None

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def external_id(self) -> str:
        """The customer as the core services name them."""
        assert self.customer.external_id is not None
        return self.customer.external_id
