"""Endpoints that change state once per Idempotency-Key: a retry gets the first answer."""

import json
from collections.abc import Awaitable, Callable

from pydantic import BaseModel
from sanic import Request
from sanic.response import HTTPResponse, raw
from sqlalchemy.ext.asyncio import AsyncSession

from core.idempotency.errors import HEADER
from core.idempotency.service import Answer, check_key, request_fingerprint, run_once
from core.merchants.models import Merchant
from web.auth import current_merchant
from web.body import Model, parse_body

Work = Callable[[AsyncSession, Merchant, Model], Awaitable[BaseModel]]


async def once_per_key(
    request: Request, scope: str, body: type[Model], work: Work, *, status: int = 201
) -> HTTPResponse:
    """Parse the body, then run `work` once per (merchant, scope, key) in one transaction with
    the recorded answer (core.idempotency). The path is part of the fingerprint, so a key
    reused for another customer is refused."""
    key = check_key(request.headers.get(HEADER))
    data = parse_body(request, body)
    merchant = current_merchant(request)
    async with request.app.ctx.db.transaction() as session:

        async def answer() -> Answer:
            result = await work(session, merchant, data)
            return Answer(status, result.model_dump(mode="json"))

        outcome = await run_once(
            session,
            merchant_id=merchant.id,
            scope=scope,
            key=key,
            fingerprint=request_fingerprint(
                {"path": request.path, "body": data.model_dump(mode="json")}
            ),
            work=answer,
        )
    body_json = json.dumps(outcome.body, ensure_ascii=False, separators=(",", ":"))
    return raw(body_json, status=outcome.status, content_type="application/json")
