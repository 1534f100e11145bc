"""The notifications consumer: tells a customer in their chat about what reached them outside
it — a prize won through the shop's own site or API, a group envelope that paid out — queued
once per event for the chat sender."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.i18n import Translator, pick_language
from bots.conversation.messages import Option, Reply
from core.activities.models import Play, Prize
from core.channels.models import ChannelAccount
from core.channels.service import queue_messages
from core.customers.models import ChannelIdentity
from core.events.service import EventEnvelope
from core.merchants.models import Merchant
from workers.consumers import Consumer

CHAT_CHANNELS = ("telegram", "whatsapp")


async def reachable_chat(
    session: AsyncSession, merchant_id: uuid.UUID, customer_id: uuid.UUID
) -> tuple[ChannelIdentity, ChannelAccount] | None:
    """The chat the customer last wrote from, if its bot or number is still connected."""
    row = (
        await session.execute(
            select(ChannelIdentity, ChannelAccount)
            .join(ChannelAccount, ChannelAccount.id == ChannelIdentity.account_id)
            .where(
                ChannelIdentity.merchant_id == merchant_id,
                ChannelIdentity.customer_id == customer_id,
                ChannelIdentity.channel.in_(CHAT_CHANNELS),
                ChannelIdentity.unreachable_at.is_(None),
            )
            .order_by(ChannelIdentity.last_inbound_at.desc())
            .limit(1)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def _prize_won(session: AsyncSession, event: EventEnvelope) -> None:
    # A try made in the chat was answered there already.
    if event.payload.get("channel") in CHAT_CHANNELS:
        return
    customer_id = uuid.UUID(event.payload["customer_id"])
    chat = await reachable_chat(session, event.merchant_id, customer_id)
    if chat is None:
        return
    identity, account = chat
    merchant = await session.get(Merchant, event.merchant_id)
    prize = await session.get(Prize, uuid.UUID(event.payload["prize_id"]))
    play = await session.get(Play, uuid.UUID(event.payload["play_id"]))
    if merchant is None or prize is None or play is None:
        return
    t = Translator(pick_language(identity.locale, None), merchant.timezone)
    text = t("notify.prize", prize=prize.name)
    code = (play.outcome.get("coupon") or {}).get("code") or play.outcome.get("code")
    if code:
        text += f"\n{code}"
    reply = Reply(text=text, options=(Option(id="cp", title=t("button.my_coupons")),))
    await queue_messages(
        session,
        account,
        identity.address,
        [reply.model_dump(mode="json")],
        purpose="notification",
        customer_id=customer_id,
        dedupe_key=f"prize:{event.id}",
    )


async def _group_paid(session: AsyncSession, event: EventEnvelope) -> None:
    """A group envelope filled: its members who were not there when it did hear of their share."""
    if not event.payload.get("announce"):
        return
    customer_id = uuid.UUID(event.payload["customer_id"])
    chat = await reachable_chat(session, event.merchant_id, customer_id)
    merchant = await session.get(Merchant, event.merchant_id)
    if chat is None or merchant is None:
        return
    identity, account = chat
    t = Translator(pick_language(identity.locale, None), merchant.timezone)
    share = event.payload["share"]
    if event.payload.get("pot_type") == "money":
        gained = t("notify.group_coupon", amount=t.money(share, merchant.currency))
    else:
        gained = t("reward.points", points=share)
    reply = Reply(
        text=t("notify.group_paid") + "\n" + gained,
        options=(Option(id="cp", title=t("button.my_coupons")),),
    )
    await queue_messages(
        session,
        account,
        identity.address,
        [reply.model_dump(mode="json")],
        purpose="notification",
        customer_id=customer_id,
        dedupe_key=f"group-paid:{event.id}",
    )


HANDLERS = {"prize.won": _prize_won, "envelope.opened": _group_paid}


async def _notify(session: AsyncSession, event: EventEnvelope) -> None:
    await HANDLERS[event.type](session, event)


NOTIFICATIONS = Consumer(name="notifications", topics=tuple(HANDLERS), handle=_notify)
