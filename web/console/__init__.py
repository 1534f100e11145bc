"""The merchant console (`/console`)."""

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from web.pages import page_translator, render

bp = Blueprint("console", url_prefix="/console")


@bp.get("/")
@openapi.exclude()
async def console_home(request: Request) -> HTTPResponse:
    return render(
        "console_home.html",
        t=page_translator(request, "UTC"),
        docs_url="/api/v1/docs",
        health_url="/healthz",
    )
