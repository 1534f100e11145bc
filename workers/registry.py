"""Every consumer the workers run. Each domain's issue adds its own here."""

from bots.channels import ChatChannels
from workers.consumers import Consumer
from workers.conversations import CONVERSATIONS, conversation_consumer
from workers.notifications import NOTIFICATIONS
from workers.staff_menus import STAFF_MENUS, staff_menu_consumer
from workers.statistics import STATISTICS
from workers.webhooks import WEBHOOK_QUEUER

CONSUMERS: tuple[Consumer, ...] = (WEBHOOK_QUEUER, STATISTICS, NOTIFICATIONS)
# Every queue a worker consumes, for health and metrics.
QUEUE_NAMES: tuple[str, ...] = (
    *(consumer.name for consumer in CONSUMERS),
    CONVERSATIONS,
    STAFF_MENUS,
)


def all_consumers(channels: ChatChannels | None) -> tuple[Consumer, ...]:
    """The chat consumers need the process's chat channels to answer through."""
    if channels is None:
        return CONSUMERS
    return (*CONSUMERS, conversation_consumer(channels), staff_menu_consumer(channels))
