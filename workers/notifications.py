"""The notifications consumer: tells a customer in their chat about what reached them outside
it — a prize won through the shop's own site or API, a group envelope that paid out — queued
once per event for the chat sender."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.actions import Action, option_id
from bots.conversation.i18n import Translator
from bots.conversation.messages import Option, Reply
from bots.notices import notify_customer
from core.activities.prizes import won_prize
from core.channels.chats import CHAT_CHANNELS
from core.events.service import EventEnvelope
from core.merchants.service import find_merchant
from workers.consumers import Consumer


def _with_coupons_button(t: Translator, text: str) -> Reply:
    return Reply(
        text=text, options=(Option(id=option_id(Action.MY_COUPONS), title=t("button.my_coupons")),)
    )


async def _prize_won(session: AsyncSession, event: EventEnvelope) -> None:
    # A try made in the chat was answered there already.
    if event.payload.get("channel") in CHAT_CHANNELS:
        return
    merchant = await find_merchant(session, event.merchant_id)
    won = await won_prize(
        session, uuid.UUID(event.payload["prize_id"]), uuid.UUID(event.payload["play_id"])
    )
    if merchant is None or won is None:
        return
    prize, play = won
    code = (play.outcome.get("coupon") or {}).get("code") or play.outcome.get("code")

    def compose(t: Translator) -> Reply:
        text = t("notify.prize", prize=prize.name)
        return _with_coupons_button(t, f"{text}\n{code}" if code else text)

    customer_id = uuid.UUID(event.payload["customer_id"])
    key = f"prize:{event.id}"
    await notify_customer(session, merchant, customer_id, dedupe_key=key, compose=compose)


async def _group_paid(session: AsyncSession, event: EventEnvelope) -> None:
    """A group envelope filled: its members who were not there when it did hear of their share."""
    merchant = await find_merchant(session, event.merchant_id)
    if not event.payload.get("announce") or merchant is None:
        return
    share = event.payload["share"]

    def compose(t: Translator) -> Reply:
        if event.payload.get("pot_type") == "money":
            gained = t("notify.group_coupon", amount=t.money(share, merchant.currency))
        else:
            gained = t("reward.points", points=share)
        return _with_coupons_button(t, t("notify.group_paid") + "\n" + gained)

    customer_id = uuid.UUID(event.payload["customer_id"])
    key = f"group-paid:{event.id}"
    await notify_customer(session, merchant, customer_id, dedupe_key=key, compose=compose)


HANDLERS = {"prize.won": _prize_won, "envelope.opened": _group_paid}


async def _notify(session: AsyncSession, event: EventEnvelope) -> None:
    await HANDLERS[event.type](session, event)


NOTIFICATIONS = Consumer(name="notifications", topics=tuple(HANDLERS), handle=_notify)
