"""Console pages: the console layout's context (the signed-in staff member, their merchant,
the menu their role may use, the CSRF token) added to each page, in the merchant's timezone."""

from dataclasses import dataclass

from sanic import Request
from sanic.response import HTTPResponse

from bots.conversation.i18n import Translator
from core.staff.models import Role
from web.console.access import SignedIn
from web.pages import page_translator, render, render_fragment


@dataclass(frozen=True)
class MenuItem:
    key: str  # its text is console.menu.<key>
    path: str
    least: Role


MENU = (
    MenuItem("dashboard", "/console/", Role.MANAGER),
    MenuItem("coupons", "/console/coupons", Role.MANAGER),
    MenuItem("activities", "/console/activities", Role.MANAGER),
    MenuItem("customers", "/console/customers", Role.MANAGER),
    MenuItem("codes", "/console/codes", Role.MANAGER),
    MenuItem("points", "/console/points", Role.MANAGER),
    MenuItem("cashier", "/console/cashier/", Role.CASHIER),
    MenuItem("broadcasts", "/console/broadcasts/", Role.MANAGER),
    MenuItem("try_it", "/console/try/", Role.MANAGER),
    MenuItem("api_keys", "/console/api-keys/", Role.OWNER),
    MenuItem("webhooks", "/console/webhooks/", Role.OWNER),
    MenuItem("channels", "/console/channels/", Role.OWNER),
    MenuItem("staff", "/console/staff/", Role.OWNER),
)


def home_path(role: Role) -> str:
    """The first screen a role may use: where log-in leads."""
    return next(item.path for item in MENU if role.may_act_as(item.least))


def translator(request: Request, who: SignedIn | None) -> Translator:
    return page_translator(request, who.merchant.timezone if who else "UTC")


def _layout_context(request: Request, who: SignedIn) -> dict[str, object]:
    return {
        "t": translator(request, who),
        "who": who,
        "merchant": who.merchant,
        "menu": [item for item in MENU if who.role.may_act_as(item.least)],
        "here": request.path,
        "csrf_token": who.session.csrf_token,
        "brand_color": who.merchant.brand_color,
    }


def console_page(
    request: Request, who: SignedIn, page: str, status: int = 200, **context: object
) -> HTTPResponse:
    return render(page, status, **_layout_context(request, who), **context)


def console_fragment(
    request: Request, who: SignedIn, page: str, block: str, **context: object
) -> HTTPResponse:
    return render_fragment(page, block, **_layout_context(request, who), **context)
