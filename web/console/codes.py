"""Code batches (manager and up): the list with codes left, a batch generated from a pattern
(granting points or a coupon) or opened for a partner's codes, a partner's CSV imported (every
line good or nothing imported, each bad line listed), and every code exported as CSV, all
through core.codes."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.codes import service
from core.codes.errors import ImportRejected
from core.codes.schemas import CodeBatchCreate
from core.coupons.templates import list_templates
from core.errors import ConfettiError
from core.staff.models import Role
from web.codes_export import stream_batch_csv
from web.console import prize_table
from web.console.access import SignedIn, current, requires
from web.console.forms import (
    Form,
    Reader,
    add_refusal,
    local_time,
    read_fields,
    text,
    typed,
    validated,
    whole_number,
)
from web.console.pages import console_page, translator
from web.console.reward_fields import errors_beside_reward

bp = Blueprint("console_codes", url_prefix="/console/codes")

KINDS = ("generated", "imported")
FILE_FIELD = "file"
BAD_LINES_SHOWN = 50  # a broken file may have a bad row on every line


def _readers(who: SignedIn) -> dict[str, Reader]:
    timezone = who.merchant.timezone
    return {
        "name": text,
        "kind": text,
        "count": whole_number(),
        "pattern": text,
        "reward": text,
        "points": whole_number(),
        "valid_from": local_time(timezone),
        "valid_until": local_time(timezone),
        "per_customer_limit": whole_number(),
    }


def _batch_terms(data: dict) -> dict:
    """The form's values as core.codes takes them: an imported batch's reward is the partner's
    code, so it has no count, pattern or reward of its own."""
    choice, points = data.pop("reward"), data.pop("points")
    if data["kind"] == "imported":
        return {**data, "count": None, "pattern": None}
    [row] = prize_table.with_rewards([{"reward": choice, "points": points}])
    return {**data, "pattern": data["pattern"] or None, "reward": row["reward"]}


async def _form_page(request: Request, form: Form, status: int = 200) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await list_templates(session, who.merchant.id, limit=200, cursor=None)
    rewards = [
        option for option in prize_table.reward_options(page.items, t) if option[0] != "none"
    ]
    return console_page(
        request,
        who,
        "console/code_batch_form.html",
        status,
        title=t("console.codes.new"),
        form=form,
        kind_options=[(kind, t(f"console.codes.kind.{kind}")) for kind in KINDS],
        reward_options=rewards,
    )


@bp.get("/")
@requires(Role.MANAGER)
async def batch_list(request: Request) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await service.list_batches(
            session, who.merchant.id, limit=50, cursor=request.args.get("cursor")
        )
        batches = [await service.batch_view(session, batch) for batch in page.items]
    return console_page(
        request,
        who,
        "console/code_batches.html",
        title=translator(request, who)("console.menu.codes"),
        batches=batches,
        next_cursor=page.next_cursor,
    )


@bp.get("/new")
@requires(Role.MANAGER)
async def new_batch(request: Request) -> HTTPResponse:
    return await _form_page(request, Form(values={"kind": "generated", "reward": "points"}))


@bp.post("/")
@requires(Role.MANAGER)
async def create_batch(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    data = read_fields(form, _readers(who), t)
    terms = None if form.errors else validated(CodeBatchCreate, _batch_terms(data), form, t)
    errors_beside_reward(form, amount="points")
    if terms is None or form.errors:
        return await _form_page(request, form, status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            batch, _ = await service.create_batch(session, who.merchant, terms)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _form_page(request, form, status=refused.status)
    return redirect(f"/console/codes/{batch.id}", status=303)


async def _batch_page(
    request: Request, batch_id: uuid.UUID, form: Form, bad_lines: list[str], status: int = 200
) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        batch = await service.batch_view(
            session, await service.get_batch(session, who.merchant.id, batch_id)
        )
    return console_page(
        request,
        who,
        "console/code_batch.html",
        status,
        title=batch.name,
        batch=batch,
        form=form,
        bad_lines=bad_lines[:BAD_LINES_SHOWN],
        more_bad_lines=max(len(bad_lines) - BAD_LINES_SHOWN, 0),
        imported_notice=_imported_notice(request),
    )


def _imported_notice(request: Request) -> str | None:
    """What the import just did, from the address it redirected to."""
    imported, present = request.args.get("imported", ""), request.args.get("present", "")
    if not (imported.isdigit() and present.isdigit()):
        return None
    t = translator(request, current(request))
    return t("console.codes.imported", imported=imported, present=present)


@bp.get("/<batch_id:uuid>")
@requires(Role.MANAGER)
async def batch_page(request: Request, batch_id: uuid.UUID) -> HTTPResponse:
    return await _batch_page(request, batch_id, Form(fields={FILE_FIELD}), [])


@bp.post("/<batch_id:uuid>/import")
@requires(Role.MANAGER)
async def import_codes(request: Request, batch_id: uuid.UUID) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(fields={FILE_FIELD})
    upload = (request.files or {}).get(FILE_FIELD)
    if upload is None or not upload.name:
        form.errors[FILE_FIELD] = t("console.codes.choose_file")
        return await _batch_page(request, batch_id, form, [], status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            _, imported, present = await service.import_codes(
                session, who.merchant.id, batch_id, upload.body
            )
    except ImportRejected as rejected:
        lines = [problem.message for problem in rejected.problems]
        form.errors[FILE_FIELD] = t("console.codes.rejected", count=len(lines))
        return await _batch_page(request, batch_id, form, lines, status=rejected.status)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _batch_page(request, batch_id, form, [], status=refused.status)
    return redirect(f"/console/codes/{batch_id}?imported={imported}&present={present}", status=303)


@bp.get("/<batch_id:uuid>/export")
@requires(Role.MANAGER)
async def export_codes(request: Request, batch_id: uuid.UUID) -> HTTPResponse | None:
    await stream_batch_csv(request, current(request).merchant.id, batch_id)
    return None
