"""Public share pages (`/a/{slug}`): an activity's page as a visitor sees it, playing it there,
its recent winners (the ticker polls them), its preview card, and the public fairness check.

Handlers stay thin: the page's content is read in context.py, a try goes through the core's
own `play` (tries, stock, referrals) after the per-address limits, and every refusal is shown
on the page in the visitor's language."""

import uuid

from sanic import Blueprint, Request
from sanic.request import RequestParameters
from sanic.response import HTTPResponse, empty, raw
from sanic_ext import openapi
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.ids import parse_short_id
from core.activities.address_limits import AddressLimits, take_address_try
from core.activities.errors import ActivityNotFound, NotEligible
from core.activities.flows import play
from core.activities.models import Activity
from core.activities.schemas import PlayRequest, PlayResult, Rules
from core.activities.service import record_view
from core.activities.verify import FairnessReport, fairness_report, recent_winners
from core.activities.views import activity_view
from core.clock import utcnow
from core.customers.models import Customer
from core.errors import ConfettiError, Forbidden, ValidationFailed
from core.merchants.models import Merchant
from web.openapi_docs import document
from web.pages import page_translator, render, render_fragment
from web.responses import model_response
from web.share.card import draw_card
from web.share.context import card_of, page_context, public_activity
from web.share.outcome import outcome_context
from web.share.visitor import (
    client_address,
    enter_visitor,
    identity_for_play,
    keep_identity,
    known_visitor,
    referrer_of,
    remember_language,
    visitor_identity,
)

bp = Blueprint("share", url_prefix="/a")

SLUG = "<slug:[A-Za-z0-9_-]{1,32}>"
PAGE = "share/page.html"
CARD_MAX_AGE_SECONDS = 60 * 60


def _not_found_page(request: Request) -> HTTPResponse:
    t = page_translator(request, "UTC")
    return render(
        "message.html",
        status=404,
        t=t,
        emoji="🔍",
        title=t("page.not_found.title"),
        text=t("page.not_found.text"),
    )


async def _page(
    request: Request,
    session: AsyncSession,
    activity: Activity,
    merchant: Merchant,
    identity: str | None,
    params: RequestParameters,
) -> dict[str, object]:
    """The page's context for this visitor, with the referral and group the link (a GET's
    query) or the form (a try) carries."""
    visitor = await known_visitor(session, merchant.id, identity)
    if request.method == "GET":
        await record_view(session, activity, visitor.id if visitor else None, "web")
    return await page_context(
        request,
        session,
        activity,
        merchant,
        visitor,
        referrer=await referrer_of(session, merchant.id, params.get("ref")),
        group=parse_short_id(params.get("group")),
    )


@bp.get(f"/{SLUG}")
@openapi.exclude()
async def share_page(request: Request, slug: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        try:
            activity, merchant = await public_activity(session, slug)
        except ActivityNotFound:
            return _not_found_page(request)
        context = await _page(
            request, session, activity, merchant, visitor_identity(request), request.args
        )
    response = render(PAGE, headers={"Cache-Control": "no-store"}, **context)
    remember_language(request, response)
    return response


@bp.post(f"/{SLUG}/play")
@openapi.exclude()
async def play_here(request: Request, slug: str) -> HTTPResponse:
    """A try from the page's form, answered with the page showing its result; share.js swaps
    the page's fresh sections in after animating the wheel, board or envelope onto it."""
    identity = identity_for_play(request)
    result: PlayResult | None = None
    refusal: ConfettiError | None = None
    try:
        if request.headers.get("sec-fetch-site") == "cross-site":
            raise Forbidden("A try is made from the activity's own page.")
        async with request.app.ctx.db.transaction() as session:
            activity, merchant = await public_activity(session, slug)
            visitor = await enter_visitor(session, merchant.id, identity)
            result = await _try(request, session, activity, merchant, visitor)
    except ActivityNotFound:
        return _not_found_page(request)
    except ConfettiError as refused:
        refusal = refused
    async with request.app.ctx.db.transaction(write=False) as session:
        activity, merchant = await public_activity(session, slug)
        context = await _page(request, session, activity, merchant, identity, request.form)
    context.update(outcome_context(context["t"], context["chat_t"], result, refusal))
    headers = {"Cache-Control": "no-store", **(refusal.headers if refusal else {})}
    response = render(PAGE, status=refusal.status if refusal else 200, headers=headers, **context)
    keep_identity(request, response, identity)
    remember_language(request, response)
    return response


async def _try(
    request: Request,
    session: AsyncSession,
    activity: Activity,
    merchant: Merchant,
    visitor: Customer,
) -> PlayResult:
    if Rules.model_validate(activity.rules).telegram_channel:
        # Channel membership can be checked in Telegram only; the page links there.
        raise NotEligible(variant="channel_members")
    referrer = await referrer_of(session, merchant.id, request.form.get("ref"))
    choice = PlayRequest(
        customer=visitor.external_id,
        referrer=referrer.external_id if referrer else None,
        group=parse_short_id(request.form.get("group")),
        template_id=_template_choice(request.form.get("template")),
    )
    result = await play(session, merchant, activity.id, choice, channel="web")
    # After the customer's own limits, whose refusal says more; a refusal here rolls the try back.
    await take_address_try(
        session,
        activity,
        client_address(request),
        visitor.id,
        AddressLimits.of(request.app.ctx.settings),
        timezone=merchant.timezone,
        now=utcnow(),
    )
    return result


def _template_choice(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationFailed("choose one of this page's coupons", field="template") from None


@bp.get(f"/{SLUG}/winners")
@openapi.exclude()
async def winners(request: Request, slug: str) -> HTTPResponse:
    """The ticker's list, as the page shows it: share.js polls it every few seconds."""
    async with request.app.ctx.db.transaction(write=False) as session:
        try:
            activity, merchant = await public_activity(session, slug)
        except ActivityNotFound:
            return _not_found_page(request)
        found = await recent_winners(session, activity)
    return render_fragment(
        PAGE,
        "ticker",
        headers={"Cache-Control": "no-store"},
        t=page_translator(request, merchant.timezone),
        winners=found,
        activity=activity,
    )


@bp.get(f"/{SLUG}/card.png")
@document(
    summary="Public: the activity's 1200x630 preview card, for link previews",
    ok=(200, "image/png"),
    errors=(404,),
    authenticated=False,
)
async def card_png(request: Request, slug: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity, merchant = await public_activity(session, slug)
        view = await activity_view(session, activity, request.app.ctx.settings.base_url)
    card = card_of(page_translator(request, merchant.timezone), view, merchant)
    etag = f'"{card.fingerprint}"'
    headers = {"Cache-Control": f"public, max-age={CARD_MAX_AGE_SECONDS}", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return empty(status=304, headers=headers)
    return raw(draw_card(card), content_type="image/png", headers=headers)


@bp.get(f"/{SLUG}/fairness")
@document(
    summary="Public: re-check every try of an activity against its revealed server seed",
    ok=(200, FairnessReport),
    errors=(404,),
    authenticated=False,
)
async def fairness(request: Request, slug: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity, _ = await public_activity(session, slug)
        report = await fairness_report(session, activity)
    return model_response(report)
