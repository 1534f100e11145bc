"""Public share pages (`/a/{slug}`). The pages themselves arrive with the share-pages issue;
the fairness check is public already, so anyone can re-check an activity's draws."""

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.activities.service import activity_by_slug
from core.activities.verify import FairnessReport, fairness_report
from web.openapi_docs import document
from web.responses import model_response

bp = Blueprint("share", url_prefix="/a")


@bp.get("/<slug:[A-Za-z0-9_-]{1,32}>/fairness")
@document(
    summary="Public: re-check every try of an activity against its revealed server seed",
    ok=(200, FairnessReport),
    errors=(404,),
    authenticated=False,
)
async def fairness(request: Request, slug: str) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        activity = await activity_by_slug(session, slug)
        report = await fairness_report(session, activity)
    return model_response(report)
