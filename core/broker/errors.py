"""What the broker, and a handler, can refuse."""


class BrokerUnavailable(Exception):
    """The broker cannot be reached or refused an operation."""


class Undeliverable(Exception):
    """Raised by a handler for a message no retry can help (not our schema): it goes straight
    to the dead-letter queue, its reason in the `x-confetti-reason` header."""
