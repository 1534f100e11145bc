"""Live activities: the list, one activity's card, and a try at it (spin, open, collect)."""

import uuid

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation
from bots.conversation.flows.gate import gate_replies
from bots.conversation.ids import start_payload
from bots.conversation.links import deep_link, share_link
from bots.conversation.messages import Link, Option, Reply
from bots.conversation.texts import coupon_terms, reward_text
from core.activities.flows import play
from core.activities.groups import group_activity
from core.activities.models import DRAW_KINDS, Activity
from core.activities.prizes import winnable_prizes
from core.activities.schemas import PlayRequest, PlayResult, Rules
from core.activities.service import activity_by_slug, effective_status, get_activity
from core.activities.service import live_activities as live_activities_of
from core.activities.views import collection_view, envelope_view
from core.clock import utcnow
from core.customers.service import customer_by_id
from core.errors import NotFound

MAX_LISTED = 9


async def live_activities(conv: Conversation) -> list[Reply]:
    activities = await live_activities_of(
        conv.session, conv.merchant.id, now=utcnow(), limit=MAX_LISTED
    )
    if not activities:
        return [Reply(text=conv.t("activities.none"), options=(menu_option(conv),))]
    options = tuple(
        Option(id=option_id(Action.SHOW_ACTIVITY, a.id), title=a.name) for a in activities
    )
    return [Reply(text=conv.t("activities.pick"), options=(*options, menu_option(conv)))]


def menu_option(conv: Conversation) -> Option:
    return Option(id=option_id(Action.MENU), title=conv.t("button.menu"))


async def arrive(conv: Conversation, slug: str, tags: dict[str, uuid.UUID]) -> list[Reply] | None:
    """A deep link's activity card, or None when the link names nothing of this merchant's."""
    try:
        activity = await activity_by_slug(conv.session, slug)
    except NotFound:
        return None
    if activity.merchant_id != conv.merchant.id:
        return None
    return await activity_card(conv, activity, referrer=tags.get("r"), group=tags.get("g"))


async def activity_card(
    conv: Conversation,
    activity: Activity,
    *,
    referrer: uuid.UUID | None = None,
    group: uuid.UUID | None = None,
) -> list[Reply]:
    t = conv.t
    if effective_status(activity, utcnow()) != "live":
        return [Reply(text=t("refusal.not_live"), options=(activities_option(conv),))]
    text = f"{activity.name}\n{activity.description}".strip()
    text += "\n" + t("activity.ends", when=t.time(activity.ends_at))
    options: list[Option] = []
    if activity.kind in DRAW_KINDS:
        prizes = await winnable_prizes(conv.session, activity)
        names = [p.name for p in prizes if not p.consolation]
        if names:
            text += "\n" + t("activity.prizes", prizes=", ".join(names))
        options.append(
            Option(id=option_id(Action.PLAY, activity.id, referrer), title=t("button.spin"))
        )
    elif activity.kind == "red_envelope":
        if group is not None:
            options.append(
                Option(
                    id=option_id(Action.JOIN_GROUP, group, referrer), title=t("button.join_group")
                )
            )
        options.append(
            Option(
                id=option_id(Action.PLAY, activity.id, referrer), title=t("button.open_envelope")
            )
        )
    else:
        options += await _collection_options(conv, activity)
    return [
        Reply(
            text=text,
            image_url=activity.cover_image_url,
            options=(*options, share_option(conv, activity), menu_option(conv)),
        )
    ]


def activities_option(conv: Conversation) -> Option:
    return Option(id=option_id(Action.ACTIVITIES), title=conv.t("button.activities"))


def share_option(conv: Conversation, activity: Activity) -> Option:
    return Option(id=option_id(Action.SHARE, activity.id), title=conv.t("button.share"))


async def _collection_options(conv: Conversation, activity: Activity) -> list[Option]:
    t = conv.t
    options = []
    for item in (await collection_view(conv.session, activity, conv.external_id))[:MAX_LISTED]:
        template = item.template
        if template.seconds_until_open:
            minutes = -(-template.seconds_until_open // 60)
            title = t(
                "collect.opens_in", name=template.name, hours=minutes // 60, minutes=minutes % 60
            )
        elif template.remaining_stock == 0:
            title = t("collect.gone", name=template.name)
        else:
            title = template.name
        options.append(Option(id=option_id(Action.COLLECT, activity.id, template.id), title=title))
    return options


async def share(conv: Conversation, activity_id: uuid.UUID) -> list[Reply]:
    activity = await get_activity(conv.session, conv.merchant.id, activity_id)
    return [_share_reply(conv, activity, group=None)]


def _share_reply(conv: Conversation, activity: Activity, group: uuid.UUID | None) -> Reply:
    t = conv.t
    payload = start_payload(activity.slug, referrer=conv.customer.id, group=group)
    link = deep_link(conv.account, conv.base_url, activity.slug, payload)
    invitation = t("share.invitation", name=activity.name)
    return Reply(
        text=t("share.text", link=link),
        link=Link(title=t("button.share"), url=share_link(conv.account, invitation, link)),
        options=(menu_option(conv),),
    )


async def try_activity(
    conv: Conversation,
    activity_id: uuid.UUID,
    *,
    referrer: uuid.UUID | None = None,
    group: uuid.UUID | None = None,
    template_id: uuid.UUID | None = None,
) -> list[Reply]:
    activity = await get_activity(conv.session, conv.merchant.id, activity_id)
    refused = await gate_replies(conv, activity, Rules.model_validate(activity.rules))
    if refused:
        return refused
    request = PlayRequest(
        customer=conv.external_id,
        referrer=await _external_id_of(conv, referrer),
        group=group,
        template_id=template_id,
    )
    result = await play(
        conv.session, conv.merchant, activity.id, request, channel=conv.incoming.channel
    )
    return await _result_replies(conv, activity, result, referrer)


async def join_group(
    conv: Conversation, group_id: uuid.UUID, referrer: uuid.UUID | None
) -> list[Reply]:
    activity = await group_activity(conv.session, conv.merchant.id, group_id)
    return await try_activity(conv, activity.id, referrer=referrer, group=group_id)


async def _external_id_of(conv: Conversation, customer_id: uuid.UUID | None) -> str | None:
    if customer_id is None:
        return None
    referrer = await customer_by_id(conv.session, conv.merchant.id, customer_id)
    return referrer.external_id if referrer is not None else None


async def _result_replies(
    conv: Conversation, activity: Activity, result: PlayResult, referrer: uuid.UUID | None
) -> list[Reply]:
    t = conv.t
    text = reward_text(t, result.reward)
    if result.prize is not None and not result.prize.consolation:
        text = t("play.won", prize=result.prize.name) + "\n" + text
    if result.group is not None and result.group.status == "open":
        text = t("group.waiting", members=result.group.members, needed=result.group.needed)
    elif result.share is not None and result.reward.type != "none":
        text = t("envelope.opened") + "\n" + text
    if activity.kind == "red_envelope" and (
        envelope := await envelope_view(conv.session, activity)
    ):
        text += "\n" + t("envelope.left", left=envelope.left, shares=envelope.shares)
    options = []
    if activity.kind in DRAW_KINDS and result.tries_left != 0:
        options.append(
            Option(id=option_id(Action.PLAY, activity.id, referrer), title=t("button.play_again"))
        )
    options += [
        share_option(conv, activity),
        Option(id=option_id(Action.MY_COUPONS), title=t("button.my_coupons")),
    ]
    if result.tries_left is not None:
        text += "\n" + t("play.tries_left", tries=result.tries_left)
    replies = []
    if activity.kind in DRAW_KINDS:
        replies.append(Reply(text=t("play.spinning"), key="spin"))
    result_reply = Reply(text=text, options=tuple(options), replaces="spin" if replies else None)
    replies.append(result_reply)
    if result.group is not None and result.group.status == "open":
        replies.append(_share_reply(conv, activity, group=result.group.id))
    if result.reward.coupon is not None:
        replies.append(
            coupon_qr(conv, result.reward.coupon.code, coupon_terms(t, result.reward.coupon))
        )
    return replies


def coupon_qr(conv: Conversation, code: str, caption: str) -> Reply:
    """The code as a QR image, for the till to scan."""
    return Reply(text=f"{code}\n{caption}", image_url=f"{conv.base_url}/qr/{code}.png")
