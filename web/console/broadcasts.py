"""Broadcasts (manager and up): compose one message (text, an image, one link button), pick a
segment, see how many customers it reaches on each channel, send it as the broadcast job
(core.broadcasts), and watch its counts move (the progress part polls itself with htmx while
the job runs)."""

import uuid
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bots.conversation.i18n import Translator
from core.activities.service import list_activities
from core.broadcasts.schemas import BroadcastCreate, Segment
from core.broadcasts.service import BROADCAST_JOB_KIND, broadcast_view, recipients, start_broadcast
from core.errors import ConfettiError
from core.jobs.errors import JobNotFound
from core.jobs.service import get_job
from core.staff.models import Role
from web.console.access import current, requires
from web.console.forms import (
    Form,
    add_refusal,
    checkbox,
    optional_text,
    read_fields,
    text,
    typed,
    validated,
)
from web.console.pages import console_fragment, console_page, translator

bp = Blueprint("console_broadcasts", url_prefix="/console/broadcasts")

CHANNELS = ("telegram", "whatsapp")
FIELDS = {
    "text": text,
    "image_url": optional_text,
    "link.title": optional_text,
    "link.url": optional_text,
    "segment.channel": optional_text,
    "segment.played_activity": optional_text,
    "segment.holding_unused_coupon": checkbox,
}
RUNNING = ("queued", "running")
ACTIVITY_CHOICES = 100


def _message(form: Form, t: Translator) -> BroadcastCreate | None:
    data: dict[str, Any] = read_fields(form, FIELDS, t)
    if not any(data["link"].values()):
        del data["link"]  # no button: both its fields left blank
    data = {name: value for name, value in data.items() if value is not None}
    return validated(BroadcastCreate, data, form, t)


async def _reach(request: Request, segment: Segment) -> dict[str, int]:
    """How many customers the segment reaches in all, and on each channel it includes (a
    customer on both is written to once, where they last wrote from)."""
    merchant_id = current(request).merchant.id
    async with request.app.ctx.db.transaction(write=False) as session:
        reach = {"all": len(await recipients(session, merchant_id, segment))}
        for channel in CHANNELS:
            if segment.channel in (None, channel):
                on_channel = segment.model_copy(update={"channel": channel})
                reach[channel] = len(await recipients(session, merchant_id, on_channel))
    return reach


async def _compose_page(
    request: Request, form: Form, *, reach: dict[str, int] | None = None, status: int = 200
) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    async with request.app.ctx.db.transaction(write=False) as session:
        activities = await list_activities(
            session, who.merchant.id, limit=ACTIVITY_CHOICES, cursor=None
        )
    return console_page(
        request,
        who,
        "console/broadcast_form.html",
        status,
        title=t("console.menu.broadcasts"),
        form=form,
        reach=reach,
        channel_options=[("", t("console.broadcasts.every_channel"))]
        + [(channel, t(f"console.channels.{channel}")) for channel in CHANNELS],
        activity_options=[("", t("console.broadcasts.any_customer"))]
        + [(str(activity.id), activity.name) for activity in activities.items],
    )


@bp.get("/")
@requires(Role.MANAGER)
async def compose(request: Request) -> HTTPResponse:
    return await _compose_page(request, Form())


@bp.post("/")
@requires(Role.MANAGER)
async def preview_or_send(request: Request) -> HTTPResponse:
    """ "See the reach" shows the form again with the counts; "Send" starts the job."""
    who = current(request)
    form = Form(values=typed(request))
    message = _message(form, translator(request, who))
    if message is None or form.errors:
        return await _compose_page(request, form, status=422)
    if form.value("step") != "send":
        return await _compose_page(request, form, reach=await _reach(request, message.segment))
    try:
        async with request.app.ctx.db.transaction() as session:
            job = await start_broadcast(session, who.merchant.id, message)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _compose_page(request, form, status=refused.status)
    return redirect(f"/console/broadcasts/{job.id}", status=303)


async def _progress(request: Request, job_id: uuid.UUID) -> dict[str, Any]:
    async with request.app.ctx.db.transaction(write=False) as session:
        job = await get_job(session, current(request).merchant.id, job_id)
        if job.kind != BROADCAST_JOB_KIND:
            raise JobNotFound()
        view = await broadcast_view(session, job)
    return {"broadcast": view, "running": view.job.status in RUNNING}


@bp.get("/<job_id:uuid>")
@requires(Role.MANAGER)
async def broadcast_page(request: Request, job_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    title = translator(request, who)("console.broadcasts.sent_title")
    context = await _progress(request, job_id)
    return console_page(request, who, "console/broadcast.html", title=title, **context)


@bp.get("/<job_id:uuid>/progress")
@requires(Role.MANAGER)
async def broadcast_progress(request: Request, job_id: uuid.UUID) -> HTTPResponse:
    """The counts alone, for htmx to swap in while the job runs."""
    context = await _progress(request, job_id)
    return console_fragment(
        request, current(request), "console/broadcast.html", "progress", **context
    )
