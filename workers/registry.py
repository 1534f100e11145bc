"""Every consumer the workers run. Each domain's issue adds its own here."""

from workers.consumers import Consumer

CONSUMERS: tuple[Consumer, ...] = ()
