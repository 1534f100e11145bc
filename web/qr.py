"""QR codes as PNG images (`/qr/{text}.png`): a coupon's code for the till to scan, shown in chat.

The text is short and plain (a code or a slug), so any URL that names one is a public, cacheable
image; anything else is not here.
"""

import io

import segno
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi
from sanic_ext.extensions.openapi.types import Schema

from core.activities.errors import ActivityNotFound
from core.activities.service import activity_by_slug
from core.errors import NotFound
from web.openapi_docs import document

bp = Blueprint("qr")

MAX_AGE_SECONDS = 24 * 60 * 60


@bp.get(r"/qr/<text:([A-Za-z0-9-]{1,64})\.png>")
@document(
    summary="Public: a QR code of a short text (letters, digits, '-') as a PNG image",
    ok=(200, "image/png"),
    errors=(404,),
    authenticated=False,
)
@openapi.parameter(
    "text",
    Schema(type="string", pattern=r"^[A-Za-z0-9-]{1,64}\.png$", example="ABC-123.png"),
    "path",
    required=True,
    description="The text to encode, then `.png`",
)
async def qr_png(request: Request, text: str) -> HTTPResponse:
    return _png(qr_image(text))


@bp.get(r"/qr/a/<slug:([A-Za-z0-9_-]{1,64})\.png>")
@document(
    summary="Public: a QR code of an existing activity's share link as a PNG image",
    ok=(200, "image/png"),
    errors=(404,),
    authenticated=False,
)
@openapi.parameter(
    "slug",
    Schema(type="string", pattern=r"^[A-Za-z0-9_-]{1,64}\.png$", example="spring-wheel.png"),
    "path",
    required=True,
    description="The activity's slug, then `.png`",
)
async def share_qr_png(request: Request, slug: str) -> HTTPResponse:
    """What the merchant's bot sends with an activity's share link, to print or show; an
    activity that does not exist has none (404)."""
    try:
        async with request.app.ctx.db.transaction(write=False) as session:
            activity = await activity_by_slug(session, slug)
    except ActivityNotFound:
        raise NotFound() from None  # no such image, as for any other path under /qr
    return _png(qr_image(f"{request.app.ctx.settings.base_url}/a/{activity.slug}"))


def _png(image: bytes) -> HTTPResponse:
    return raw(
        image,
        content_type="image/png",
        headers={"Cache-Control": f"public, max-age={MAX_AGE_SECONDS}"},
    )


def qr_image(text: str) -> bytes:
    buffer = io.BytesIO()
    # segno would pick a Micro QR for short texts, which most phone cameras cannot read.
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
