from core.errors import Conflict, NotFound


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    message = "No webhook endpoint with that id."


class AddressRefused(Exception):
    """A delivery's host resolves to an address Confetti must not connect to.

    Not a ConfettiError: no client ever sees it as a response. It ends one delivery attempt,
    which is recorded and retried like any other failure.
    """


class DeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    message = "No webhook delivery with that id."


class DeliveryNotRetryable(Conflict):
    code = "webhook_delivery_not_retryable"
    message = "Only a delivery given up on, to an endpoint still active, can be sent again."
