"""Liveness and readiness: is the database answering, is the broker answering."""

import asyncio

from pydantic import BaseModel, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.events.service import outbox_backlog
from web.openapi_docs import document
from web.responses import model_response
from workers.registry import QUEUE_NAMES

CHECK_TIMEOUT_SECONDS = 3.0

bp = Blueprint("health")


class OutboxHealth(BaseModel):
    pending: int = Field(description="Events committed but not yet published")
    oldest_seconds: float = Field(description="Age of the oldest: the relay's lag")


class Health(BaseModel):
    status: str
    database: str
    broker: str
    outbox: OutboxHealth | None = Field(description="null when the database is down")
    queues: dict[str, int] | None = Field(
        description="Messages waiting per consumer queue; null when the broker is down"
    )


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
    outbox = await _outbox(request) if database == "ok" else None
    queues = await _queue_depths(request) if broker == "ok" else None
    health = Health(
        status="ok" if healthy else "unavailable",
        database=database,
        broker=broker,
        outbox=outbox,
        queues=queues,
    )
    return model_response(health, status=200 if healthy else 503)


async def _outbox(request: Request) -> OutboxHealth | None:
    try:
        async with request.app.ctx.db.transaction(write=False) as session:
            pending, oldest = await asyncio.wait_for(
                outbox_backlog(session), timeout=CHECK_TIMEOUT_SECONDS
            )
    except Exception:
        return None
    return OutboxHealth(pending=pending, oldest_seconds=round(oldest, 3))


async def _queue_depths(request: Request) -> dict[str, int] | None:
    broker = request.app.ctx.broker
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            return {name: await broker.queue_depth(name) for name in QUEUE_NAMES}
    except Exception:
        return None


@bp.get("/metrics")
async def metrics(request: Request) -> HTTPResponse:
    """Prometheus metrics of this process, in the text exposition format."""
    outbox = await _outbox(request)
    if outbox is not None:
        request.app.ctx.metrics.observe_outbox(outbox.pending, outbox.oldest_seconds)
    queues = await _queue_depths(request)
    for queue, depth in (queues or {}).items():
        request.app.ctx.metrics.queue_depth.labels(queue).set(depth)
    return request.app.ctx.metrics.render()
