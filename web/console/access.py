"""Who is signed in, and what they may do: every console route names the least role it needs
with `@requires(Role.X)`, which loads the session from the cookie, refuses a role too low
with a 403 page, and checks the session's CSRF token on every unsafe request.

Forms carry the token in a hidden `csrf_token` field, htmx requests in the `X-CSRF-Token`
header (the layout sets it on <body>). Where requests come from is checked earlier, for
every console route (`refuse_foreign_origin`)."""

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from urllib.parse import quote, urlsplit

from sanic import Request
from sanic.response import HTTPResponse, redirect

from core.clock import utcnow
from core.merchants.models import Merchant
from core.merchants.service import get_merchant
from core.staff.errors import CsrfRefused, RoleTooLow, SessionEnded
from core.staff.models import ConsoleSession, Role, StaffMember
from core.staff.sessions import needs_touch, resume_session, touch_session
from web.console.cookies import session_secret

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/console/login"

Handler = Callable[..., Awaitable[HTTPResponse]]


@dataclass(frozen=True)
class SignedIn:
    staff: StaffMember
    merchant: Merchant
    session: ConsoleSession
    secret: str

    @property
    def role(self) -> Role:
        return Role(self.staff.role)


async def signed_in(request: Request) -> SignedIn | None:
    """The browser's live session, with its staff member and merchant; None if there is none.
    Using a session pushes its idle expiry back."""
    secret = session_secret(request)
    if secret is None:
        return None
    db, now = request.app.ctx.db, utcnow()
    try:
        async with db.transaction(write=False) as session:
            row, staff = await resume_session(session, secret, now=now)
            merchant = await get_merchant(session, staff.merchant_id)
    except SessionEnded:
        return None
    if needs_touch(row, now):
        async with db.transaction() as session:
            await touch_session(session, row.id, now=now)
    return SignedIn(staff, merchant, row, secret)


def requires(least: Role) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: Request, *args: object, **kwargs: object) -> HTTPResponse:
            who = await signed_in(request)
            if who is None:
                return _to_login(request)
            request.ctx.signed_in = who  # the refusal page shows the menu the role may use
            if not who.role.may_act_as(least):
                raise RoleTooLow()
            if request.method not in SAFE_METHODS:
                check_csrf_token(request, who.session.csrf_token)
            return await handler(request, *args, **kwargs)

        return checked

    return decorate


def current(request: Request) -> SignedIn:
    return request.ctx.signed_in


def _to_login(request: Request) -> HTTPResponse:
    target = f"{LOGIN_PATH}?next={quote(request.path)}"
    if request.headers.get("hx-request"):
        # htmx would swap the log-in page into a fragment's place: send the whole page there.
        return HTTPResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target, status=303)


def check_csrf_token(request: Request, expected: str) -> None:
    given = request.headers.get(CSRF_HEADER) or (request.form or {}).get(CSRF_FIELD) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused()


def refuse_foreign_origin(request: Request) -> None:
    """An unsafe request must come from a console page: a browser says where it came from in
    Origin, and Sec-Fetch-Site says whether that was another site. A client that sends
    neither (not a browser) still needs the session's token."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise CsrfRefused()
    origin = request.headers.get("origin")
    if origin is not None and not _same_origin(request, origin):
        raise CsrfRefused()


def _same_origin(request: Request, origin: str) -> bool:
    origin_parts = urlsplit(origin)
    public_parts = urlsplit(request.app.ctx.settings.base_url)
    own_hosts = {request.host, public_parts.netloc}
    return origin_parts.netloc in own_hosts and origin_parts.scheme in ("http", "https")


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a console path, never another site."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console/"
