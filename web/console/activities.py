"""Activities: list, create and edit the four kinds (schedule and who may play, then the kind's
own sections: a draw's budget and prize table with a live probability preview, a marquee's
board, a red envelope's pot, a collection's coupons; see activity_sections), publish, pause,
resume and end, through core.activities. Each activity shows its share link, a QR code of it
and its preview card."""

import base64
import uuid
from datetime import timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.activities import checks, edits, service, views
from core.activities.models import Activity
from core.activities.prizes import prizes_of
from core.activities.schemas import ActivityCreate, ActivityPatch
from core.clock import utcnow
from core.coupons.models import CouponTemplate
from core.coupons.templates import list_templates, template_view
from core.errors import ConfettiError, ValidationFailed
from core.staff.models import Role
from web.console import collection_picker, envelope_pot, marquee_board, prize_table
from web.console.access import SignedIn, current, requires
from web.console.activity_sections import KINDS, SECTIONS
from web.console.forms import (
    Form,
    Reader,
    add_refusal,
    checkbox,
    local_time,
    optional_text,
    read_fields,
    text,
    time_input,
    typed,
    validated,
    whole_number,
)
from web.console.odds import chances
from web.console.pages import console_fragment, console_page, translator
from web.qr import qr_image

bp = Blueprint("console_activities", url_prefix="/console/activities")

ALLOWED_ACTIONS = {
    "draft": ("publish",),
    "scheduled": ("end",),
    "live": ("pause", "end"),
    "paused": ("resume", "end"),
    "ended": (),
}
MAX_PRIZE_ROWS = 100  # as many prizes as an activity may have
RULE_NUMBERS = ("tries_per_customer_per_day", "tries_per_customer_total")


def _common_readers(who: SignedIn) -> dict[str, Reader]:
    timezone = who.merchant.timezone
    readers: dict[str, Reader] = {
        "name": text,
        "description": text,
        "starts_at": local_time(timezone),
        "ends_at": local_time(timezone),
        "rules.points_cost": whole_number(blank=0),
        "rules.new_customers_only": checkbox,
        "rules.telegram_channel": optional_text,
    }
    return readers | {f"rules.{name}": whole_number() for name in RULE_NUMBERS}


def _kind_of(raw: str | None) -> str:
    """The kind asked for: a lucky draw unless another is named."""
    raw = raw or "lucky_draw"
    if raw not in SECTIONS:
        raise ValidationFailed(f"kind: one of {', '.join(KINDS)}", field="kind")
    return raw


async def _offerable(session: AsyncSession, merchant_id: uuid.UUID) -> list[CouponTemplate]:
    """The coupon templates a prize may grant or a collection page offer."""
    page = await list_templates(session, merchant_id, limit=200, cursor=None)
    return [t for t in page.items if t.status != "archived" and not t.auto_apply]


async def _stored_parts(session: AsyncSession, activity: Activity) -> dict[str, object]:
    """What the kind's sections show of a stored activity: a collection's coupons in its
    order with their stock left, a red envelope's pot with what each share may be."""
    envelope = await views.envelope_view(session, activity)
    return {
        "coupons": [item.template for item in await views.collection_view(session, activity, None)],
        "envelope": envelope,
        "envelope_range": envelope_pot.range_of(envelope) if envelope else None,
    }


async def _form_page(
    request: Request,
    form: Form,
    kind: str,
    *,
    activity: Activity | None = None,
    status: int = 200,
) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    weights = chances(prize_table.weights_of(form))
    now = utcnow()
    async with request.app.ctx.db.transaction(write=False) as session:
        templates = await _offerable(session, who.merchant.id)
        # A collection's editor shows each coupon's stock left: a query each, so only there.
        offered = [
            await template_view(session, template, now)
            for template in (templates if kind == "collection" else [])
        ]
        stored = await _stored_parts(session, activity) if activity else {}
    return console_page(
        request,
        who,
        "console/activity_form.html",
        status,
        title=t(f"console.kinds.{'edit' if activity else 'new'}.{kind}"),
        form=form,
        kind=kind,
        activity=activity,
        sections=[(section, section.editable(activity)) for section in SECTIONS[kind]],
        rows=max(prize_table.row_count(form), 1),
        reward_options=prize_table.reward_options(templates, t),
        chances=weights,
        cells=marquee_board.board(form, weights),
        offers=marquee_board.offers(weights),
        shares=envelope_pot.share_range(form, who.merchant.currency, t),
        offered=offered,
        **stored,
        slots=collection_picker.slot_count(form, offered),
        template_options=collection_picker.options(offered, t),
    )


def _read(
    request: Request,
    model: type[ActivityCreate | ActivityPatch],
    kind: str,
    activity: Activity | None = None,
) -> tuple[Form, ActivityCreate | ActivityPatch | None]:
    """The typed form, and the schema read from it (None if anything is wrong: the form then
    holds every error). The kind's sections read what may still change."""
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    sections = [section for section in SECTIONS[kind] if section.editable(activity)]
    readers = _common_readers(who)
    for section in sections:
        section.prepare(form)
        readers |= section.readers(form, who.merchant.currency)
    data = read_fields(form, readers, t)
    for section in sections:
        section.build(data, form, t, who.merchant.currency)
    if model is ActivityCreate:
        data["kind"] = kind
    checked = validated(model, data, form, t)
    for section in sections:
        section.placed(form)
    return form, None if form.errors else checked


@bp.get("/")
@requires(Role.MANAGER)
async def activity_list(request: Request) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await service.list_activities(
            session, who.merchant.id, limit=50, cursor=request.args.get("cursor")
        )
    now = utcnow()
    return console_page(
        request,
        who,
        "console/activities.html",
        title=translator(request, who)("console.menu.activities"),
        activities=[(a, service.effective_status(a, now)) for a in page.items],
        next_cursor=page.next_cursor,
    )


@bp.get("/new")
@requires(Role.MANAGER)
async def new_activity(request: Request) -> HTTPResponse:
    kind = _kind_of(request.args.get("kind"))
    timezone = current(request).merchant.timezone
    start = utcnow().replace(second=0, microsecond=0)  # live as soon as it is published
    values = {
        "starts_at": time_input(start, timezone),
        "ends_at": time_input(start + timedelta(days=7), timezone),
        f"prizes.{prize_table.NEW_ROWS - 1}.consolation": "on",
        **envelope_pot.typed(None, current(request).merchant.currency),
    }
    return await _form_page(request, Form(values=values), kind)


@bp.post("/")
@requires(Role.MANAGER)
async def create_activity(request: Request) -> HTTPResponse:
    who = current(request)
    kind = _kind_of(typed(request).get("kind"))
    form, created = _read(request, ActivityCreate, kind)
    if created is not None:
        try:
            async with request.app.ctx.db.transaction() as session:
                activity = await service.create_activity(session, who.merchant, created)
            return redirect(f"/console/activities/{activity.id}", status=303)
        except ConfettiError as refused:
            add_refusal(form, refused)
    return await _form_page(request, form, kind, status=422)


async def _load(request: Request, activity_id: uuid.UUID) -> tuple[Activity, list]:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, current(request).merchant.id, activity_id)
        prizes = await prizes_of(session, activity.id)
    return activity, prizes


def _typed_values(who: SignedIn, activity: Activity, prizes: list) -> dict[str, str]:
    """A stored activity as its form shows it."""
    timezone, rules = who.merchant.timezone, activity.rules
    values = {
        "name": activity.name,
        "description": activity.description,
        "starts_at": time_input(activity.starts_at, timezone),
        "ends_at": time_input(activity.ends_at, timezone),
        "rules.points_cost": str(rules.get("points_cost") or ""),
        "rules.telegram_channel": rules.get("telegram_channel") or "",
    }
    values |= {f"rules.{name}": str(rules.get(name) or "") for name in RULE_NUMBERS}
    if rules.get("new_customers_only"):
        values["rules.new_customers_only"] = "on"
    for section in SECTIONS[activity.kind]:
        values |= section.typed(activity, prizes, who.merchant.currency)
    return values


async def _detail_page(
    request: Request, activity_id: uuid.UUID, *, problems: list[str] = (), status: int = 200
) -> HTTPResponse:
    who = current(request)
    settings = request.app.ctx.settings
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, who.merchant.id, activity_id)
        view = await views.activity_view(session, activity, settings.base_url)
        prizes = await prizes_of(session, activity.id)
        warnings = await checks.publish_warnings(session, activity, prizes)
        stored = await _stored_parts(session, activity)
    qr = base64.b64encode(qr_image(view.share_url)).decode()
    odds = chances([(p.name, p.weight, p.remaining) for p in view.prizes])
    return console_page(
        request,
        who,
        "console/activity.html",
        status,
        title=activity.name,
        activity=view,
        actions=ALLOWED_ACTIONS[view.status],
        chances=odds,
        cells=marquee_board.board(
            Form(values=marquee_board.typed(activity.settings.get("marquee"))), odds
        ),
        **stored,
        # The share page serves it (og:image) once the activity is public.
        card_url=None if view.status == "draft" else f"/a/{view.slug}/card.png",
        qr_data_uri=f"data:image/png;base64,{qr}",
        warnings=warnings,
        problems=problems,
    )


@bp.get("/<activity_id:uuid>")
@requires(Role.MANAGER)
async def activity_detail(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    return await _detail_page(request, activity_id)


@bp.get("/<activity_id:uuid>/edit")
@requires(Role.MANAGER)
async def edit_activity(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    activity, prizes = await _load(request, activity_id)
    values = _typed_values(current(request), activity, prizes)
    return await _form_page(request, Form(values=values), activity.kind, activity=activity)


@bp.post("/<activity_id:uuid>")
@requires(Role.MANAGER)
async def update_activity(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    activity, _ = await _load(request, activity_id)
    form, patch = _read(request, ActivityPatch, activity.kind, activity)
    if patch is not None:
        try:
            async with request.app.ctx.db.transaction() as session:
                await edits.update_activity(session, who.merchant.id, activity_id, patch)
            return redirect(f"/console/activities/{activity_id}", status=303)
        except ConfettiError as refused:
            add_refusal(form, refused)
    return await _form_page(request, form, activity.kind, activity=activity, status=422)


@bp.post("/<activity_id:uuid>/<action:publish|pause|resume|end>")
@requires(Role.MANAGER)
async def change_activity_status(
    request: Request, activity_id: uuid.UUID, action: str
) -> HTTPResponse:
    merchant_id = current(request).merchant.id
    try:
        async with request.app.ctx.db.transaction() as session:
            if action == "publish":
                await service.publish(session, merchant_id, activity_id)
            else:
                await service.change_status(session, merchant_id, activity_id, action)
    except ValidationFailed as refused:
        # Publishing lists everything that stops it: the page shows them all, to fix at once.
        problems = [f"{p.field}: {p.message}" if p.field else p.message for p in refused.problems]
        return await _detail_page(request, activity_id, problems=problems, status=422)
    return redirect(f"/console/activities/{activity_id}", status=303)


@bp.post("/odds")
@requires(Role.MANAGER)
async def odds_preview(request: Request) -> HTTPResponse:
    """The editor's probability preview, recomputed from the rows as typed (htmx); a marquee's
    board comes along (out of band): new selects when the prizes' names changed, else only
    each cell's chance."""
    form = Form(values=typed(request))
    odds = chances(prize_table.weights_of(form))
    return console_fragment(
        request,
        current(request),
        "console/activity_previews.html",
        "odds",
        form=form,
        chances=odds,
        cells=marquee_board.board(form, odds) if form.value("kind") == "marquee" else None,
        offers=marquee_board.offers(odds),
        new_offers=marquee_board.offers_changed(form, odds),
    )


@bp.post("/envelope-shares")
@requires(Role.MANAGER)
async def envelope_shares(request: Request) -> HTTPResponse:
    """What each share of the pot as typed may be, or why it cannot be split so (htmx)."""
    who = current(request)
    form = Form(values=typed(request))
    return console_fragment(
        request,
        who,
        "console/activity_previews.html",
        "shares",
        shares=envelope_pot.share_range(form, who.merchant.currency, translator(request, who)),
    )


@bp.get("/prize-row")
@requires(Role.MANAGER)
async def prize_row(request: Request) -> HTTPResponse:
    """One more empty row for the editor (htmx), and the add button, which counts on."""
    index = request.args.get("index", "")
    if not (index.isascii() and index.isdigit()) or int(index) >= MAX_PRIZE_ROWS:
        raise ValidationFailed("index: a row number from 0 to 99", field="index")
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        templates = await _offerable(session, who.merchant.id)
    return console_fragment(
        request,
        who,
        "console/prize_row.html",
        "row",
        form=Form(),
        n=int(index),
        reward_options=prize_table.reward_options(templates, translator(request, who)),
    )
