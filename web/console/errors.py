"""A refusal as a console page: in the console's frame for a signed-in staff member (so the
menu still leads on), else as a plain message page. A /console path no route answers (or a
method its route does not) gets the same page, not the API's JSON."""

from collections.abc import Awaitable

from sanic import Request, Sanic
from sanic.exceptions import MethodNotAllowed as NoSuchMethod
from sanic.exceptions import NotFound as NoSuchRoute
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse

from core.errors import ConfettiError, NotFound
from web.console.access import signed_in
from web.console.pages import console_page, home_path, translator
from web.pages import render
from web.refusals import page_refusal

# Texts for the refusals a console page meets; any other is said as pages say refusals.
_TITLES = {
    401: "console.refused.session",
    403: "console.refused.forbidden",
    404: "console.refused.not_found",
    405: "console.refused.method",
}
CONSOLE_PREFIX = "/console"


class MethodNotAllowed(ConfettiError):
    code = "method_not_allowed"
    status = 405
    message = "This page does not answer that kind of request."


async def error_page(request: Request, refusal: ConfettiError) -> HTTPResponse:
    who = getattr(request.ctx, "signed_in", None) or await signed_in(request)
    t = translator(request, who)
    key = _TITLES.get(refusal.status, "console.refused.other")
    known = t.has(f"console.refusal.{refusal.code}")
    text = t(f"console.refusal.{refusal.code}") if known else page_refusal(t, refusal)
    if who is None:
        return render(
            "message.html",
            refusal.status,
            headers=refusal.headers,
            t=t,
            title=t(key),
            text=text,
            link_url="/console/login",
            link_title=t("console.login.title"),
        )
    response = console_page(
        request,
        who,
        "console/error.html",
        refusal.status,
        title=t(key),
        text=text,
        back_path=home_path(who.role),
    )
    response.headers.update(refusal.headers)
    return response


def _unrouted_page(request: Request, exception: SanicException) -> Awaitable[HTTPResponse] | None:
    """Sanic's own 404 (no route) or 405 (a route, not that method) under /console; None lets
    the app's JSON handler answer any other path."""
    if request is None or not (
        request.path == CONSOLE_PREFIX or request.path.startswith(f"{CONSOLE_PREFIX}/")
    ):
        return None
    refusal = MethodNotAllowed() if isinstance(exception, NoSuchMethod) else NotFound()
    refusal.headers.update(exception.headers or {})
    return error_page(request, refusal)


def install_unrouted_pages(app: Sanic) -> None:
    for unrouted in (NoSuchRoute, NoSuchMethod):
        app.error_handler.add(unrouted, _unrouted_page)
