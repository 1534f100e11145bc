"""Connecting the merchant's own Telegram bot or WhatsApp number. Answers never echo a secret."""

import re
import uuid

from sanic import Request
from sanic.response import HTTPResponse

from bots.telegram.connect import connect_bot, disconnect_bot
from bots.whatsapp.connect import connect_number
from core.channels import service
from core.channels.models import ChannelAccount
from core.channels.schemas import (
    ChannelAccountList,
    ChannelAccountOut,
    TelegramConnect,
    WhatsAppConnect,
)
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.responses import model_response

bp = api_blueprint("channels")


def account_view(account: ChannelAccount, base_url: str) -> ChannelAccountOut:
    if account.channel == "telegram":
        webhook = f"{base_url}/webhooks/telegram/{account.external_id}"
        deep_link = f"https://t.me/{account.name}"
    else:
        webhook = f"{base_url}/webhooks/whatsapp/{account.id}"
        deep_link = f"https://wa.me/{re.sub(r'[^0-9]', '', account.name)}"
    return ChannelAccountOut(
        id=account.id,
        channel=account.channel,
        name=account.name,
        external_id=account.external_id,
        webhook_url=webhook,
        deep_link=deep_link,
        settings=account.settings,
        created_at=account.created_at,
    )


@bp.post("/channels/telegram")
@document(
    summary="Connect your own Telegram bot: Confetti checks the token and sets its webhook",
    ok=(201, ChannelAccountOut),
    body=TelegramConnect,
    errors=(409, 503),
)
async def connect_telegram(request: Request) -> HTTPResponse:
    data = parse_body(request, TelegramConnect)
    ctx = request.app.ctx
    account = await connect_bot(
        ctx.channels.telegram,
        ctx.db,
        ctx.channels.sealer,
        merchant_id=current_merchant(request).id,
        token=data.token,
        webhook_base=ctx.settings.base_url,
    )
    return model_response(account_view(account, ctx.settings.base_url), status=201)


@bp.post("/channels/whatsapp")
@document(
    summary="Connect a WhatsApp Cloud API number; give Meta the answer's webhook_url and your "
    "verify_token",
    ok=(201, ChannelAccountOut),
    body=WhatsAppConnect,
    errors=(409, 503),
)
async def connect_whatsapp(request: Request) -> HTTPResponse:
    data = parse_body(request, WhatsAppConnect)
    ctx = request.app.ctx
    account = await connect_number(
        ctx.db,
        ctx.channels.sealer,
        merchant_id=current_merchant(request).id,
        data=data,
        api_base=ctx.settings.whatsapp_api_base,
    )
    return model_response(account_view(account, ctx.settings.base_url), status=201)


@bp.get("/channels")
@document(summary="Your connected bots and numbers", ok=(200, ChannelAccountList))
async def list_all(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    async with ctx.db.transaction(write=False) as session:
        accounts = await service.list_accounts(session, current_merchant(request).id)
    items = [account_view(account, ctx.settings.base_url) for account in accounts]
    return model_response(ChannelAccountList(items=items))


@bp.delete("/channels/<account_id:uuid>")
@document(
    summary="Disconnect a bot or number (its Telegram webhook is removed)",
    ok=(200, ChannelAccountOut),
    errors=(404, 503),
)
async def disconnect(request: Request, account_id: uuid.UUID) -> HTTPResponse:
    ctx = request.app.ctx
    merchant_id = current_merchant(request).id
    async with ctx.db.transaction(write=False) as session:
        account = await service.get_account(session, merchant_id, account_id)
        credentials = service.credentials_of(ctx.channels.sealer, account)
    # The webhook goes while the row still holds the bot: once the row is gone another
    # merchant may connect it, and a deleteWebhook sent then would cut their bot off.
    if account.channel == "telegram":
        await disconnect_bot(ctx.channels.telegram, credentials["token"])
    async with ctx.db.transaction() as session:
        await service.delete_account(session, merchant_id, account.id)
    return model_response(account_view(account, ctx.settings.base_url))
