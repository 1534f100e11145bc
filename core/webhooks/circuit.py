"""An endpoint that keeps failing is left alone for a while: its circuit opens.

After FAILURES_TO_OPEN failed attempts in a row the circuit opens: the endpoint's deliveries
wait, unattempted (so they spend none of their attempts), for a cool-off of one minute that
doubles each time the circuit opens again, up to an hour. Then one delivery is tried (the
circuit is half-open): success closes the circuit and the rest follow; failure opens it again
for longer. Deliveries still give up 24 hours after they were created, waiting or not.
"""

from datetime import datetime, timedelta

from core.webhooks.models import WebhookEndpoint
from core.webhooks.schemas import CircuitOut

FAILURES_TO_OPEN = 5
FIRST_COOL_OFF = timedelta(minutes=1)
LONGEST_COOL_OFF = timedelta(hours=1)


def cool_off(times_opened: int) -> timedelta:
    return min(FIRST_COOL_OFF * 2 ** (times_opened - 1), LONGEST_COOL_OFF)


def record_outcome(endpoint: WebhookEndpoint, *, succeeded: bool, now: datetime) -> None:
    """Count an attempt's outcome. A failure while already open (one of the attempts in flight
    when it opened) is counted but does not lengthen the cool-off."""
    if succeeded:
        endpoint.consecutive_failures = 0
        endpoint.circuit_state = "closed"
        endpoint.circuit_until = None
        endpoint.circuit_times_opened = 0
        return
    endpoint.consecutive_failures += 1
    probe_failed = endpoint.circuit_state == "half_open"
    too_many = (
        endpoint.circuit_state == "closed" and endpoint.consecutive_failures >= FAILURES_TO_OPEN
    )
    if probe_failed or too_many:
        endpoint.circuit_times_opened += 1
        endpoint.circuit_state = "open"
        endpoint.circuit_until = now + cool_off(endpoint.circuit_times_opened)


def start_probe(endpoint: WebhookEndpoint, *, until: datetime) -> None:
    """One delivery is being tried; should its worker die, another is tried after `until`."""
    endpoint.circuit_state = "half_open"
    endpoint.circuit_until = until


def circuit_view(endpoint: WebhookEndpoint, now: datetime) -> CircuitOut:
    if endpoint.circuit_state == "closed":
        state, until = "closed", None
    elif endpoint.circuit_state == "open" and endpoint.circuit_until > now:
        state, until = "open", endpoint.circuit_until
    else:  # cooled off, or its one trial delivery is in flight
        state, until = "half_open", None
    return CircuitOut(state=state, until=until, consecutive_failures=endpoint.consecutive_failures)
