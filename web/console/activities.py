"""Activities: list, create and edit a lucky draw (schedule, budget, who may play, and its
prize table with a live probability preview), publish, pause, resume and end, through
core.activities. Each activity shows its share link and a QR code of it."""

import base64
import uuid
from datetime import timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.activities import checks, service, views
from core.activities.models import Activity
from core.activities.prizes import prizes_of
from core.activities.schemas import ActivityCreate, ActivityPatch
from core.clock import utcnow
from core.coupons.templates import list_templates
from core.errors import ConfettiError, ValidationFailed
from core.staff.models import Role
from web.console import prize_table
from web.console.access import SignedIn, current, requires
from web.console.forms import (
    Form,
    Reader,
    add_refusal,
    checkbox,
    local_time,
    money,
    money_input,
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


def _readers(who: SignedIn, form: Form, *, prizes: bool, budget: bool) -> dict[str, Reader]:
    """What the form reads: the budget only at creation (it is fixed then), the prizes until
    the draw is published (its table is public then)."""
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
    readers |= {f"rules.{name}": whole_number() for name in RULE_NUMBERS}
    if budget:
        readers["budget"] = money(who.merchant.currency)
    if prizes:
        readers |= prize_table.readers(form, who.merchant.currency)
    return readers


async def _reward_options(request: Request, who: SignedIn) -> list[tuple[str, str]]:
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await list_templates(session, who.merchant.id, limit=200, cursor=None)
    return prize_table.reward_options(page.items, translator(request, who))


async def _form_page(
    request: Request, form: Form, *, activity: Activity | None = None, status: int = 200
) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    return console_page(
        request,
        who,
        "console/activity_form.html",
        status,
        title=t("console.activities.edit" if activity else "console.activities.new"),
        form=form,
        activity=activity,
        published=activity is not None and activity.status != "draft",
        rows=max(prize_table.row_count(form), 1),
        reward_options=await _reward_options(request, who),
        chances=chances(prize_table.weights_of(form)),
    )


def _read(
    request: Request, model: type[ActivityCreate | ActivityPatch], *, prizes: bool, budget: bool
) -> tuple[Form, ActivityCreate | ActivityPatch | None]:
    """The typed form, and the schema read from it (None if anything is wrong: the form then
    holds every error)."""
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    if prizes:
        prize_table.drop_blank_rows(form)
    data = read_fields(form, _readers(who, form, prizes=prizes, budget=budget), t)
    if prizes:
        data["prizes"] = prize_table.with_rewards(data.get("prizes", []))
    if model is ActivityCreate:
        data["kind"] = "lucky_draw"
    checked = validated(model, data, form, t)
    prize_table.place_reward_errors(form)
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
    timezone = current(request).merchant.timezone
    start = utcnow().replace(second=0, microsecond=0)  # live as soon as it is published
    values = {
        "starts_at": time_input(start, timezone),
        "ends_at": time_input(start + timedelta(days=7), timezone),
        f"prizes.{prize_table.NEW_ROWS - 1}.consolation": "on",
    }
    return await _form_page(request, Form(values=values))


@bp.post("/")
@requires(Role.MANAGER)
async def create_activity(request: Request) -> HTTPResponse:
    who = current(request)
    form, created = _read(request, ActivityCreate, prizes=True, budget=True)
    if created is not None:
        try:
            async with request.app.ctx.db.transaction() as session:
                activity = await service.create_activity(session, who.merchant, created)
            return redirect(f"/console/activities/{activity.id}", status=303)
        except ConfettiError as refused:
            add_refusal(form, refused)
    return await _form_page(request, form, status=422)


async def _load(request: Request, activity_id: uuid.UUID) -> tuple[Activity, list]:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await service.get_activity(session, current(request).merchant.id, activity_id)
        prizes = await prizes_of(session, activity.id)
    return activity, prizes


def _typed_values(who: SignedIn, activity: Activity, prizes: list) -> dict[str, str]:
    """A stored draw as its form shows it."""
    timezone, rules = who.merchant.timezone, activity.rules
    values = {
        "name": activity.name,
        "description": activity.description,
        "starts_at": time_input(activity.starts_at, timezone),
        "ends_at": time_input(activity.ends_at, timezone),
        "rules.points_cost": str(rules.get("points_cost") or ""),
        "rules.telegram_channel": rules.get("telegram_channel") or "",
        "budget": money_input(activity.budget, who.merchant.currency),
    }
    values |= {f"rules.{name}": str(rules.get(name) or "") for name in RULE_NUMBERS}
    if rules.get("new_customers_only"):
        values["rules.new_customers_only"] = "on"
    return values | prize_table.typed_rows(prizes, who.merchant.currency)


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
    qr = base64.b64encode(qr_image(view.share_url)).decode()
    return console_page(
        request,
        who,
        "console/activity.html",
        status,
        title=activity.name,
        activity=view,
        actions=ALLOWED_ACTIONS[view.status],
        chances=chances([(p.name, p.weight, p.remaining) for p in view.prizes]),
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
    return await _form_page(request, Form(values=values), activity=activity)


@bp.post("/<activity_id:uuid>")
@requires(Role.MANAGER)
async def update_activity(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    activity, _ = await _load(request, activity_id)
    draft = activity.status == "draft"
    form, patch = _read(request, ActivityPatch, prizes=draft, budget=False)
    if patch is not None:
        try:
            async with request.app.ctx.db.transaction() as session:
                await service.update_activity(session, who.merchant.id, activity_id, patch)
            return redirect(f"/console/activities/{activity_id}", status=303)
        except ConfettiError as refused:
            add_refusal(form, refused)
    return await _form_page(request, form, activity=activity, status=422)


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
    """The editor's probability preview, recomputed from the rows as typed (htmx)."""
    form = Form(values=typed(request))
    return console_fragment(
        request,
        current(request),
        "console/activity_form.html",
        "odds",
        chances=chances(prize_table.weights_of(form)),
    )


@bp.get("/prize-row")
@requires(Role.MANAGER)
async def prize_row(request: Request) -> HTTPResponse:
    """One more empty row for the editor (htmx), and the add button, which counts on."""
    index = request.args.get("index", "")
    if not (index.isascii() and index.isdigit()) or int(index) >= MAX_PRIZE_ROWS:
        raise ValidationFailed("index: a row number from 0 to 99", field="index")
    who = current(request)
    return console_fragment(
        request,
        who,
        "console/prize_row.html",
        "row",
        form=Form(),
        n=int(index),
        reward_options=await _reward_options(request, who),
    )
