"""Jobs: work the API accepted to do in the background (202), and its progress."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.jobs import service
from core.jobs.models import Job
from core.jobs.schemas import JobList, JobOut
from web.auth import api_blueprint, current_merchant
from web.openapi_docs import document
from web.query import page_params
from web.responses import model_response

bp = api_blueprint("jobs")
JOBS_PATH = "/api/v1/jobs"


def accepted(job: Job) -> HTTPResponse:
    """The 202 answer to a request that became a job: the job, and where to follow it."""
    response = model_response(service.job_view(job), status=202)
    response.headers["Location"] = f"{JOBS_PATH}/{job.id}"
    return response


@bp.get("/jobs")
@document(summary="List jobs, newest first", ok=(200, JobList), errors=(400, 422))
async def list_jobs(request: Request) -> HTTPResponse:
    limit, cursor = page_params(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await service.list_jobs(
            session, current_merchant(request).id, limit=limit, cursor=cursor
        )
    items = [service.job_view(job) for job in page.items]
    return model_response(JobList(items=items, next_cursor=page.next_cursor))


@bp.get("/jobs/<job_id:uuid>")
@document(summary="A job and its progress", ok=(200, JobOut), errors=(404,))
async def get_job(request: Request, job_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        job = await service.get_job(session, current_merchant(request).id, job_id)
    return model_response(service.job_view(job))
