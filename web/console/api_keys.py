"""API keys (owner only): the shop system's keys to the REST API, through core.merchants.
A new key's secret is shown once, on the page its creation answers with; only its first
characters are kept readable."""

import uuid

from pydantic import BaseModel, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.merchants import service
from core.staff.models import Role
from web.console.access import current, requires
from web.console.forms import Form, read_fields, text, typed, validated
from web.console.pages import console_page, translator

bp = Blueprint("console_api_keys", url_prefix="/console/api-keys")


class KeyName(BaseModel):
    name: str = Field(min_length=1, max_length=100)


async def _keys_page(
    request: Request, form: Form, *, new_key: str | None = None, status: int = 200
) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        keys = await service.list_api_keys(session, who.merchant.id)
    return console_page(
        request,
        who,
        "console/api_keys.html",
        status,
        title=translator(request, who)("console.menu.api_keys"),
        keys=keys,
        form=form,
        new_key=new_key,
    )


@bp.get("/")
@requires(Role.OWNER)
async def key_list(request: Request) -> HTTPResponse:
    return await _keys_page(request, Form())


@bp.post("/")
@requires(Role.OWNER)
async def create_key(request: Request) -> HTTPResponse:
    who = current(request)
    t = translator(request, who)
    form = Form(values=typed(request))
    named = validated(KeyName, read_fields(form, {"name": text}, t), form, t)
    if named is None:
        return await _keys_page(request, form, status=422)
    async with request.app.ctx.db.transaction() as session:
        _, raw_key = await service.issue_api_key(session, who.merchant.id, name=named.name)
    # Answered with the page itself, not a redirect: the secret must never sit in a URL.
    return await _keys_page(request, Form(), new_key=raw_key, status=201)


@bp.post("/<key_id:uuid>/revoke")
@requires(Role.OWNER)
async def revoke_key(request: Request, key_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        await service.revoke_api_key(session, current(request).merchant.id, key_id)
    return redirect("/console/api-keys/", status=303)
