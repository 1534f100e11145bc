"""The conversation layer's one entry point: an incoming message in, the replies out.

It knows nothing of Telegram or WhatsApp. Every option id that comes back is parsed and
re-checked here and by the core services (ids can be forged), and every refusal of the core
becomes a friendly, translated message with a next step.
"""

import re
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.actions import Action, option_id, parse_option_id
from bots.conversation.context import Conversation
from bots.conversation.flows import activities, menu, wallet
from bots.conversation.i18n import Translator, pick_language
from bots.conversation.ids import parse_start_payload
from bots.conversation.messages import Incoming, Option, Reply
from bots.conversation.staff import router as staff
from bots.conversation.texts import refusal_text
from core.channels.models import ChannelAccount
from core.clock import utcnow
from core.customers.flows import enter_customer
from core.errors import ConfettiError
from core.merchants.models import Merchant
from core.settings import Settings
from core.staff.chats import is_link_token, staff_in_chat

log = structlog.get_logger("confetti.conversation")
GREETINGS = re.compile(r"^\s*/?(start|menu|hi|hello|hola|halo|help)\b", re.IGNORECASE)
# WhatsApp users arriving from a wa.me link may edit the prefilled text; the payload is the
# token after a '#', wherever it is.
PAYLOAD_IN_TEXT = re.compile(r"#([A-Za-z0-9_-]{1,64})")


async def converse(
    session: AsyncSession,
    merchant: Merchant,
    account: ChannelAccount | None,
    incoming: Incoming,
    *,
    settings: Settings,
    member_of: Callable[[str], Awaitable[bool]] | None = None,
) -> list[Reply]:
    customer, identity = await enter_customer(
        session, merchant.id, incoming.channel, incoming.address, name=incoming.name
    )
    identity.account_id = incoming.account_id
    identity.last_inbound_at = utcnow()
    identity.unreachable_at = None
    language = pick_language(identity.locale, incoming.language)
    conv = Conversation(
        session=session,
        merchant=merchant,
        account=account,
        incoming=incoming,
        customer=customer,
        identity=identity,
        t=Translator(language, merchant.timezone),
        settings=settings,
        member_of=member_of,
    )
    try:
        async with session.begin_nested():
            replies = await _answer(conv)
    except ConfettiError as refusal:
        replies = _refusal_replies(conv, refusal)
    offered = [reply.options for reply in replies if reply.options]
    identity.last_options = [option.id for option in offered[-1]] if offered else None
    await session.flush()
    return replies


def _refusal_replies(conv: Conversation, refusal: ConfettiError) -> list[Reply]:
    log.info(
        "conversation.refused",
        merchant_id=str(conv.merchant.id),
        channel=conv.incoming.channel,
        code=refusal.code,
    )
    options = (
        Option(id=option_id(Action.ACTIVITIES), title=conv.t("button.activities")),
        Option(id=option_id(Action.MENU), title=conv.t("button.menu")),
    )
    return [Reply(text=refusal_text(conv.t, refusal), options=options)]


async def _answer(conv: Conversation) -> list[Reply]:
    incoming = conv.incoming
    if incoming.kind == "start" and is_link_token(incoming.text.strip()):
        return await staff.link_chat(conv, incoming.text.strip())
    conv.staff = await staff_in_chat(
        conv.session, conv.merchant.id, incoming.channel, incoming.address
    )
    if conv.staff is not None and (replies := await staff.answer(conv)) is not None:
        return replies
    if incoming.kind == "button":
        conv.identity.awaiting = None
        return await _pressed(conv, incoming.option or "")
    if incoming.kind == "start":
        return await _started(conv, incoming.text.strip())
    return await _typed(conv, incoming.text.strip())


async def _started(conv: Conversation, payload: str) -> list[Reply]:
    conv.identity.awaiting = None
    parsed = parse_start_payload(payload) if payload else None
    if parsed is not None:
        slug, tags = parsed
        card = await activities.arrive(conv, slug, tags)
        if card is None and tags:
            card = await activities.arrive(conv, payload, {})
        if card is not None:
            return card
    return await menu.main_menu(conv, conv.t("menu.welcome"))


async def _typed(conv: Conversation, text: str) -> list[Reply]:
    if (found := PAYLOAD_IN_TEXT.search(text)) is not None:
        return await _started(conv, found.group(1))
    numbered = conv.identity.last_options or []
    if text.isdigit() and 1 <= int(text) <= len(numbered):
        conv.identity.awaiting = None
        return await _pressed(conv, numbered[int(text) - 1])
    if conv.identity.awaiting == "code" and text and not GREETINGS.match(text):
        return await wallet.redeem_typed_code(conv, text)
    conv.identity.awaiting = None
    if GREETINGS.match(text) or not text:
        return await menu.main_menu(conv)
    return await menu.main_menu(conv, conv.t("menu.not_understood"))


async def _pressed(conv: Conversation, option: str) -> list[Reply]:
    """An option id (see actions.py). Anything unparsable shows the menu."""
    action, rest, ids = parse_option_id(option)
    first = ids[0] if ids else None
    second = ids[1] if len(ids) > 1 else None
    simple = _SIMPLE.get(action)
    if simple is not None and not rest:
        return await simple(conv)
    if action is Action.CHOOSE_LANGUAGE:
        return await menu.choose_language(conv, rest)
    if first is None:
        return await menu.main_menu(conv)
    match action:
        case Action.SHOW_ACTIVITY:
            activity = await activities.get_activity(conv.session, conv.merchant.id, first)
            return await activities.activity_card(conv, activity, referrer=second)
        case Action.PLAY:
            return await activities.try_activity(conv, first, referrer=second)
        case Action.JOIN_GROUP:
            return await activities.join_group(conv, first, second)
        case Action.COLLECT if second is not None:
            return await activities.try_activity(conv, first, template_id=second)
        case Action.SHARE:
            return await activities.share(conv, first)
        case Action.SHOW_QR:
            return await wallet.coupon_code(conv, first)
        case Action.EXCHANGE:
            return await wallet.exchange_item(conv, first)
    return await menu.main_menu(conv)


_SIMPLE: dict[Action | None, Callable[[Conversation], Awaitable[list[Reply]]]] = {
    Action.MENU: menu.main_menu,
    Action.ACTIVITIES: activities.live_activities,
    Action.MY_COUPONS: wallet.my_coupons,
    Action.MY_POINTS: wallet.my_points,
    Action.REDEEM_CODE: wallet.ask_for_code,
    Action.LANGUAGES: menu.language_menu,
}
