"""One error hierarchy: every refusal the domain can give, with its HTTP status.

The web layer turns these into `{"error": {"code", "message", "field"}}` (a validation failure
also lists every problem in `problems`); the chat layer into a friendly message. Domains
subclass the generic children below with their own codes.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from pydantic import ValidationError

# A body can be wrong in thousands of places (a partner's file, a long list): the answer lists
# this many, and its message says how many more there are.
MAX_PROBLEMS_LISTED = 100


class ConfettiError(Exception):
    """`variant` names which case of its code a refusal is (a daily limit of `no_tries_left`),
    and `params` the values its message names: what pages and chats need to say it in the
    customer's language (bots.conversation.texts)."""

    code: str = "error"
    status: int = 400
    message: str = "The request could not be handled."

    def __init__(
        self, message: str | None = None, *, field: str | None = None, variant: str | None = None
    ) -> None:
        self.message = message or self.message
        self.field = field
        self.variant = variant
        self.params: dict[str, object] = {}
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the field (a dotted path, such as `prizes.0.name`), and
    what is wrong with it."""

    field: str | None
    message: str


class BadRequest(ConfettiError):
    code = "bad_request"
    status = 400


class ValidationFailed(ConfettiError):
    """`message` and `field` say the first problem (clients show them); `problems` lists all."""

    code = "validation_failed"
    status = 422
    message = "The request body is not valid."

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(message, field=field)
        self.problems = list(problems) or [Problem(self.field, self.message)]

    @classmethod
    def listing(cls, problems: Sequence[Problem]) -> "ValidationFailed":
        """The first problem as the message, with how many more there are."""
        first, more = problems[0], len(problems) - 1
        message = first.message
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        return cls(message, field=first.field, problems=problems)

    @classmethod
    def from_pydantic(cls, exc: ValidationError) -> "ValidationFailed":
        """Every problem, each named by its dotted field path."""
        return cls.listing(
            [
                Problem(".".join(str(part) for part in error["loc"]) or None, error["msg"])
                for error in exc.errors()
            ]
        )

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        body["error"]["problems"] = [asdict(p) for p in self.problems[:MAX_PROBLEMS_LISTED]]
        return body


class Unauthorized(ConfettiError):
    code = "unauthorized"
    status = 401
    message = "A valid API key is required: send 'Authorization: Bearer <key>'."


class Forbidden(ConfettiError):
    code = "forbidden"
    status = 403


class NotFound(ConfettiError):
    code = "not_found"
    status = 404
    message = "Nothing is here."


class Conflict(ConfettiError):
    code = "conflict"
    status = 409


class ServiceUnavailable(ConfettiError):
    code = "service_unavailable"
    status = 503
    message = "A service Confetti depends on is unavailable; try again shortly."
