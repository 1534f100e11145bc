"""The web chat: the same customer conversation as in Telegram or WhatsApp, in the browser.

`/a/{slug}/chat` is the page with the widget; the widget posts each message to
`/webchat/{slug}/messages` and renders the replies. The customer is the signed cookie
(bots/webchat/identity.py); the activity's slug names the merchant whose conversation it is.
"""

from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.ids import PAYLOAD
from bots.conversation.messages import Incoming, Reply
from bots.conversation.router import converse
from bots.webchat.identity import (
    COOKIE_NAME,
    cookie_attributes,
    cookie_value,
    new_identity,
    read_identity,
)
from core.errors import NotFound
from core.merchants.models import Merchant
from core.text import cleaned
from web.body import parse_customer_body
from web.openapi_docs import document
from web.pages import accepted_languages, render
from web.responses import model_response
from web.share.context import public_activity

bp = Blueprint("webchat")

STATIC = Path(__file__).parent / "static"
SCRIPT_URL = "/static/webchat/webchat.js"
STYLE_URL = "/static/webchat/webchat.css"
bp.static(SCRIPT_URL, STATIC / "webchat.js", name="webchat_js")
bp.static(STYLE_URL, STATIC / "webchat.css", name="webchat_css")

SLUG = "<slug:[A-Za-z0-9_-]{1,32}>"


class ChatMessage(BaseModel):
    """What the customer did: opened the chat (with a start payload), typed, or pressed. A
    customer is never refused for the characters they type: their text is cleaned."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["start", "text", "button"]
    text: Annotated[str, BeforeValidator(cleaned)] = Field(
        default="", max_length=4096, description="Typed text or start payload"
    )
    option: Annotated[str, BeforeValidator(partial(cleaned, one_line=True))] | None = Field(
        default=None, max_length=64, description="The pressed option's id"
    )


class ChatReplies(BaseModel):
    replies: list[Reply]


@bp.get(f"/a/{SLUG}/chat")
@openapi.exclude()
async def chat_page(request: Request, slug: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        try:
            _, merchant = await public_activity(session, slug)
        except NotFound:
            return _page(status=404)
    start = request.args.get("start", "")
    return _page(
        merchant_name=merchant.name,
        post_url=f"/webchat/{slug}/messages",
        start=start if PAYLOAD.match(start) else slug,
    )


def _page(status: int = 200, **context: object) -> HTTPResponse:
    return render(
        "webchat.html", status=status, script_url=SCRIPT_URL, style_url=STYLE_URL, **context
    )


@bp.post(f"/webchat/{SLUG}/messages")
@document(
    summary="Public: the web chat's customer sends a message and gets the replies",
    ok=(200, ChatReplies),
    body=ChatMessage,
    errors=(400, 404, 415, 422),
    authenticated=False,
)
async def post_message(request: Request, slug: str) -> HTTPResponse:
    message = parse_customer_body(request, ChatMessage)
    settings = request.app.ctx.settings
    cookie = request.cookies.get(COOKIE_NAME)
    identity = read_identity(settings.secret_key, cookie) or new_identity()
    async with request.app.ctx.db.transaction() as session:
        _, merchant = await public_activity(session, slug)
        replies = await web_replies(session, request, merchant, identity, message)
    response = model_response(ChatReplies(replies=replies))
    response.headers["Cache-Control"] = "no-store"
    response.add_cookie(
        COOKIE_NAME,
        cookie_value(settings.secret_key, identity),
        **cookie_attributes(settings.base_url),
    )
    return response


async def web_replies(
    session: AsyncSession, request: Request, merchant: Merchant, address: str, message: ChatMessage
) -> list[Reply]:
    """The conversation's replies to what the web chat's customer at `address` did (the
    console's "Try it" panel talks through here too)."""
    incoming = Incoming(
        channel="web",
        merchant_id=merchant.id,
        account_id=None,
        address=address,
        kind=message.kind,
        text=message.text,
        option=message.option,
        language=first_language(request.headers.get("accept-language", "")),
    )
    return await converse(session, merchant, None, incoming, settings=request.app.ctx.settings)


def first_language(accept_language: str) -> str | None:
    """The most wanted tag of an Accept-Language header ("es-MX,es;q=0.9" → "es-MX")."""
    tags = accepted_languages(accept_language)
    return tags[0] if tags else None
