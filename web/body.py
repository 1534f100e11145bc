"""Reading a JSON request body into a pydantic model, with a clear error for each way it fails."""

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request
from sanic.exceptions import BadRequest as SanicBadRequest

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
    if not request.body:
        data: object = {}
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise UnsupportedMediaType()
        try:
            data = request.json
        except SanicBadRequest:
            raise MalformedJSON() from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
