"""A refusal as a console page: in the console's frame for a signed-in staff member (so the
menu still leads on), else as a plain message page."""

from sanic import Request
from sanic.response import HTTPResponse

from core.errors import ConfettiError
from web.console.access import signed_in
from web.console.pages import console_page, home_path, translator
from web.pages import render

# Texts for the refusals a console page meets; any other says its own (English) message.
_TITLES = {
    401: "console.refused.session",
    403: "console.refused.forbidden",
    404: "console.refused.not_found",
}


async def error_page(request: Request, refusal: ConfettiError) -> HTTPResponse:
    who = getattr(request.ctx, "signed_in", None) or await signed_in(request)
    t = translator(request, who)
    key = _TITLES.get(refusal.status, "console.refused.other")
    known = t.has(f"console.refusal.{refusal.code}")
    text = t(f"console.refusal.{refusal.code}") if known else refusal.message
    if who is None:
        return render(
            "message.html",
            refusal.status,
            t=t,
            title=t(key),
            text=text,
            link_url="/console/login",
            link_title=t("console.login.title"),
        )
    return console_page(
        request,
        who,
        "console/error.html",
        refusal.status,
        title=t(key),
        text=text,
        back_path=home_path(who.role),
    )
