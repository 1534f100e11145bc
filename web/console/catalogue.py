"""The rewards catalogue (manager and up): what customers exchange points for, each item a
coupon of a template or a partner code of an imported batch, listed with its stock left,
added, renamed or repriced, and retired through core.points.catalogue."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bots.conversation.i18n import Translator
from core.codes.service import list_batches
from core.coupons.templates import list_templates
from core.errors import ConfettiError
from core.points import catalogue
from core.points.schemas import CatalogueItemCreate, CatalogueItemPatch
from core.staff.models import Role
from web.console import prize_table
from web.console.access import SignedIn, current, requires
from web.console.forms import Form, add_refusal, read_fields, text, typed, validated, whole_number
from web.console.pages import console_page, translator
from web.console.reward_fields import errors_beside_reward

bp = Blueprint("console_catalogue", url_prefix="/console/points/catalogue")

CHOICES_LISTED = 200  # templates and batches offered as rewards


async def _reward_options(request: Request, who: SignedIn, t: Translator) -> list[tuple[str, str]]:
    """A template's coupon or an imported batch's partner code: what an item may grant."""
    async with request.app.ctx.db.transaction(write=False) as session:
        templates = await list_templates(
            session, who.merchant.id, limit=CHOICES_LISTED, cursor=None
        )
        batches = await list_batches(session, who.merchant.id, limit=CHOICES_LISTED, cursor=None)
    coupons = [
        option
        for option in prize_table.reward_options(templates.items, t)
        if option[0].startswith("coupon:")
    ]
    codes = [
        (f"code:{batch.id}", t("console.catalogue.reward.code", name=batch.name))
        for batch in batches.items
        if batch.kind == "imported"
    ]
    return coupons + codes


def _reward(choice: str) -> dict[str, str]:
    """The select's value (`coupon:<template id>` or `code:<batch id>`) as the reward."""
    kind, _, subject = choice.partition(":")
    if kind == "code":
        return {"type": "code", "batch_id": subject}
    return {"type": "coupon", "template_id": subject}


async def _catalogue_page(request: Request, form: Form, status: int = 200) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await catalogue.list_items(
            session, who.merchant.id, limit=50, cursor=request.args.get("cursor"), with_retired=True
        )
        items = [(await catalogue.item_view(session, item), item.retired_at) for item in page.items]
    return console_page(
        request,
        who,
        "console/catalogue.html",
        status,
        title=t("console.catalogue.title"),
        items=items,
        next_cursor=page.next_cursor,
        form=form,
        reward_options=await _reward_options(request, who, t),
    )


@bp.get("/")
@requires(Role.MANAGER)
async def item_list(request: Request) -> HTTPResponse:
    return await _catalogue_page(request, Form())


@bp.post("/")
@requires(Role.MANAGER)
async def add_item(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    readers = {"name": text, "cost": whole_number(), "stock": whole_number(), "reward": text}
    data = read_fields(form, readers, t)
    terms = {**data, "reward": _reward(data["reward"])}
    item = None if form.errors else validated(CatalogueItemCreate, terms, form, t)
    errors_beside_reward(form)
    if item is None or form.errors:
        return await _catalogue_page(request, form, status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            await catalogue.create_item(session, who.merchant.id, item)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _catalogue_page(request, form, status=refused.status)
    return redirect("/console/points/catalogue/", status=303)


def _item_form_page(
    request: Request, form: Form, item_id: uuid.UUID, status: int = 200
) -> HTTPResponse:
    who = current(request)
    return console_page(
        request,
        who,
        "console/catalogue_item.html",
        status,
        title=translator(request, who)("console.catalogue.edit"),
        form=form,
        item_id=item_id,
    )


@bp.get("/<item_id:uuid>")
@requires(Role.MANAGER)
async def edit_item(request: Request, item_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        item = await catalogue.offered_item(session, who.merchant.id, item_id)
    return _item_form_page(
        request, Form(values={"name": item.name, "cost": str(item.cost)}), item_id
    )


@bp.post("/<item_id:uuid>")
@requires(Role.MANAGER)
async def update_item(request: Request, item_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    data = read_fields(form, {"name": text, "cost": whole_number()}, t)
    patch = None if form.errors else validated(CatalogueItemPatch, data, form, t)
    if patch is None or form.errors:
        async with request.app.ctx.db.transaction(write=False) as session:
            await catalogue.offered_item(session, who.merchant.id, item_id)  # or 404
        return _item_form_page(request, form, item_id, status=422)
    async with request.app.ctx.db.transaction() as session:
        await catalogue.update_item(session, who.merchant.id, item_id, patch)
    return redirect("/console/points/catalogue/", status=303)


@bp.post("/<item_id:uuid>/retire")
@requires(Role.MANAGER)
async def retire_item(request: Request, item_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        await catalogue.retire_item(session, current(request).merchant.id, item_id)
    return redirect("/console/points/catalogue/", status=303)
