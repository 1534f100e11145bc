"""Reading a JSON request body, with a clear error for each way it fails.

Every JSON body (the API's, the web chat's, the platforms' webhooks) is measured for depth
before it is parsed: parsers recurse, and a body nested thousands deep would exhaust the stack.
"""

import json
import re
from collections.abc import Iterator
from itertools import accumulate
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Request

from core.errors import BadRequest, ConfettiError, Problem, ValidationFailed
from core.text import describe, first_unsafe

Model = TypeVar("Model", bound=BaseModel)

# Far deeper than any body Confetti takes: Telegram's and WhatsApp's updates nest about 10 deep.
MAX_JSON_DEPTH = 64
# Escapes first (so an escaped quote ends no string), then strings. An unterminated string runs
# to the end: every match attempt succeeds, so the scan stays linear however the body is made.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*+(?:"|\Z)')
_NOT_A_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class UnsupportedMediaType(ConfettiError):
    code = "unsupported_media_type"
    status = 415
    message = "Send the body as JSON with 'Content-Type: application/json'."


class MalformedJSON(BadRequest):
    code = "malformed_json"
    message = "The request body is not valid JSON."


class JSONTooDeep(BadRequest):
    code = "json_too_deep"
    message = f"The JSON body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep."


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in `raw`, counted without parsing it: strings are cut
    out, then the brackets left are summed in one pass."""
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", raw)).translate(None, delete=_NOT_A_BRACKET)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def read_json(raw: bytes) -> Any:
    """Any JSON body, as Python values (a webhook's, read defensively by its adapter)."""
    _refuse_deep(raw)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJSON(f"The request body is not valid JSON: {exc}") from None


def parse_body(request: Request, model: type[Model]) -> Model:
    """An API client's body, validated in JSON mode, so strict types read JSON's own forms (ISO
    dates); text with unsafe characters is refused."""
    raw = _json_body(request)
    if not raw:
        return _validated(model.model_validate, {})
    data = _validated(model.model_validate_json, raw)
    _refuse_unsafe_text(data)
    return data


def parse_customer_body(request: Request, model: type[Model]) -> Model:
    """A chat customer's body (the web chat's), whose model cleans its text: a customer is never
    refused for what they typed. Read with `json`, which keeps a lone surrogate (a browser cuts
    an emoji in half) for the model to clean, where pydantic's parser refuses the whole body;
    so it is validated in Python mode, and `model` must not rely on JSON mode."""
    raw = _json_body(request)
    return _validated(model.model_validate, read_json(raw) if raw else {})


def _json_body(request: Request) -> bytes:
    """The raw body (b"" for none), once it is known to be JSON that is not too deep."""
    if not request.body:
        return b""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType()
    _refuse_deep(request.body)
    return request.body


def _refuse_deep(raw: bytes) -> None:
    # Fewer opening brackets than the limit cannot nest past it: most bodies stop at the count.
    openers = raw.count(b"[") + raw.count(b"{")
    if openers > MAX_JSON_DEPTH and json_depth(raw) > MAX_JSON_DEPTH:
        raise JSONTooDeep()


def _validated(validate, data: object) -> Model:
    try:
        return validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "json_invalid":
                raise MalformedJSON(f"The request body is not valid JSON: {error['msg']}") from None
        raise ValidationFailed.from_pydantic(exc) from None
    except ValueError as exc:
        # A number pydantic's Decimal cannot hold (an exponent beyond its context) escapes as
        # a bare ValueError rather than a validation error.
        raise ValidationFailed(f"a value could not be read: {exc}") from None


def _refuse_unsafe_text(data: BaseModel) -> None:
    """An API client is told of unsafe characters (core/text.py) in any text it sent, field by
    field, rather than having its data changed: it can fix what it sends. (A lone surrogate
    never gets this far: the JSON parser refuses it as malformed.)"""
    problems = [
        Problem(field, f"text may not hold {describe(character)}")
        for field, character in _unsafe_texts(data, ())
    ]
    if problems:
        raise ValidationFailed.listing(problems)


def _unsafe_texts(value: object, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(dotted field, first unsafe character) of each text in a validated body, keys included."""
    if isinstance(value, str):
        if character := first_unsafe(value):
            yield ".".join(path) or None, character
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _unsafe_texts(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unsafe_texts(key, path)
            yield from _unsafe_texts(item, (*path, str(key)))
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _unsafe_texts(item, (*path, str(index)))
