"""Checks on every request before any route sees it: how large its head and body may be, and
that the text of its headers and query string is safe to use (core/text.py).

Sanic's own server enforces the sizes as it reads; the same checks here cover the ASGI path
(the test client, or an ASGI server in front of the app), so both answer alike.
"""

from sanic import Request, Sanic
from sanic.exceptions import PayloadTooLarge

from core.errors import BadRequest, ConfettiError, ValidationFailed
from core.text import describe, first_unsafe

# The request line and all header fields together. Sanic's default, which its server cannot
# raise past 16 KB; far above any API key, cookie or platform's webhook headers.
MAX_HEADER_BYTES = 8192


class HeadersTooLarge(ConfettiError):
    code = "headers_too_large"
    status = 431
    message = (
        f"The request's headers are larger than this server accepts ({MAX_HEADER_BYTES} bytes "
        "with the request line)."
    )


class UnsafeHeader(BadRequest):
    code = "invalid_header"


def install(app: Sanic, *, max_body_bytes: int) -> None:
    app.config.REQUEST_MAX_SIZE = max_body_bytes
    app.config.REQUEST_MAX_HEADER_SIZE = MAX_HEADER_BYTES

    # Before authentication and routing: an oversized or garbled request is refused as such.
    @app.on_request(priority=90)
    async def _check_request(request: Request) -> None:
        if _head_size(request) > MAX_HEADER_BYTES:
            raise HeadersTooLarge()
        _refuse_unsafe_text(request)
        if _body_size(request) > max_body_bytes:
            raise PayloadTooLarge()


def _body_size(request: Request) -> int:
    """The declared length; or, for a chunked body, what was read of it. Sanic's server stops
    reading a chunked body once it passes the limit and still runs the request middleware on
    the refusal's way out: without the count, the API-key check would answer it as a 401."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit():
        return int(declared)
    counted_by_server = getattr(request.stream, "request_bytes", None) or 0
    return max(counted_by_server, len(request.body or b""))


def _head_size(request: Request) -> int:
    """As Sanic's server counts it: the request line and each header line."""
    line = len(request.method) + len(request.raw_url) + len(" HTTP/1.1")
    return line + sum(len(name) + len(value) + 4 for name, value in request.headers.items())


def _refuse_unsafe_text(request: Request) -> None:
    """Header and query values end up in keys, hashes and queries: a NUL (PostgreSQL), a
    byte that is not UTF-8 (read as a lone surrogate) or a control character is refused."""
    for name, value in request.headers.items():
        if character := first_unsafe(value):
            raise UnsafeHeader(f"The {name} header holds {describe(character)}.", field=name)
    for name, values in request.args.items():
        if character := first_unsafe(name):
            raise ValidationFailed(f"A query parameter's name holds {describe(character)}.")
        for value in values:
            if character := first_unsafe(value):
                raise ValidationFailed(f"{name} holds {describe(character)}.", field=name)
