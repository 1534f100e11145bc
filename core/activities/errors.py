import math

from core.errors import ConfettiError, Conflict, NotFound, Problem, ValidationFailed


class ActivityNotFound(NotFound):
    code = "activity_not_found"
    message = "No activity with that id."


class NotLive(Conflict):
    code = "not_live"
    message = "This activity is not running now."


class NoTriesLeft(Conflict):
    code = "no_tries_left"
    message = "No tries left for this customer."


class NotEligible(Conflict):
    code = "not_eligible"
    message = "This customer may not take part in this activity."


class InvalidStatusChange(Conflict):
    code = "invalid_status_change"


class FixedOncePublished(Conflict):
    code = "fixed_once_published"


class ActivityInvalid(ValidationFailed):
    """Every problem found at once, so the merchant fixes them in one go."""

    code = "activity_invalid"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        listed = "; ".join(f"{field}: {problem}" for field, problem in problems)
        super().__init__(
            f"{len(problems)} problem(s): {listed}",
            field=problems[0][0],
            problems=[Problem(field, problem) for field, problem in problems],
        )


class GroupNotFound(NotFound):
    code = "group_not_found"
    message = "No such group envelope in this activity."


class GroupClosed(Conflict):
    code = "group_closed"
    message = "This group envelope has already paid out or expired."


class AlreadyInGroup(Conflict):
    code = "already_in_group"
    message = "You are already in this group: it needs friends to fill it."


class TooManyTriesFromAddress(ConfettiError):
    """Tries counted per network address, which a cleared cookie or a new identity does not
    reset: the customers it may bring, the day's tries, or a burst's cool-off (`scope`:
    "players", "day" or "minute")."""

    code = "too_many_tries_from_address"
    status = 429
    message = "Too many tries from this network; wait a little and try again."

    def __init__(self, scope: str, retry_after: int | None = None) -> None:
        super().__init__(variant=scope)
        self.scope = scope
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)
            self.params["minutes"] = math.ceil(retry_after / 60)
