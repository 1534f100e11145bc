"""OpenAPI documentation for routes, from the same pydantic models that parse and serialize."""

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, Field
from sanic_ext import openapi
from sanic_ext.extensions.openapi.definitions import Component

from web.retry import retried_on_conflict

Handler = TypeVar("Handler", bound=Callable)


class ErrorProblem(BaseModel):
    field: str | None = Field(description="A dotted path into the body, or a header or parameter")
    message: str


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(description="The first problem, for people")
    field: str | None = Field(description="The field of the first problem")
    problems: list[ErrorProblem] | None = Field(
        default=None,
        description="422 only: every problem found (up to 100), each with its field",
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


_ERROR_MEANINGS = {
    400: "Malformed request (invalid JSON, JSON nested too deep, a control character in a header)",
    401: "Missing, unknown or revoked API key",
    403: "Not allowed",
    404: "Not found (or not this merchant's)",
    409: "Refused: the state does not allow it",
    413: "Body too large",
    415: "Body is not JSON",
    429: "Too many attempts: wait as Retry-After says",
    422: "Body or query failed validation",
    431: "Request headers too large",
    503: "A service Confetti depends on is unavailable, or busy: retry after Retry-After",
}
# What any request can be refused for before its route runs (web/limits.py).
_REQUEST_ERRORS = {400, 413, 422, 431}


def document(
    *,
    summary: str,
    ok: tuple[int, type[BaseModel] | str],
    body: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    authenticated: bool = True,
    also_ok: tuple[int, ...] = (),
) -> Callable[[Handler], Handler]:
    """Describe a route: its body, its success response, and every error status it can give.

    Every documented route is also run again when the database aborts its transaction to break
    a deadlock (web/retry.py), and so may answer 503 `database_busy` if that keeps happening."""
    statuses = set(errors) | _REQUEST_ERRORS | {503} | ({401} if authenticated else set())
    if body is not None:
        statuses |= {415}

    def decorate(handler: Handler) -> Handler:
        handler = openapi.summary(summary)(retried_on_conflict(handler))
        status, model = ok
        # A media type instead of a model: a document such as a CSV export.
        success = (
            {model: {"schema": {"type": "string"}}}
            if isinstance(model, str)
            else {"application/json": Component(model)}
        )
        for ok_status in (status, *also_ok):
            handler = openapi.response(ok_status, success, "Success")(handler)
        for error_status in sorted(statuses):
            handler = openapi.response(
                error_status,
                {"application/json": Component(ErrorBody)},
                _ERROR_MEANINGS.get(error_status, "Error"),
            )(handler)
        if body is not None:
            # A body whose every field has a default may be left out: `{}` is implied.
            required = any(field.is_required() for field in body.model_fields.values())
            content = {"application/json": Component(body)}
            handler = openapi.body(content, required=required)(handler)
        if authenticated:
            handler = openapi.secured("apiKey")(handler)
        return handler

    return decorate
