"""Try it (manager and up): a web-chat panel in the console that plays an activity as a test
customer, through the same conversation as the public web chat (web/webchat.py) and with no
bot token. The test customer is one web identity per staff member, so their tries, coupons and
points are theirs, apart from real customers'."""

import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from core.activities.service import get_activity, list_activities
from core.staff.models import Role
from web.body import parse_customer_body
from web.console.access import current, requires
from web.console.pages import console_page, translator
from web.responses import model_response
from web.webchat import SCRIPT_URL, STYLE_URL, ChatMessage, ChatReplies, web_replies

bp = Blueprint("console_try_it", url_prefix="/console/try")

ACTIVITY_CHOICES = 100


def test_customer_address(staff_id: uuid.UUID) -> str:
    return f"console-{staff_id}"


@bp.get("/")
@requires(Role.MANAGER)
async def try_panel(request: Request) -> HTTPResponse:
    who = current(request)
    chosen = request.args.get("activity", "")
    async with request.app.ctx.db.transaction(write=False) as session:
        page = await list_activities(session, who.merchant.id, limit=ACTIVITY_CHOICES, cursor=None)
    activity = next((a for a in page.items if str(a.id) == chosen), None)
    return console_page(
        request,
        who,
        "console/try_it.html",
        title=translator(request, who)("console.menu.try_it"),
        activities=page.items,
        activity=activity,
        script_url=SCRIPT_URL,
        style_url=STYLE_URL,
    )


@bp.post("/<activity_id:uuid>/messages")
@requires(Role.MANAGER)
async def try_message(request: Request, activity_id: uuid.UUID) -> HTTPResponse:
    """The web chat's message route, with the staff member's test customer as the sender."""
    who = current(request)
    message = parse_customer_body(request, ChatMessage)
    async with request.app.ctx.db.transaction() as session:
        await get_activity(session, who.merchant.id, activity_id)  # this merchant's, or 404
        address = test_customer_address(who.staff.id)
        replies = await web_replies(session, request, who.merchant, address, message)
    response = model_response(ChatReplies(replies=replies))
    response.headers["Cache-Control"] = "no-store"
    return response
