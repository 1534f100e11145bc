"""Reminders in the customer's chat: a coupon expiring within 24 hours, points expiring this
month, a new round of a draw they played. Each is sent once (a coupon is marked reminded; points
once per customer and month; a round once per customer and day)."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.actions import Action, option_id
from bots.conversation.i18n import Translator
from bots.conversation.messages import Option, Reply
from bots.conversation.texts import coupon_line
from bots.notices import notify_customer, queue_notice
from core.activities.schemas import Rules
from core.activities.service import effective_status, find_activity, live_draws
from core.activities.tries import fresh_round
from core.broadcasts.schemas import Segment
from core.broadcasts.service import recipients
from core.channels.chats import chats_by_id
from core.clock import utcnow
from core.coupons.expiry import coupons_to_remind, mark_reminded
from core.coupons.service import coupon_view
from core.db import Database
from core.jobs.models import Job
from core.jobs.schemas import ChunkOutcome
from core.jobs.service import create_job_once, existing_job_keys
from core.merchants.service import all_merchants, get_merchant
from core.points.balances import expiring_by_customer

BATCH = 200


async def remind_expiring_coupons(db: Database) -> int:
    now = utcnow()
    async with db.transaction() as session:
        rows = await coupons_to_remind(session, now=now, within=timedelta(hours=24), limit=BATCH)
        queued = 0
        for coupon, template, merchant in rows:

            def compose(t: Translator, coupon=coupon, template=template) -> Reply:
                text = t("notify.coupon_expiring") + "\n"
                text += coupon_line(t, coupon_view(coupon, template, None, now))
                return Reply(
                    text=text,
                    options=(
                        Option(id=option_id(Action.MY_COUPONS), title=t("button.my_coupons")),
                    ),
                )

            key = f"reminder:coupon:{coupon.id}"
            queued += await notify_customer(
                session, merchant, coupon.customer_id, dedupe_key=key, compose=compose
            )
        if rows:
            await mark_reminded(session, [coupon.id for coupon, _, _ in rows], now=now)
    return queued


def _month_end(now: datetime, timezone: str) -> tuple[str, datetime]:
    local = now.astimezone(ZoneInfo(timezone))
    first_of_next = (local.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return local.strftime("%Y-%m"), first_of_next.astimezone(UTC)


async def remind_expiring_points(db: Database) -> int:
    """Once a month per customer: what of their balance expires before the month ends (in the
    merchant's timezone)."""
    now = utcnow()
    queued = 0
    async with db.transaction(write=False) as session:
        merchants = await all_merchants(session)
    for merchant in merchants:
        month, month_end = _month_end(now, merchant.timezone)
        async with db.transaction() as session:
            expiring = await expiring_by_customer(session, merchant.id, now=now, before=month_end)
            for customer_id, points, first_expiry in expiring:

                def compose(t: Translator, points=points, when=first_expiry) -> Reply:
                    text = t("notify.points_expiring", points=points, when=t.time(when))
                    return Reply(
                        text=text,
                        options=(
                            Option(id=option_id(Action.MY_POINTS), title=t("button.my_points")),
                        ),
                    )

                key = f"reminder:points:{customer_id}:{month}"
                queued += await notify_customer(
                    session, merchant, customer_id, dedupe_key=key, compose=compose
                )
    return queued


NEW_ROUND_JOB_KIND = "reminders.new_round"
ROUND_REMINDER_GRACE = timedelta(hours=6)


async def start_new_round_reminders(db: Database) -> int:
    """A draw with `remind_new_round_at` starts a new round every day: once that time has come
    in the merchant's timezone, the day's reminder job starts (once: its key names the day),
    for everyone who played it. Returns how many jobs were started."""
    now = utcnow()
    async with db.transaction(write=False) as session:
        live = await live_draws(session, now)
        due = {}
        for activity, timezone in live:
            at = activity.rules.get("remind_new_round_at")
            day = round_reminder_day(at, now, ZoneInfo(timezone)) if at else None
            if day is not None:
                due[f"{NEW_ROUND_JOB_KIND}:{activity.id}:{day.isoformat()}"] = (activity, day)
        started_already = await existing_job_keys(session, list(due))
    started = 0
    for key, (activity, day) in due.items():
        if key in started_already:
            continue
        # Who played is read without the write lock; a concurrent starter loses on the key.
        async with db.transaction(write=False) as session:
            chats = await recipients(
                session, activity.merchant_id, Segment(played_activity=activity.id)
            )
        async with db.transaction() as session:
            started += await create_job_once(
                session,
                activity.merchant_id,
                key=key,
                kind=NEW_ROUND_JOB_KIND,
                params={
                    "activity_id": str(activity.id),
                    "day": day.isoformat(),
                    "recipients": [str(chat) for chat in chats],
                },
                total=len(chats),
                counters={"queued": 0, "skipped": 0},
            )
    return started


def round_reminder_day(at: str, now: datetime, zone: ZoneInfo) -> date | None:
    """The merchant-local day whose reminder is due: today once `at` (HH:MM) has come; before
    then, yesterday if its `at` was less than ROUND_REMINDER_GRACE ago, so a reminder set for
    23:58, or one whose worker was down until after midnight, still goes."""
    hour, minute = (int(part) for part in at.split(":"))
    today = now.astimezone(zone).date()
    if datetime.combine(today, time(hour, minute), zone) <= now:
        return today
    yesterday = today - timedelta(days=1)
    if now - datetime.combine(yesterday, time(hour, minute), zone) < ROUND_REMINDER_GRACE:
        return yesterday
    return None


async def new_round_chunk(session: AsyncSession, job: Job, start: int, end: int) -> ChunkOutcome:
    """Remind these players, unless they already played today or have no tries left at all
    (or the draw is no longer live)."""
    activity = await find_activity(session, uuid.UUID(job.params["activity_id"]))
    if activity is None or effective_status(activity, utcnow()) != "live":
        return ChunkOutcome(counts={"skipped": end - start})
    merchant = await get_merchant(session, activity.merchant_id)
    rules = Rules.model_validate(activity.rules)
    day = job.params["day"]

    def compose(t: Translator) -> Reply:
        text = t("notify.new_round", activity=activity.name, tries=rules.tries_per_customer_per_day)
        return Reply(
            text=text,
            options=(
                Option(
                    id=option_id(Action.SHOW_ACTIVITY, activity.id), title=t("button.play_again")
                ),
                Option(id=option_id(Action.MENU), title=t("button.menu")),
            ),
        )

    ids = [uuid.UUID(value) for value in job.params["recipients"][start:end]]
    chats = await chats_by_id(session, ids)
    queued, skipped = 0, len(ids) - len(chats)
    for identity, account in chats:
        if identity.unreachable_at is not None or not await fresh_round(
            session, activity, identity.customer_id, rules, day
        ):
            skipped += 1
            continue
        queued += await queue_notice(
            session,
            merchant,
            identity,
            account,
            purpose="notification",
            dedupe_key=f"reminder:round:{activity.id}:{identity.customer_id}:{day}",
            compose=compose,
        )
    return ChunkOutcome(counts={"queued": queued, "skipped": skipped})
