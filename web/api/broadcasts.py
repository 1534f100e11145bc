"""Broadcasts: one message to a segment of the merchant's chat customers, sent as a job."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.broadcasts.schemas import BroadcastCreate, BroadcastOut
from core.broadcasts.service import BROADCAST_JOB_KIND, broadcast_view, start_broadcast
from core.jobs.errors import JobNotFound
from core.jobs.schemas import JobOut
from core.jobs.service import get_job
from web.api.jobs import accepted
from web.auth import api_blueprint, current_merchant
from web.body import parse_body
from web.openapi_docs import document
from web.responses import model_response

bp = api_blueprint("broadcasts")


@bp.post("/broadcasts")
@document(
    summary="Send one message (text, image, link) to a segment of your chat customers: each "
    "gets at most one copy, at each channel's rate; follow it at GET /broadcasts/{id}",
    ok=(202, JobOut),
    body=BroadcastCreate,
)
async def create(request: Request) -> HTTPResponse:
    data = parse_body(request, BroadcastCreate)
    async with request.app.ctx.db.transaction() as session:
        job = await start_broadcast(session, current_merchant(request).id, data)
    return accepted(job)


@bp.get("/broadcasts/<job_id:uuid>")
@document(
    summary="A broadcast's progress and what became of its messages so far",
    ok=(200, BroadcastOut),
    errors=(404,),
)
async def get(request: Request, job_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        job = await get_job(session, current_merchant(request).id, job_id)
        if job.kind != BROADCAST_JOB_KIND:
            raise JobNotFound()
        view = await broadcast_view(session, job)
    return model_response(view)
