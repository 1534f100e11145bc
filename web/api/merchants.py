"""The calling merchant's own profile and API keys."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.merchants import service
from core.merchants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    MerchantOut,
    MerchantPatch,
)
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.responses import model_response

bp = api_blueprint("merchants")


@bp.get("/merchant")
@document(summary="The merchant this API key belongs to", ok=(200, MerchantOut))
async def get_own_merchant(request: Request) -> HTTPResponse:
    return model_response(MerchantOut.model_validate(current_merchant(request)))


@bp.patch("/merchant")
@document(
    summary="Change the merchant's name, brand colour or logo (shown on share pages)",
    ok=(200, MerchantOut),
    body=MerchantPatch,
)
async def update_own_merchant(request: Request) -> HTTPResponse:
    patch = parse_body(request, MerchantPatch)
    async with request.app.ctx.db.transaction() as session:
        merchant = await service.update_merchant(session, current_merchant(request).id, patch)
        view = MerchantOut.model_validate(merchant)
    return model_response(view)


@bp.get("/api-keys")
@document(summary="List this merchant's API keys (never the keys themselves)", ok=(200, ApiKeyList))
async def list_api_keys(request: Request) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        keys = await service.list_api_keys(session, current_merchant(request).id)
    return model_response(ApiKeyList(items=[ApiKeyOut.model_validate(k) for k in keys]))


@bp.post("/api-keys")
@document(
    summary="Create an API key; the key is in this response only",
    ok=(201, ApiKeyCreated),
    body=ApiKeyCreate,
)
async def create_api_key(request: Request) -> HTTPResponse:
    data = parse_body(request, ApiKeyCreate)
    async with request.app.ctx.db.transaction() as session:
        api_key, raw_key = await service.issue_api_key(
            session, current_merchant(request).id, name=data.name
        )
    out = ApiKeyCreated(**ApiKeyOut.model_validate(api_key).model_dump(), key=raw_key)
    return model_response(out, status=201)


@bp.delete("/api-keys/<key_id:uuid>")
@document(summary="Revoke an API key at once", ok=(200, ApiKeyOut), errors=(404,))
async def revoke_api_key(request: Request, key_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction() as session:
        api_key = await service.revoke_api_key(session, current_merchant(request).id, key_id)
    return model_response(ApiKeyOut.model_validate(api_key))
