"""Query-string parameters, refused with a clear error naming the parameter."""

from typing import TypeVar

from sanic import Request

from core.errors import ValidationFailed
from core.pagination import DEFAULT_LIMIT, MAX_LIMIT

Choice = TypeVar("Choice", bound=str)


def page_params(request: Request) -> tuple[int, str | None]:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be a whole number from 1 to {MAX_LIMIT}", field="limit")
    return int(raw), request.args.get("cursor") or None


def choice_param(request: Request, name: str, choices: tuple[Choice, ...]) -> Choice | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value not in choices:
        raise ValidationFailed(f"{name} must be one of: {', '.join(choices)}", field=name)
    return value  # type: ignore[return-value]


def text_param(request: Request, name: str, max_length: int = 128) -> str | None:
    """Control characters in any query parameter were refused with the request (web/limits.py)."""
    value = request.args.get(name)
    if value is not None and len(value) > max_length:
        raise ValidationFailed(
            f"{name} must be text of at most {max_length} characters", field=name
        )
    return value
