"""The console's session cookie: the session's secret, signed with the app's secret key so a
forged or mangled cookie is refused before any database look-up."""

from itsdangerous import BadSignature, URLSafeSerializer
from sanic import Request
from sanic.response import HTTPResponse

from core.staff.sessions import ABSOLUTE_TIMEOUT

SESSION_COOKIE = "confetti_console"
_SALT = "console-session"


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.ctx.settings.secret_key, salt=_SALT)


def session_secret(request: Request) -> str | None:
    """The secret the browser's cookie carries, if it carries a well-signed one."""
    signed = request.cookies.get(SESSION_COOKIE)
    if not signed:
        return None
    try:
        secret = _serializer(request).loads(signed)
    except BadSignature:
        return None
    return secret if isinstance(secret, str) else None


def _over_https(request: Request) -> bool:
    # Behind a proxy that ends TLS the request arrives as http: the public URL says better.
    return request.scheme == "https" or request.app.ctx.settings.base_url.startswith("https://")


def set_session_cookie(request: Request, response: HTTPResponse, secret: str) -> None:
    response.add_cookie(
        SESSION_COOKIE,
        _serializer(request).dumps(secret),
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=_over_https(request),
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
    )


def clear_session_cookie(response: HTTPResponse) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/console")
