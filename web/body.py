"""Reading a JSON request body into a pydantic model, with a clear error for each way it fails."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request

from core.errors import BadRequest, ConfettiError, ValidationFailed

Model = TypeVar("Model", bound=BaseModel)


class UnsupportedMediaType(ConfettiError):
    code = "unsupported_media_type"
    status = 415
    message = "Send the body as JSON with 'Content-Type: application/json'."


class MalformedJSON(BadRequest):
    code = "malformed_json"
    message = "The request body is not valid JSON."


def parse_body(request: Request, model: type[Model]) -> Model:
    """Validate the body in JSON mode, so strict types read JSON's own forms (ISO dates)."""
    if not request.body:
        return _validated(model.model_validate, {})
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType()
    if b"\\u0000" in request.body:  # PostgreSQL text cannot hold NUL; refuse it up front
        raise ValidationFailed("text may not contain NUL characters (\\u0000)")
    return _validated(model.model_validate_json, request.body)


def _validated(validate, data: object) -> Model:
    try:
        return validate(data)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            raise MalformedJSON() from None
        raise ValidationFailed.from_pydantic(exc) from None
    except ValueError as exc:
        # A number pydantic's Decimal cannot hold (an exponent beyond its context) escapes as
        # a bare ValueError rather than a validation error.
        raise ValidationFailed(f"a value could not be read: {exc}") from None
