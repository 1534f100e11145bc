"""Liveness and readiness: is the database answering, is the broker answering."""

import asyncio

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from web.openapi_docs import document
from web.responses import model_response

CHECK_TIMEOUT_SECONDS = 3.0

bp = Blueprint("health")


class Health(BaseModel):
    status: str
    database: str
    broker: str


async def _check(probe: asyncio.Future | object) -> str:
    try:
        await asyncio.wait_for(probe, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception:
        return "unavailable"
    return "ok"


@bp.get("/healthz")
@document(
    summary="Health of the process and what it depends on",
    ok=(200, Health),
    errors=(503,),
    authenticated=False,
)
async def healthz(request: Request) -> HTTPResponse:
    database = await _check(request.app.ctx.db.ping())
    broker = await _check(request.app.ctx.broker.ping())
    healthy = database == "ok" and broker == "ok"
    health = Health(status="ok" if healthy else "unavailable", database=database, broker=broker)
    return model_response(health, status=200 if healthy else 503)


@bp.get("/metrics")
async def metrics(request: Request) -> HTTPResponse:
    """Prometheus metrics of this process, in the text exposition format."""
    return request.app.ctx.metrics.render()
