"""Channel gating: an activity may ask its players to be members of the merchant's Telegram
channel. Telegram customers are checked; others are asked to continue in Telegram."""

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation, MembershipUnknown
from bots.conversation.ids import start_payload
from bots.conversation.links import deep_link
from bots.conversation.messages import Link, Option, Reply
from core.activities.models import Activity
from core.activities.schemas import Rules
from core.channels.service import merchant_bot


async def gate_replies(conv: Conversation, activity: Activity, rules: Rules) -> list[Reply] | None:
    """None when the customer may play; else what to tell them."""
    channel = rules.telegram_channel
    if channel is None:
        return None
    t = conv.t
    menu = Option(id=option_id(Action.MENU), title=t("button.menu"))
    if conv.member_of is None:
        bot = await merchant_bot(conv.session, conv.merchant.id)
        if bot is None:
            return [Reply(text=t("gate.telegram_only_no_bot", channel=channel), options=(menu,))]
        link = deep_link(bot, conv.base_url, activity.slug, start_payload(activity.slug))
        return [
            Reply(
                text=t("gate.continue_in_telegram", channel=channel),
                link=Link(title=t("button.open_telegram"), url=link),
                options=(menu,),
            )
        ]
    try:
        if await conv.member_of(channel):
            return None
    except MembershipUnknown:
        return [Reply(text=t("gate.unavailable"), options=(menu,))]
    return [
        Reply(
            text=t("gate.join_first", channel=channel),
            link=Link(title=t("button.join_channel"), url=f"https://t.me/{channel.lstrip('@')}"),
            options=(
                Option(id=option_id(Action.PLAY, activity.id), title=t("button.check_again")),
                menu,
            ),
        )
    ]
