"""One error hierarchy: every refusal the domain can give, with its HTTP status.

The web layer turns these into `{"error": {"code", "message", "field"}}`; the chat layer into a
friendly message. Domains subclass the generic children below with their own codes.
"""

from pydantic import ValidationError


class ConfettiError(Exception):
    code: str = "error"
    status: int = 400
    message: str = "The request could not be handled."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.message
        self.field = field
        self.headers: dict[str, str] = {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class BadRequest(ConfettiError):
    code = "bad_request"
    status = 400


class ValidationFailed(ConfettiError):
    code = "validation_failed"
    status = 422
    message = "The request body is not valid."

    @classmethod
    def from_pydantic(cls, exc: ValidationError) -> "ValidationFailed":
        """The first problem, named by its dotted field path, and how many more there are."""
        errors = exc.errors()
        first = errors[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"]
        if len(errors) > 1:
            more = len(errors) - 1
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        return cls(message, field=field)


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
