from core.errors import BadRequest, Conflict, NotFound


class ChannelAccountNotFound(NotFound):
    code = "channel_account_not_found"
    message = "No such Telegram bot or WhatsApp number is connected."


class ChannelTaken(Conflict):
    code = "channel_taken"
    message = "This bot or number is connected to another Confetti merchant; disconnect it there."


class ChannelRejected(BadRequest):
    """The platform refused the credentials or the set-up call."""

    code = "channel_rejected"
