"""`/activities` (manager and up): the live and scheduled activities with today's numbers (the
daily statistics the workers keep, on the merchant's day), each with buttons to pause, resume,
end or share it. A button re-checks the role and the activity's merchant when pressed."""

import uuid

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation
from bots.conversation.ids import parse_short_id
from bots.conversation.links import share_link
from bots.conversation.messages import Link, Option, Reply
from core.activities.models import Activity
from core.activities.service import (
    activities_by_name,
    change_status,
    effective_status,
    get_activity,
)
from core.clock import utcnow
from core.staff.models import Role
from core.stats.service import daily_counts

LISTED_STATUSES = ("live", "paused", "scheduled")
MAX_LISTED = 10
# Today's numbers on each card, in this order.
TODAY_METRICS = ("activity.viewed", "activity.played", "prize.won")
# What each status may become, and the button that does it.
VERBS = {"live": ("pause", "end"), "paused": ("resume", "end"), "scheduled": ("end",)}


async def activity_list(conv: Conversation) -> list[Reply]:
    now = utcnow()
    shown = [
        activity
        for activity in await activities_by_name(conv.session, conv.merchant.id)
        if effective_status(activity, now) in LISTED_STATUSES
    ][:MAX_LISTED]
    if not shown:
        return [Reply(text=conv.t("staff.activities.none"))]
    today = await _today_numbers(conv)
    return [Reply(text=conv.t("staff.activities.title"))] + [
        _card(conv, activity, today.get(activity.id, {})) for activity in shown
    ]


async def _today_numbers(conv: Conversation) -> dict[uuid.UUID, dict[str, int]]:
    day = utcnow().astimezone(conv.t.timezone).date()
    numbers: dict[uuid.UUID, dict[str, int]] = {}
    for metric in TODAY_METRICS:
        counts = await daily_counts(conv.session, conv.merchant.id, metric, day)
        for (kind, subject, _channel), (count, _amount) in counts.items():
            if kind == "activity":
                per_metric = numbers.setdefault(subject, {})
                per_metric[metric] = per_metric.get(metric, 0) + count
    return numbers


def _card(conv: Conversation, activity: Activity, today: dict[str, int]) -> Reply:
    t = conv.t
    status = effective_status(activity, utcnow())
    text = t(
        "staff.activities.card",
        name=activity.name,
        status=t(f"staff.status.{status}"),
        starts=t.time(activity.starts_at),
        ends=t.time(activity.ends_at),
        views=today.get("activity.viewed", 0),
        plays=today.get("activity.played", 0),
        winners=today.get("prize.won", 0),
    )
    options = [
        Option(
            id=option_id(Action.MANAGE_ACTIVITY, verb, activity.id), title=t(f"staff.button.{verb}")
        )
        for verb in (*VERBS.get(status, ()), "share")
    ]
    return Reply(text=text, options=tuple(options))


async def manage(conv: Conversation, argument: str) -> list[Reply]:
    """A card's button: `<verb>:<activity short id>`."""
    if not Role(conv.staff.role).may_act_as(Role.MANAGER):
        return [Reply(text=conv.t("staff.role_too_low"))]
    verb, _, short = argument.partition(":")
    activity_id = parse_short_id(short)
    if activity_id is None or verb not in ("pause", "resume", "end", "share"):
        return [Reply(text=conv.t("staff.activities.unknown"))]
    activity = await get_activity(conv.session, conv.merchant.id, activity_id)
    if verb == "share":
        return [_share(conv, activity)]
    changed = await change_status(conv.session, conv.merchant.id, activity.id, verb)
    today = (await _today_numbers(conv)).get(changed.id, {})
    return [
        Reply(text=conv.t(f"staff.activities.done_{verb}", name=changed.name)),
        _card(conv, changed, today),
    ]


def _share(conv: Conversation, activity: Activity) -> Reply:
    """The activity's share page, as a link to pass on and a QR image to print or show."""
    link = f"{conv.base_url}/a/{activity.slug}"
    return Reply(
        text=conv.t("staff.activities.share", name=activity.name, link=link),
        image_url=f"{conv.base_url}/qr/a/{activity.slug}.png",
        link=Link(
            title=conv.t("staff.button.share_to_chat"),
            url=share_link(conv.account, activity.name, link),
        ),
    )
