"""What a share page shows, read through the core's own views: the activity as the API shows
it, its prize table and board, envelope progress, a collection's coupons, recent winners, the
visitor's referral link and the chats they may continue in."""

import uuid
from dataclasses import dataclass

from babel.numbers import format_percent
from sanic import Request
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator
from bots.conversation.ids import short_id, start_payload
from bots.conversation.links import deep_link
from bots.conversation.texts import coupon_terms
from core.activities.errors import ActivityNotFound
from core.activities.groups import customer_group
from core.activities.models import DRAW_KINDS, Activity
from core.activities.schemas import ActivityOut, PrizeOut, Rules
from core.activities.service import activity_by_slug
from core.activities.verify import recent_winners
from core.activities.views import activity_view, collection_view, opened_share
from core.channels.service import list_accounts, merchant_bot
from core.coupons.schemas import CouponOut
from core.coupons.service import list_customer_coupons
from core.customers.models import Customer
from core.merchants.models import Merchant
from core.merchants.service import get_merchant
from web.pages import page_translator
from web.share.card import Card
from web.share.wheel import wheel_slices

MAX_COUPONS_SHOWN = 100
MIN_ODDS_SHOWN = 0.001


async def public_activity(session: AsyncSession, slug: str) -> tuple[Activity, Merchant]:
    """The activity and its merchant, if its page is public: a draft is as absent as a typo,
    on every `/a/{slug}` route."""
    activity = await activity_by_slug(session, slug)
    if activity.status == "draft":
        raise ActivityNotFound()
    return activity, await get_merchant(session, activity.merchant_id)


@dataclass(frozen=True)
class PrizeRow:
    name: str
    odds: str
    left: int | None


@dataclass(frozen=True)
class ChatLink:
    channel: str
    url: str


def prize_rows(view: ActivityOut, language: str) -> list[PrizeRow]:
    """Each prize's published odds (its weight's share) and the stock it has left."""
    total = sum(prize.weight for prize in view.prizes) or 1
    return [
        PrizeRow(
            name=prize.name,
            odds=_odds(prize.weight / total, language),
            left=prize.remaining,
        )
        for prize in view.prizes
    ]


def _odds(share: float, language: str) -> str:
    """One decimal; a prize too rare for that still shows it can be won."""
    if 0 < share < MIN_ODDS_SHOWN:
        return "<" + format_percent(MIN_ODDS_SHOWN, "#,##0.#%", locale=language)
    return format_percent(share, "#,##0.#%", locale=language)


def headline(t: Translator, view: ActivityOut, merchant: Merchant) -> str:
    """What can be won, in a line: for the preview card and the description meta tags."""
    if view.envelope is not None:
        pot = view.envelope.pot
        amount = t.money(pot, merchant.currency) if view.envelope.pot_type == "money" else pot
        return t("share.headline.envelope", pot=amount, shares=view.envelope.shares)
    if view.kind == "collection":
        return t("share.headline.collection")
    names = [prize.name for prize in _by_value(view.prizes) if not prize.consolation]
    return t("share.headline.prizes", prizes=" · ".join(names[:3])) if names else view.name


def _by_value(prizes: list[PrizeOut]) -> list[PrizeOut]:
    return sorted(prizes, key=lambda prize: (-prize.cost, prize.weight))


def _share_text(t: Translator, view: ActivityOut, share: int, currency: str) -> str:
    if view.envelope is not None and view.envelope.pot_type == "money":
        return t.money(share, currency)
    return t("share.envelope.points", points=share)


def card_of(t: Translator, view: ActivityOut, merchant: Merchant) -> Card:
    return Card(merchant.name, merchant.brand_color or "", view.name, headline(t, view, merchant))


async def chat_links(
    session: AsyncSession, activity: Activity, base_url: str, referrer: uuid.UUID | None
) -> list[ChatLink]:
    """The merchant's connected chats, each opening this activity with the same referral the
    chat flows credit (the start payload the bots read)."""
    payload = start_payload(activity.slug, referrer=referrer)
    return [
        ChatLink(account.channel, deep_link(account, base_url, activity.slug, payload))
        for account in await list_accounts(session, activity.merchant_id)
        if account.channel in ("telegram", "whatsapp")
    ]


def referral_link(share_url: str, visitor: Customer, group: uuid.UUID | None = None) -> str:
    link = f"{share_url}?ref={short_id(visitor.id)}"
    return link + f"&group={short_id(group)}" if group else link


async def _held_coupons(
    session: AsyncSession, activity: Activity, visitor: Customer | None
) -> dict[uuid.UUID, list[CouponOut]]:
    if visitor is None:
        return {}
    page = await list_customer_coupons(
        session,
        activity.merchant_id,
        visitor.external_id,
        status=None,
        limit=MAX_COUPONS_SHOWN,
        cursor=None,
    )
    held: dict[uuid.UUID, list[CouponOut]] = {}
    for coupon in page.items:
        held.setdefault(coupon.template_id, []).append(coupon)
    return held


async def _kind_context(
    session: AsyncSession,
    activity: Activity,
    view: ActivityOut,
    visitor: Customer | None,
    texts: tuple[Translator, Translator],
    currency: str,
) -> dict[str, object]:
    t, chat_t = texts
    if activity.kind in DRAW_KINDS:
        return {
            "prizes": prize_rows(view, t.language),
            "slices": wheel_slices([prize.name for prize in view.prizes]),
            "prize_ids": [str(prize.id) for prize in view.prizes],
            "cells": view.marquee.cells if view.marquee else [],
            "winners": await recent_winners(session, activity),
        }
    if activity.kind == "red_envelope":
        group = await customer_group(session, activity, visitor.id) if visitor else None
        share = await opened_share(session, activity, visitor.id) if visitor else None
        return {
            "envelope": view.envelope,
            "my_share": _share_text(t, view, share, currency) if share is not None else None,
            "my_group": group,
            "group_link": referral_link(view.share_url, visitor, group.id) if group else None,
        }
    items = await collection_view(session, activity, visitor.external_id if visitor else None)
    return {
        "items": items,
        "terms": {item.template.id: coupon_terms(chat_t, item.template) for item in items},
        "held": await _held_coupons(session, activity, visitor),
    }


async def page_context(
    request: Request,
    session: AsyncSession,
    activity: Activity,
    merchant: Merchant,
    visitor: Customer | None,
    *,
    referrer: Customer | None,
    group: uuid.UUID | None,
) -> dict[str, object]:
    settings = request.app.ctx.settings
    t = page_translator(request, merchant.timezone)
    view = await activity_view(session, activity, settings.base_url)
    rules = Rules.model_validate(activity.rules)
    card = card_of(t, view, merchant)
    # Rewards, refusals and coupon terms read as the chats word them: one catalog for both.
    chat_t = Translator(t.language, merchant.timezone)
    gate_bot = await merchant_bot(session, merchant.id) if rules.telegram_channel else None
    return {
        "t": t,
        "chat_t": chat_t,
        "merchant": merchant,
        "brand_color": merchant.brand_color,
        "activity": view,
        "rules": rules,
        "description": view.description or headline(t, view, merchant),
        "card_url": f"{view.share_url}/card.png?v={card.fingerprint}",
        "ref_param": short_id(referrer.id) if referrer else None,
        "group_param": short_id(group) if group else None,
        "my_link": referral_link(view.share_url, visitor) if visitor else None,
        "chats": await chat_links(
            session, activity, settings.base_url, referrer.id if referrer else None
        ),
        "gate_link": deep_link(
            gate_bot, settings.base_url, activity.slug, start_payload(activity.slug)
        )
        if gate_bot
        else None,
        **await _kind_context(session, activity, view, visitor, (t, chat_t), merchant.currency),
    }
