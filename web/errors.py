"""The one place where any exception becomes a JSON error response."""

from http import HTTPStatus

import structlog
from pydantic import ValidationError
from sanic import Request
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.handlers import ErrorHandler
from sanic.response import HTTPResponse, json

from core.db import connection_lost
from core.errors import ConfettiError, ServiceUnavailable, ValidationFailed
from web.limits import HeadersTooLarge

log = structlog.get_logger("confetti.web")


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict | None = None
) -> HTTPResponse:
    body = {"error": {"code": code, "message": message, "field": field}}
    return json(body, status=status, headers=headers)


_CODES = {413: "payload_too_large", 415: "unsupported_media_type"}


class DatabaseUnavailable(ServiceUnavailable):
    """The request's database connection broke. Its transaction was rolled back, unless its
    commit had reached the server just before: a retry with the same Idempotency-Key is safe
    either way, so the client is told to retry rather than that something failed."""

    code = "database_unavailable"
    message = "The connection to the database was lost; try again shortly."

    def __init__(self) -> None:
        super().__init__()
        self.headers["Retry-After"] = "1"


def _code_for_status(status: int) -> str:
    if status in _CODES:
        return _CODES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


class JSONErrorHandler(ErrorHandler):
    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, ValidationError):
            exception = ValidationFailed.from_pydantic(exception)
        if _is_header_overflow(exception):
            exception = HeadersTooLarge()
        if connection_lost(exception):
            log.warning("db.connection.lost", path=request.path if request else None)
            exception = DatabaseUnavailable()
        if isinstance(exception, ConfettiError):
            return json(exception.as_dict(), status=exception.status, headers=exception.headers)
        if isinstance(exception, SanicException) and exception.status_code < 500:
            status = exception.status_code
            headers = dict(exception.headers or {})
            if status == 405 and "Allow" not in headers:
                headers["Allow"] = ", ".join(_allowed_methods(request))
            return error_response(
                status, _code_for_status(status), _sanic_message(exception, status), headers=headers
            )
        log.exception(
            "http.request.failed",
            method=request.method if request else None,
            path=request.path if request else None,
        )
        return error_response(500, "internal_error", "Something went wrong on our side.")


def _is_header_overflow(exception: Exception) -> bool:
    """Sanic's server says headers over REQUEST_MAX_HEADER_SIZE are a 413, as if the body were
    too large, with only its message to tell them apart (sanic/http/http1.py)."""
    return isinstance(exception, PayloadTooLarge) and str(exception).startswith("Request header")


def _allowed_methods(request: Request) -> list[str]:
    """The methods the path does answer to (Sanic leaves them out for methods it does not know,
    such as TRACE)."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        try:
            request.app.router.get(request.path, method, request.headers.get("host"))
        except SanicException:
            continue
        allowed.append(method)
    return allowed


def _sanic_message(exception: SanicException, status: int) -> str:
    text = str(exception.message or exception)
    if status == 404:
        return "Nothing is here."
    if status == 413:
        return "The request body is larger than this server accepts."
    return text or HTTPStatus(status).phrase
