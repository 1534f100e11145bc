"""`POST /webhooks/telegram/{bot_id}`: updates from each merchant's own bot.

The secret token Telegram echoes is checked in constant time before the body is even parsed;
the update is recorded once per update_id and answered by the conversations consumer, so this
route says 200 quickly and a redelivery has no second effect.
"""

from typing import Literal

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from bots.inbox import receive
from bots.telegram.inbound import to_incoming
from core.channels.service import credentials_of, find_bot
from core.crypto import matches_fingerprint
from core.errors import BadRequest, NotFound, Unauthorized
from web.body import read_json
from web.openapi_docs import document

bp = Blueprint("telegram_webhooks", url_prefix="/webhooks/telegram")


class WebhookAnswer(BaseModel):
    """Telegram runs a Bot API method given in the webhook's answer: a pressed button's spinner
    stops at once, with no call of our own and nothing held open meanwhile."""

    method: Literal["answerCallbackQuery"] | None = None
    callback_query_id: str | None = None


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@bp.post("/<bot_id:[0-9]{1,20}>")
@document(
    summary="Telegram's webhook for one merchant bot (authenticated by its secret-token header)",
    ok=(200, WebhookAnswer),
    errors=(400, 401, 404, 503),
    authenticated=False,
)
async def telegram_update(request: Request, bot_id: str) -> HTTPResponse:
    channels = request.app.ctx.channels
    db = request.app.ctx.db
    async with db.transaction(write=False) as session:
        account = await find_bot(session, bot_id)
    if account is None:
        raise NotFound("No bot with this id is connected.")
    if not matches_fingerprint(
        request.headers.get(SECRET_HEADER), account.webhook_secret_fingerprint
    ):
        raise Unauthorized("The secret token is missing or wrong.")
    update = _parse(request.body)
    bot = channels.telegram.bot(credentials_of(channels.sealer, account)["token"])
    try:
        incoming = await to_incoming(bot, update, account)
    except ValidationError as exc:
        raise BadRequest(f"Not a Telegram update: {exc.errors()[0]['msg']}") from None
    async with db.transaction() as session:
        await receive(session, account, f"update:{update['update_id']}", incoming)
    if incoming is not None and incoming.ack:
        answer = WebhookAnswer(method="answerCallbackQuery", callback_query_id=incoming.ack)
        return json_response(answer.model_dump(exclude_none=True))
    return json_response({})


def _parse(body: bytes) -> dict:
    update = read_json(body)
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise BadRequest("Not a Telegram update: update_id is missing.", field="update_id")
    return update
