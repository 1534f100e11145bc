"""Chat channels (owner only): connect the merchant's Telegram bot (the same connect flow as
the API: getMe, then setWebhook) or WhatsApp number, see each one's webhook URL and when it
last received an update."""

from collections.abc import Awaitable

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bots.telegram.connect import connect_bot
from bots.whatsapp.connect import connect_number
from core.channels import service
from core.channels.schemas import TelegramConnect, WhatsAppConnect
from core.errors import ConfettiError
from core.staff.models import Role
from web.api.channels import account_view
from web.console.access import current, requires
from web.console.forms import (
    Form,
    add_refusal,
    read_fields,
    text,
    typed,
    validated,
    without_blanks,
)
from web.console.pages import console_page, translator

bp = Blueprint("console_channels", url_prefix="/console/channels")

TELEGRAM_FIELDS = {"token": text}
WHATSAPP_FIELDS = {
    "phone_number_id": text,
    "access_token": text,
    "app_secret": text,
    "verify_token": text,
    "display_phone_number": text,
}


async def _channels_page(
    request: Request, *, telegram: Form, whatsapp: Form, status: int = 200
) -> HTTPResponse:
    who = current(request)
    ctx = request.app.ctx
    async with ctx.db.transaction(write=False) as session:
        accounts = await service.list_accounts(session, who.merchant.id)
        last_updates = await service.last_update_times(session, [a.id for a in accounts])
    return console_page(
        request,
        who,
        "console/channels.html",
        status,
        title=translator(request, who)("console.menu.channels"),
        accounts=[
            (account_view(account, ctx.settings.base_url), last_updates.get(account.id))
            for account in accounts
        ],
        telegram=telegram,
        whatsapp=whatsapp,
    )


def _refused(request: Request, channel: str, form: Form, status: int) -> Awaitable[HTTPResponse]:
    """The page again, the channel's form showing what was typed and what is wrong with it."""
    forms = {"telegram": Form(), "whatsapp": Form()} | {channel: form}
    return _channels_page(request, **forms, status=status)


@bp.get("/")
@requires(Role.OWNER)
async def channel_list(request: Request) -> HTTPResponse:
    return await _channels_page(request, telegram=Form(), whatsapp=Form())


@bp.post("/telegram")
@requires(Role.OWNER)
async def connect_telegram(request: Request) -> HTTPResponse:
    who, ctx = current(request), request.app.ctx
    t = translator(request, who)
    form = Form(values=typed(request))
    terms = validated(
        TelegramConnect, without_blanks(read_fields(form, TELEGRAM_FIELDS, t)), form, t
    )
    if terms is None:
        return await _refused(request, "telegram", form, 422)
    try:
        await connect_bot(
            ctx.channels.telegram,
            ctx.db,
            ctx.channels.sealer,
            merchant_id=who.merchant.id,
            token=terms.token,
            webhook_base=ctx.settings.base_url,
        )
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _refused(request, "telegram", form, refused.status)
    return redirect("/console/channels/", status=303)


@bp.post("/whatsapp")
@requires(Role.OWNER)
async def connect_whatsapp(request: Request) -> HTTPResponse:
    who, ctx = current(request), request.app.ctx
    t = translator(request, who)
    form = Form(values=typed(request))
    terms = validated(
        WhatsAppConnect, without_blanks(read_fields(form, WHATSAPP_FIELDS, t)), form, t
    )
    if terms is None:
        return await _refused(request, "whatsapp", form, 422)
    try:
        await connect_number(
            ctx.db,
            ctx.channels.sealer,
            merchant_id=who.merchant.id,
            data=terms,
            api_base=ctx.settings.whatsapp_api_base,
        )
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _refused(request, "whatsapp", form, refused.status)
    return redirect("/console/channels/", status=303)
