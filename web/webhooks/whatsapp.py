"""WhatsApp Cloud API webhooks, one URL per connected number: `/webhooks/whatsapp/{account_id}`.

GET is Meta's subscription handshake (the verify token set in the app's dashboard); POST
delivers messages and status updates, signed with the app secret. Messages are recorded once
each for the conversations consumer and answered 200 at once; a status update settles the
message it names (see workers/chat_sender.py).
"""

import uuid

import structlog
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text

from bots.inbox import receive
from bots.whatsapp.inbound import StatusUpdate, parse_webhook, signature_valid
from core.channels.errors import ChannelAccountNotFound
from core.channels.models import ChannelAccount
from core.channels.outgoing import CHANGED_BY_STATUS, record_delivery_status, statuses_of_tagged
from core.channels.service import credentials_of, find_account
from core.crypto import matches_fingerprint
from core.errors import BadRequest, Forbidden, Unauthorized
from web.body import read_json
from web.openapi_docs import document
from web.responses import Acknowledged, model_response

log = structlog.get_logger("confetti.whatsapp")
bp = Blueprint("whatsapp_webhooks", url_prefix="/webhooks/whatsapp")
SIGNATURE_HEADER = "X-Hub-Signature-256"
CHALLENGE_MAX = 256


@bp.get("/<account_id:uuid>")
@document(
    summary="WhatsApp: Meta's webhook verification (hub.mode, hub.verify_token, hub.challenge)",
    ok=(200, "text/plain"),
    errors=(400, 403, 404),
    authenticated=False,
)
async def verify_subscription(request: Request, account_id: uuid.UUID) -> HTTPResponse:
    account = await _account(request, account_id)
    mode = request.args.get("hub.mode")
    token = request.args.get("hub.verify_token")
    if mode != "subscribe" or not matches_fingerprint(token, account.webhook_secret_fingerprint):
        log.info("whatsapp.webhook.verify.refused", account_id=str(account.id))
        raise Forbidden("The verify token does not match this number's.")
    challenge = request.args.get("hub.challenge") or ""
    if not challenge or len(challenge) > CHALLENGE_MAX:
        raise BadRequest("hub.challenge is missing or too long.", field="hub.challenge")
    return text(challenge, headers={"X-Content-Type-Options": "nosniff"})


@bp.post("/<account_id:uuid>")
@document(
    summary="WhatsApp: messages and status updates for one connected number",
    ok=(200, Acknowledged),
    errors=(400, 401, 404, 503),
    authenticated=False,
)
async def receive_updates(request: Request, account_id: uuid.UUID) -> HTTPResponse:
    account = await _account(request, account_id)
    # The signature covers the raw bytes: check it before reading anything from them.
    if not signature_valid(
        _app_secret(request, account), request.body or b"", request.headers.get(SIGNATURE_HEADER)
    ):
        log.info("whatsapp.webhook.signature.refused", account_id=str(account.id))
        raise Unauthorized(f"The {SIGNATURE_HEADER} header is missing or does not match the body.")
    body = read_json(request.body or b"")
    try:
        updates = parse_webhook(body, account)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    messages = [(key, update) for key, update in updates if not isinstance(update, StatusUpdate)]
    statuses = [
        update
        for _, update in updates
        if isinstance(update, StatusUpdate) and (update.delivered or update.status == "failed")
    ]
    if statuses:
        async with request.app.ctx.db.transaction(write=False) as session:
            current = await statuses_of_tagged(session, account, [s.tag for s in statuses])
        statuses = [
            s for s in statuses if current.get(s.tag or "") in CHANGED_BY_STATUS[s.delivered]
        ]
    if messages or statuses:
        async with request.app.ctx.db.transaction() as session:
            for key, update in messages:
                await receive(session, account, key, update)
            for update in statuses:
                await record_delivery_status(
                    session,
                    account,
                    update.tag,
                    delivered=update.delivered,
                    provider_message_id=update.provider_message_id,
                    reason=update.reason,
                )
    return model_response(Acknowledged())


async def _account(request: Request, account_id: uuid.UUID) -> ChannelAccount:
    async with request.app.ctx.db.transaction(write=False) as session:
        account = await find_account(session, account_id, "whatsapp")
    if account is None:
        raise ChannelAccountNotFound()
    return account


def _app_secret(request: Request, account: ChannelAccount) -> str:
    return credentials_of(request.app.ctx.channels.sealer, account).get("app_secret", "")
