"""Coupon templates: list, create (as a draft), edit, publish, pause, resume and end, through
core.coupons.templates. Amounts are typed in the merchant's currency, times in its timezone."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.clock import utcnow
from core.coupons import templates
from core.coupons.models import CouponTemplate
from core.coupons.schemas import CouponTemplateCreate, CouponTemplateOut, CouponTemplatePatch
from core.errors import ConfettiError
from core.staff.models import Role
from web.console.access import SignedIn, current, requires
from web.console.forms import (
    Form,
    Reader,
    add_refusal,
    decimal,
    local_time,
    money,
    money_input,
    read_fields,
    text,
    time_input,
    typed,
    validated,
    whole_number,
)
from web.console.pages import console_page, translator

bp = Blueprint("console_coupons", url_prefix="/console/coupons")

KINDS = ("fixed", "threshold", "percent", "free_order")
# The console's buttons, as the service names the changes.
STATUS_ACTIONS = {"publish": "resume", "pause": "pause", "resume": "resume", "end": "archive"}
ALLOWED_ACTIONS = {
    "draft": ("publish", "end"),
    "active": ("pause", "end"),
    "paused": ("resume", "end"),
    "archived": (),
}
MONEY_FIELDS = ("amount_off", "threshold", "max_discount", "min_order_amount")
TIME_FIELDS = ("claim_starts_at", "claim_ends_at")
NUMBER_FIELDS = ("total_stock", "per_customer_limit", "valid_days")


def _readers(who: SignedIn, *, with_kind: bool) -> dict[str, Reader]:
    currency, timezone = who.merchant.currency, who.merchant.timezone
    readers: dict[str, Reader] = {"name": text, "description": text}
    if with_kind:
        readers["kind"] = text
    readers |= {name: money(currency) for name in MONEY_FIELDS}
    readers["min_order_amount"] = money(currency, blank=0)
    readers["percent_off"] = decimal
    readers |= {name: whole_number() for name in NUMBER_FIELDS}
    readers |= {name: local_time(timezone) for name in TIME_FIELDS}
    return readers


def _typed_values(who: SignedIn, template: CouponTemplate) -> dict[str, str]:
    """A stored template as its form shows it."""
    values = {"name": template.name, "description": template.description, "kind": template.kind}
    for name in MONEY_FIELDS:
        values[name] = money_input(getattr(template, name), who.merchant.currency)
    for name in NUMBER_FIELDS:
        value = getattr(template, name)
        values[name] = "" if value is None else str(value)
    for name in TIME_FIELDS:
        values[name] = time_input(getattr(template, name), who.merchant.timezone)
    values["percent_off"] = "" if template.percent_off is None else f"{template.percent_off:g}"
    return values


def _form_page(
    request: Request, form: Form, *, coupon: CouponTemplateOut | None = None, status: int = 200
) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    title = t("console.coupons.edit" if coupon else "console.coupons.new")
    return console_page(
        request,
        who,
        "console/coupon_form.html",
        status,
        title=title,
        form=form,
        coupon=coupon,
        kind_options=[(kind, t(f"console.coupons.kind.{kind}")) for kind in KINDS],
        allowed_actions=ALLOWED_ACTIONS,
    )


@bp.get("/")
@requires(Role.MANAGER)
async def coupon_list(request: Request) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await templates.list_templates(
            session, who.merchant.id, limit=50, cursor=request.args.get("cursor")
        )
        now = utcnow()
        views = [await templates.template_view(session, item, now) for item in page.items]
    return console_page(
        request,
        who,
        "console/coupons.html",
        title=translator(request, who)("console.menu.coupons"),
        templates=views,
        next_cursor=page.next_cursor,
        allowed_actions=ALLOWED_ACTIONS,
    )


@bp.get("/new")
@requires(Role.MANAGER)
async def new_coupon(request: Request) -> HTTPResponse:
    return _form_page(request, Form(values={"kind": "fixed", "min_order_amount": ""}))


@bp.post("/")
@requires(Role.MANAGER)
async def create_coupon(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    data = read_fields(form, _readers(who, with_kind=True), t)
    terms = validated(CouponTemplateCreate, {**data, "status": "draft"}, form, t)
    if terms is None or form.errors:
        return _form_page(request, form, status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            created = await templates.create_template(session, who.merchant, terms)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return _form_page(request, form, status=refused.status)
    return redirect(f"/console/coupons/{created.id}", status=303)


@bp.get("/<template_id:uuid>")
@requires(Role.MANAGER)
async def edit_coupon(request: Request, template_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        template = await templates.get_template(session, who.merchant.id, template_id)
        view = await templates.template_view(session, template)
    return _form_page(request, Form(values=_typed_values(who, template)), coupon=view)


@bp.post("/<template_id:uuid>")
@requires(Role.MANAGER)
async def update_coupon(request: Request, template_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    db = request.app.ctx.db
    form = Form(values=typed(request))
    data = read_fields(form, _readers(who, with_kind=False), t)
    patch = validated(CouponTemplatePatch, data, form, t)
    if patch is not None and not form.errors:
        try:
            async with db.transaction() as session:
                await templates.update_template(session, who.merchant, template_id, patch)
            return redirect("/console/coupons/", status=303)
        except ConfettiError as refused:
            add_refusal(form, refused)
    async with db.transaction(write=False) as session:
        template = await templates.get_template(session, who.merchant.id, template_id)
        view = await templates.template_view(session, template)
    form.values["kind"] = template.kind
    return _form_page(request, form, coupon=view, status=422)


@bp.post("/<template_id:uuid>/<action:publish|pause|resume|end>")
@requires(Role.MANAGER)
async def change_coupon_status(
    request: Request, template_id: uuid.UUID, action: str
) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction() as session:
        await templates.change_status(session, who.merchant.id, template_id, STATUS_ACTIONS[action])
    return redirect("/console/coupons/", status=303)
