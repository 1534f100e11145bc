"""API key authentication: the request's merchant comes from its key, and only from its key."""

from sanic import Blueprint, Request

from core.errors import Unauthorized
from core.merchants.models import Merchant
from core.merchants.service import authenticate, is_last_use_stale, mark_api_key_used


def _bearer_key(request: Request) -> str:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized()
    return key.strip()


def api_blueprint(name: str) -> Blueprint:
    """A blueprint for `/api/v1` routes: each answers 401 unless a live API key is presented."""
    blueprint = Blueprint(name)

    @blueprint.on_request
    async def _authenticate(request: Request) -> None:
        if request.method == "OPTIONS":
            return
        key = _bearer_key(request)
        db = request.app.ctx.db
        async with db.transaction(write=False) as session:
            merchant, api_key = await authenticate(session, key)
        if is_last_use_stale(api_key):
            async with db.transaction() as session:
                await mark_api_key_used(session, api_key.id)
        request.ctx.merchant = merchant

    return blueprint


def current_merchant(request: Request) -> Merchant:
    return request.ctx.merchant
