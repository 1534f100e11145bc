"""Who is looking at a share page: the web chat's signed-cookie identity, so a visitor who plays
here and then chats on the page is one customer; where they connect from (for the limits a
cookie cannot dodge); and who sent them (`?ref=`, the short id the chat links carry)."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import languages
from bots.conversation.ids import parse_short_id
from bots.webchat.identity import (
    COOKIE_NAME,
    cookie_attributes,
    cookie_value,
    new_identity,
    read_identity,
)
from core.customers.flows import enter_customer
from core.customers.models import Customer
from core.customers.service import channel_external_id, customer_by_id, find_customer
from web.pages import LANGUAGE_COOKIE

CHANNEL = "web"
LANGUAGE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60


def visitor_identity(request: Request) -> str | None:
    return read_identity(request.app.ctx.settings.secret_key, request.cookies.get(COOKIE_NAME))


async def known_visitor(
    session: AsyncSession, merchant_id: uuid.UUID, identity: str | None
) -> Customer | None:
    """The visitor as a customer if they have played or chatted before; a page view alone
    creates nobody (link previewers and crawlers view pages too)."""
    if identity is None:
        return None
    return await find_customer(session, merchant_id, channel_external_id(CHANNEL, identity))


async def enter_visitor(session: AsyncSession, merchant_id: uuid.UUID, identity: str) -> Customer:
    customer, _ = await enter_customer(session, merchant_id, CHANNEL, identity)
    return customer


def identity_for_play(request: Request) -> str:
    return visitor_identity(request) or new_identity()


def keep_identity(request: Request, response: HTTPResponse, identity: str) -> None:
    settings = request.app.ctx.settings
    response.add_cookie(
        COOKIE_NAME,
        cookie_value(settings.secret_key, identity),
        **cookie_attributes(settings.base_url),
    )


def remember_language(request: Request, response: HTTPResponse) -> None:
    """A `?lang=` we speak becomes the visitor's choice (the cookie `page_language` reads), so
    their next page and their tries' results stay in it without the query."""
    chosen = (request.args.get("lang") or "").lower()
    if chosen in languages() and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.add_cookie(
            LANGUAGE_COOKIE,
            chosen,
            path="/a",
            max_age=LANGUAGE_MAX_AGE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=request.app.ctx.settings.base_url.startswith("https://"),
        )


def client_address(request: Request) -> str:
    """The peer's address, or the proxy's forwarded one where Sanic is told to trust it
    (SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER): never a header a client may simply make up."""
    return request.remote_addr or request.ip or "unknown"


async def referrer_of(
    session: AsyncSession, merchant_id: uuid.UUID, short_id: str | None
) -> Customer | None:
    """The customer whose share link this is; a forged or foreign id is nobody."""
    customer_id = parse_short_id(short_id)
    return await customer_by_id(session, merchant_id, customer_id) if customer_id else None
