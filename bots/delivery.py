"""What every channel adapter's sender does, and how it says a message did not go.

The chat sender (workers/chat_sender.py) calls `send` for each queued message and
turns these exceptions into the message's final status or a retry.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bots.conversation.messages import Reply
from core.channels.models import ChannelAccount


class DeliveryProblem(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:300]


class RateLimited(DeliveryProblem):
    """The platform said slow down: try again after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Unreachable(DeliveryProblem):
    """The customer blocked the bot or cannot receive messages: stop writing to them."""


class OutsideWindow(DeliveryProblem):
    """WhatsApp: free-form messages only within 24 hours of the customer's last message."""


class SendFailed(DeliveryProblem):
    """Anything else; `permanent` when retrying cannot help (a malformed message);
    `maybe_sent` when the platform may have taken the message all the same (the answer timed
    out, the connection broke after the request went)."""

    def __init__(self, reason: str, *, permanent: bool = False, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.permanent, self.maybe_sent = permanent, maybe_sent


# Called with how many parts of a reply have gone, after each but the last: the caller records
# it before the next part goes.
PartsSent = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Sent:
    """The platform's id of the message shown to the customer (to edit it later)."""

    provider_message_id: str | None


class ChannelSender(Protocol):
    # Whether the platform reports each message's fate later, echoing the `tag` it was sent
    # with (WhatsApp's status webhooks): a send whose outcome is unknown can then be confirmed
    # instead of sent again.
    reports_status: bool

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
        """Show `reply` to `address`; `replacing` is the provider id of the message it replaces
        where the channel can edit (else send anew). Where the channel takes the reply as
        several messages, the first `parts_sent` went already: only the rest are sent."""
        ...

    async def send_template(
        self,
        account: ChannelAccount,
        credentials: dict[str, str],
        address: str,
        *,
        template: str,
        language: str,
        text: str,
        tag: str,
    ) -> Sent:
        """A pre-approved template message (WhatsApp, outside the 24-hour window)."""
        ...

    async def close(self) -> None: ...
