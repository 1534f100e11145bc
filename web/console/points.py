"""Points (manager and up): the earning rules, through core.points.rules. A rule's terms are
changed by retiring it and adding the new one (core refuses a rule that would pay the same
occasion twice), so a page lists them with a form to add one and a button to retire each."""

import uuid
from typing import get_args

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.errors import ConfettiError
from core.points import rules
from core.points.errors import DuplicateRule
from core.points.schemas import RuleCreate, RuleKind
from core.staff.models import Role
from web.console.access import current, requires
from web.console.forms import (
    Form,
    add_refusal,
    money,
    read_fields,
    text,
    typed,
    validated,
    whole_number,
)
from web.console.pages import console_page, translator

bp = Blueprint("console_points", url_prefix="/console/points")

KINDS: tuple[str, ...] = get_args(RuleKind)
# The terms each kind of rule uses: a per_amount rule earns by the order, the others a bonus.
TERMS = {kind: ("points",) for kind in KINDS} | {"per_amount": ("points_per_unit", "unit_amount")}


async def _rules_page(request: Request, form: Form, status: int = 200) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    async with request.app.ctx.db.transaction(write=False) as session:
        listed = await rules.list_rules(session, who.merchant.id)
    return console_page(
        request,
        who,
        "console/points.html",
        status,
        title=t("console.menu.points"),
        rules=listed,
        form=form,
        kind_options=[(kind, t(f"console.points.kind.{kind}")) for kind in KINDS],
    )


@bp.get("/")
@requires(Role.MANAGER)
async def rule_list(request: Request) -> HTTPResponse:
    return await _rules_page(request, Form(values={"kind": "per_amount"}))


@bp.post("/rules")
@requires(Role.MANAGER)
async def add_rule(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    readers = {
        "kind": text,
        "points": whole_number(),
        "points_per_unit": whole_number(),
        "unit_amount": money(who.merchant.currency),
    }
    data = read_fields(form, readers, t)
    used = TERMS.get(data["kind"], ())
    terms = {name: value for name, value in data.items() if name == "kind" or name in used}
    rule = None if form.errors else validated(RuleCreate, terms, form, t)
    if rule is None or form.errors:
        return await _rules_page(request, form, status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            await rules.create_rule(session, who.merchant.id, rule)
    except DuplicateRule:
        form.errors["kind"] = t("console.points.duplicate")
        return await _rules_page(request, form, status=409)
    except ConfettiError as refused:
        add_refusal(form, refused)
        return await _rules_page(request, form, status=refused.status)
    return redirect("/console/points/", status=303)


@bp.post("/rules/<rule_id:uuid>/retire")
@requires(Role.MANAGER)
async def retire_rule(request: Request, rule_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        await rules.delete_rule(session, current(request).merchant.id, rule_id)
    return redirect("/console/points/", status=303)
