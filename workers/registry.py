"""Every consumer the workers run. Each domain's issue adds its own here."""

from workers.consumers import Consumer
from workers.statistics import STATISTICS
from workers.webhooks import WEBHOOK_QUEUER

CONSUMERS: tuple[Consumer, ...] = (WEBHOOK_QUEUER, STATISTICS)
